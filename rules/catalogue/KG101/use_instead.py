import secrets

session_key = secrets.token_bytes(32)
