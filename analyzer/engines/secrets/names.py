"""Key-like names: which assignment targets hold key material and which only look as if they do."""

from __future__ import annotations

import itertools
import re

KEY_NAME = r"[\w.-]*(?:key|secret|token|passw(?:or)?d|passphrase|pwd|credential|private)[\w.-]*"
ASSIGNMENT = re.compile(
    rf"""(?ix)(?:^|[\s{{,;(])["']?(?P<name>{KEY_NAME})["']?\s*(?::=|=>|[:=])\s*"""
)
# Any name assigned on a line, to find the one nearest before a value.
_ANY_ASSIGNMENT = re.compile(r"""(?:^|[\s{,;(])["']?(?P<name>[\w.-]+)["']?\s*(?::=|=>|[:=])""")
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
KEY_WORDS = frozenset(
    {
        "key",
        "keys",
        "secret",
        "token",
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "credential",
        "credentials",
        "private",
        "privatekey",
        "apikey",
        "secretkey",
    }
)
# Names with these words hold identifiers, pagination or request tokens, hashes or settings.
NOT_KEY_WORDS = frozenset(
    {
        "public",
        "pub",
        "cache",
        "sort",
        "primary",
        "foreign",
        "partition",
        "idempotency",
        "id",
        "ids",
        "kid",
        "keyid",
        "fingerprint",
        "thumbprint",
        "checksum",
        "hash",
        "digest",
        "next",
        "page",
        "continuation",
        "pagination",
        "marker",
        "csrf",
        "xsrf",
        "type",
        "path",
        "file",
        "url",
        "uri",
        "name",
        "length",
        "size",
        "count",
        "format",
        "algorithm",
        "version",
        "index",
        "field",
    }
)
NOT_KEY_PAIRS = frozenset({("client", "token"), ("sync", "token"), ("request", "token")})


def words_of(name: str) -> list[str]:
    """``clientSecret`` -> ``["client", "secret"]``; ``API_TOKEN`` -> ``["api", "token"]``."""
    return [w.lower() for w in _WORD.findall(name)]


def is_key_name(name: str) -> bool:
    """``signing_key``, ``API_TOKEN``, ``clientSecret``: yes; ``NextToken``, ``key_id``: no."""
    words = words_of(name)
    if not KEY_WORDS.intersection(words) or NOT_KEY_WORDS.intersection(words):
        return False
    return not any(pair in NOT_KEY_PAIRS for pair in itertools.pairwise(words))


def key_name_before(line: str, secret: str) -> str | None:
    """The key-like name the secret is assigned to on this line: the nearest name before it."""
    at = line.find(secret)
    nearest = None
    for m in _ANY_ASSIGNMENT.finditer(line):
        if m.end() > at:
            break
        nearest = m["name"]
    return nearest if nearest is not None and is_key_name(nearest) else None
