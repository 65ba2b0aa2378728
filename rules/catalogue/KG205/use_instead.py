import hashlib
import os

password = os.environ["APP_PASSWORD"].encode()
salt = os.urandom(16)
key = hashlib.pbkdf2_hmac("sha256", password, salt, 600_000)
