"""A cheap byte-level test: could this file hold anything the Python engine reports?"""

from __future__ import annotations

import re
from functools import cache

# Randomness and KDF/MAC APIs, and words that mark key material near them.
_RANDOM = re.compile(
    rb"\b(?:random|urandom|token_bytes|token_hex|token_urlsafe|pbkdf2_hmac|scrypt|hmac)\b"
)
_MARKER = re.compile(
    rb"(?i)(?:secret|passw|passphrase|\bsalt|nonce|\biv\b|_iv\b|\biv_|api_?key|\w_key\b|\bkey\s*=|"
    rb"token\b|\btoken_|\botp\b|pbkdf2|scrypt|hmac\.new|seed\()"
)

# Framework signing keys, escaped key bytes and DH moduli written as literals, and M2Crypto's
# low-level ciphers reached through a star import (no import of a crypto library needed).
_KEY_LITERALS = re.compile(
    rb"\b(?:SECRET_KEY|secret_key|JWT_SECRET_KEY|SIGNING_KEY)\b|"
    rb"\bm2\.(?:rc4_set_key|rc4\(|des_|bf_|cast5_|rc2_)|"
    rb"(?i:key\w*['\"]?\s*[=:]\s*\(?\s*b['\"][^'\"\n]{0,8}\\x[0-9a-f]{2})|"
    rb"0x[0-9A-Fa-f]{60}|\bint\(\s*(?:\w+\(\s*)?(?:['\"]{1,3})\s*[0-9A-Fa-f]{8}"
)


@cache
def _crypto_imports() -> re.Pattern[bytes]:
    """Imports of any third-party library of the API table (derived from it, never retyped)."""
    from analyzer.engines.python.table import load_table

    roots = "|".join(re.escape(root) for root in load_table().import_roots)
    return re.compile(rb"^[ \t]*(?:from|import)[ \t]+(?:" + roots.encode() + rb")\b", re.MULTILINE)


def python_prefilter(source: bytes) -> bool:
    """True when the file imports a crypto library or mixes randomness with key-material words."""
    if _crypto_imports().search(source) or _KEY_LITERALS.search(source):
        return True
    return bool(_RANDOM.search(source) and _MARKER.search(source))
