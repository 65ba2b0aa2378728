import jwt

claims = {"sub": "alice"}
token = jwt.encode(claims, "s3cr3t-signing-key", algorithm="HS256")
