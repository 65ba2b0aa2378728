from cryptography.hazmat.primitives.ciphers.aead import AESGCM

cipher = AESGCM(AESGCM.generate_key(bit_length=256))
