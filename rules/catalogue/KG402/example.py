from cryptography.hazmat.primitives.ciphers.aead import AESGCM

data_key = AESGCM.generate_key(bit_length=256)
