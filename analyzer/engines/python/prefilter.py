"""A cheap byte-level test: could this file hold anything the Python engine reports?"""

from __future__ import annotations

import re
from functools import cache

# Randomness and KDF/MAC APIs as code uses them (an import, an attribute, a call; the word
# "random" in prose is not enough), and words that mark key material near them.
_RANDOM = re.compile(
    rb"\brandom\.\w|\bimport\s+(?:random|hmac)\b|\bfrom\s+(?:random|hmac)\s+import|\bSystemRandom\b|"
    rb"\b(?:urandom|token_bytes|token_hex|token_urlsafe|pbkdf2_hmac|scrypt|randbytes|getrandbits|"
    rb"insecureRandom)\(|"
    rb"\bhmac\.\w"
)
_MARKER = re.compile(
    rb"(?i)(?:secret|passw|passphrase|\bsalt|nonce|\biv\b|_iv\b|\biv_|api_?key|\w_key\b|\bkey\s*=|"
    rb"token\b|\btoken_|\botp\b|pbkdf2|scrypt|hmac\.new|seed\()"
)

# Framework signing keys, escaped key bytes and DH moduli written as literals, and M2Crypto's
# low-level ciphers reached through a star import (no import of a crypto library needed). Each
# pattern runs only when a cheap substring test says it could match.
_FRAMEWORK_KEYS = (b"SECRET_KEY", b"secret_key", b"SIGNING_KEY")
_M2_LOW_LEVEL = re.compile(
    rb"\bm2\.(?:rc4_set_key|rc4\(|des_|bf_|cast5_|rc2_|cipher_init|rsa_generate_key)"
)
_KEY_BYTES = re.compile(
    rb"[Kk][Ee][Yy]\w*['\"]?\s*[=:]\s*\(?\s*b['\"][^'\"\n]{0,8}\\x[0-9a-fA-F]{2}"
)
_DH_HEX = re.compile(rb"0x[0-9A-Fa-f]{60}")
_DH_INT = re.compile(rb"int\(\s*(?:\w+\(\s*)?['\"]{1,3}\s*[0-9A-Fa-f]{8}")


def _key_literals(source: bytes) -> bool:
    if any(name in source for name in _FRAMEWORK_KEYS):
        return True
    if b"m2." in source and _M2_LOW_LEVEL.search(source):
        return True
    if _DH_HEX.search(source) or (b"int(" in source and _DH_INT.search(source)):
        return True
    return b"\\x" in source and bool(_KEY_BYTES.search(source))


@cache
def _crypto_imports() -> re.Pattern[bytes]:
    """Imports of any third-party library of the API table (derived from it, never retyped)."""
    from analyzer.engines.python.table import load_table

    roots = "|".join(re.escape(root) for root in load_table().import_roots)
    return re.compile(rb"^[ \t]*(?:from|import)[ \t]+(?:" + roots.encode() + rb")\b", re.MULTILINE)


@cache
def _weak_random_imports() -> re.Pattern[bytes]:
    """Imports of a module the table calls a non-cryptographic generator (``random``,
    ``numpy.random``; derived from its ``weak_prefixes``, never retyped)."""
    from analyzer.engines.python.table import load_table

    forms = []
    for prefix in load_table().weak_prefixes:
        if not prefix.endswith("."):
            continue  # a single function, not a module
        module = prefix[:-1]
        parent, _, name = module.rpartition(".")
        forms += [
            rf"import[ \t]+{re.escape(module)}\b",
            rf"from[ \t]+{re.escape(module)}[ \t]+import\b",
        ]
        if parent:
            forms.append(rf"from[ \t]+{re.escape(parent)}[ \t]+import[ \t]+{re.escape(name)}\b")
    return re.compile(rb"^[ \t]*(?:" + "|".join(forms).encode() + rb")", re.MULTILINE)


def imports_weak_random(source: bytes) -> bool:
    """True when the file imports a non-cryptographic generator's module (a ``random_string``
    helper there hands its predictable values to whoever imports it)."""
    return bool(_weak_random_imports().search(source))


def imports_crypto_library(source: bytes) -> bool:
    """True when the file imports a library of the API table."""
    return bool(_crypto_imports().search(source))


def python_prefilter(source: bytes) -> bool:
    """True when the file imports a crypto library or mixes randomness with key-material words."""
    if imports_crypto_library(source) or _key_literals(source):
        return True
    return bool(_RANDOM.search(source) and _MARKER.search(source))
