"""A cheap byte-level test: could this file hold anything the Python engine reports?"""

from __future__ import annotations

import re

# Imports of crypto libraries: any file that has one is analysed.
_CRYPTO = re.compile(
    rb"^[ \t]*(?:from|import)[ \t]+(?:cryptography|Crypto|Cryptodome|rsa|ecdsa|pyDes|M2Crypto|"
    rb"OpenSSL|jwt|jose|paramiko|nacl|boto3|hvac|google\.cloud\.kms|azure\.keyvault)\b",
    re.MULTILINE,
)
# Randomness and KDF/MAC APIs, and words that mark key material near them.
_RANDOM = re.compile(
    rb"\b(?:random|urandom|token_bytes|token_hex|token_urlsafe|pbkdf2_hmac|scrypt|hmac)\b"
)
_MARKER = re.compile(
    rb"(?i)(?:secret|passw|passphrase|\bsalt|nonce|\biv\b|_iv\b|\biv_|api_?key|\w_key\b|\bkey\s*=|"
    rb"token\b|\btoken_|\botp\b|pbkdf2|scrypt|hmac\.new|seed\()"
)


def python_prefilter(source: bytes) -> bool:
    """True when the file imports a crypto library or mixes randomness with key-material words."""
    if _CRYPTO.search(source):
        return True
    return bool(_RANDOM.search(source) and _MARKER.search(source))
