"""The cheap byte test that skips files no keyguard Semgrep rule could match."""

from __future__ import annotations

import re

_TOKENS = re.compile(
    rb"crypto|Crypto|Cipher|cipher|KeyPair|KeyGenerator|SecretKey|SecureRandom|Random|random|"
    rb"rsa|RSA|ecdsa|ECDsa|ecdh|elliptic|DSA|DES|RC2|RC4|Blowfish|pbkdf2|PBKDF2|PBEKey|"
    rb"Rfc2898|jsonwebtoken|jwt\.sign|subtle|generateKey|aes\.|AES|\bkey|Key\b|secret|Secret|SECRET|_KEY|token|"
    rb"password|Password"
)


def semgrep_prefilter(data: bytes) -> bool:
    """True when a non-Python file holds a token any keyguard Semgrep rule could match."""
    return _TOKENS.search(data) is not None
