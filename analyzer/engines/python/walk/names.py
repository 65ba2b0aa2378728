"""Secret-like names: does an identifier say that it holds a key, a secret or a nonce?"""

from __future__ import annotations

import re
from typing import Literal

from analyzer.engines.python.table import Table

NameKind = Literal["key", "secret"]
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def split_words(name: str) -> list[str]:
    """``sessionKey`` / ``SESSION_KEY`` / ``session_key`` -> ``["session", "key"]``."""
    words: list[str] = []
    for part in name.strip("_").split("_"):
        words.extend(w.lower() for w in _CAMEL.split(part) if w)
    return words


def secret_kind(name: str, table: Table) -> NameKind | None:
    """``key`` for key material (KG204 applies), ``secret`` for tokens/IVs/salts, else None."""
    lowered = name.lower().strip("_")
    if lowered in table.exclude_names:
        return None
    words = split_words(name)
    if not words or any(w in table.exclude_words for w in words):
        return None
    if any(w in table.key_words for w in words):
        return "key"
    if any(w in table.secret_words for w in words):
        return "secret"
    return None


def is_nonce_like(name: str) -> bool:
    """IVs, nonces and salts are not *keys*: a 12-byte GCM nonce is fine for KG204."""
    return any(w in ("iv", "nonce", "salt") for w in split_words(name))
