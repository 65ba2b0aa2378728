"""The cheap byte test that skips files no keyguard Semgrep rule could match."""

from __future__ import annotations

import re

_TOKENS = re.compile(
    rb"crypto|Crypto|Cipher|cipher|KeyPair|KeyGenerator|SecretKey|SecureRandom|Random|random|"
    rb"rsa|RSA|ecdsa|ECDsa|ecdh|elliptic|DSA|DES|RC2|RC4|Blowfish|pbkdf2|PBKDF2|PBEKey|"
    rb"Rfc2898|jsonwebtoken|jwt\.sign|subtle|generateKey|aes\.|AES|\bkey|Key\b|secret|Secret|SECRET|_KEY|token|"
    rb"password|Password|"
    # A Go package's own tests call its constructor unqualified; only the package clause names it.
    rb"\bpackage\s+(?:rc2|rc4|des|blowfish|cast5|x?tea|twofish|aes|hmac|scrypt|argon2|"
    rb"securecookie|sessions|cookie|memstore)\b"
)


def semgrep_prefilter(data: bytes) -> bool:
    """True when a non-Python file holds a token any keyguard Semgrep rule could match."""
    return _TOKENS.search(data) is not None
