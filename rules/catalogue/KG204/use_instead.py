import os

aes_key = os.urandom(32)
