from Crypto.Cipher import DES


def legacy_cipher(key: bytes, iv: bytes):
    return DES.new(key, DES.MODE_CBC, iv)
