import random

session_key = random.getrandbits(128).to_bytes(16, "big")
