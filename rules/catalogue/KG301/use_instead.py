import os

import jwt

claims = {"sub": "alice"}
token = jwt.encode(claims, os.environ["JWT_SIGNING_KEY"], algorithm="HS256")
