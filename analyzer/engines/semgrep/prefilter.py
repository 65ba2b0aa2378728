"""The cheap byte test that skips files no keyguard Semgrep rule could match."""

from __future__ import annotations

import re
from functools import cache

from analyzer.knowledge.algorithms import prohibited

# Go packages whose own code and in-package tests call their key constructors unqualified
# (``New([]byte("12345"), ...)`` inside package securecookie); the prohibited ciphers' packages
# come from the knowledge base. The Go literal-key rule reads the same names.
GO_KEY_PACKAGES = (
    "aes",
    "chacha20poly1305",
    "chacha20",
    "hmac",
    "pbkdf2",
    "scrypt",
    "argon2",
    "securecookie",
    "sessions",
    "cookie",
    "memstore",
)


def go_key_packages() -> tuple[str, ...]:
    """Every Go package name whose package clause alone makes a file worth a look."""
    return (*GO_KEY_PACKAGES, *prohibited("go"))


_TOKENS = re.compile(
    rb"crypto|Crypto|Cipher|cipher|KeyPair|KeyGenerator|SecretKey|SecureRandom|Random|random|"
    rb"rsa|RSA|ecdsa|ECDsa|ecdh|elliptic|DSA|DES|RC2|RC4|Blowfish|pbkdf2|PBKDF2|PBEKey|"
    rb"Rfc2898|jsonwebtoken|jwt\.sign|subtle|generateKey|aes\.|AES|\bkey|Key\b|secret|Secret|"
    rb"SECRET|_KEY|token|password|Password"
)


@cache
def _package_clause() -> re.Pattern[bytes]:
    names = "|".join(re.escape(name) for name in go_key_packages()).encode()
    return re.compile(rb"\bpackage\s+(?:" + names + rb")\b")


def semgrep_prefilter(data: bytes) -> bool:
    """True when a non-Python file holds a token any keyguard Semgrep rule could match."""
    return _TOKENS.search(data) is not None or _package_clause().search(data) is not None
