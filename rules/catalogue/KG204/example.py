import os

aes_key = os.urandom(8)
