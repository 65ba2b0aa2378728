"""Which files the Semgrep engine analyses, and the cheap byte test that skips the rest."""

from __future__ import annotations

import re
from pathlib import PurePath

from analyzer.pipeline.languages import SEMGREP_LANGUAGES as LANGUAGES

# Rule directory that serves each language (TypeScript shares the JavaScript rules).
RULE_DIRS: dict[str, str] = {
    "java": "java",
    "kotlin": "kotlin",
    "go": "go",
    "javascript": "javascript",
    "typescript": "javascript",
    "csharp": "csharp",
    "terraform": "terraform",
    "cloudformation": "cloudformation",
}

_TOKENS = re.compile(
    rb"crypto|Crypto|Cipher|cipher|KeyPair|KeyGenerator|SecretKey|SecureRandom|Random|random|"
    rb"rsa|RSA|ecdsa|ECDsa|ecdh|elliptic|DSA|DES|RC2|RC4|Blowfish|pbkdf2|PBKDF2|PBEKey|"
    rb"Rfc2898|jsonwebtoken|jwt\.sign|subtle|generateKey|aes\.|AES|\bkey|Key\b|secret|Secret|token|"
    rb"password|Password"
)


def language_for(path: str | PurePath) -> str | None:
    """The keyguard language of a file by its extension, or None when Semgrep does not cover it."""
    return LANGUAGES.get(PurePath(path).suffix.lower())


def semgrep_prefilter(data: bytes) -> bool:
    """True when a non-Python file holds a token any keyguard Semgrep rule could match."""
    return _TOKENS.search(data) is not None
