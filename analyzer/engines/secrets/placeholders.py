"""Values that stand in for a key: decided on the decoded bytes first, on a few words second."""

from __future__ import annotations

import itertools
import re

# Documentation and templates spell their stand-ins with these (AWS's ...EXAMPLEKEY, <your-key>).
_WORDS = re.compile(
    r"EXAMPLE|changeme|change[_-]?me|placeholder|your[_-]?(?:own[_-]?)?(?:key|secret)|"
    r"replace[_-]?me|xxxx|dummy|redacted|<[^<>\n]{0,80}>|\$\{|\{\{|%\(|\.\.\.",
    re.IGNORECASE,
)


def is_placeholder_text(value: str) -> bool:
    """``changeme``, ``<your-key>``, ``${ENV}``, ``{{ lookup }}``, ``AKIA...EXAMPLE``, ``...``."""
    return not value.strip() or bool(_WORDS.search(value))


def is_placeholder_bytes(data: bytes) -> bool:
    """Decoded bytes that no generator produced: one repeated byte or a counting run
    (``000102...``, ``0123456789abcdef`` as text), a repeated pattern, or too few distinct bytes."""
    if not data:
        return True
    steps = {(b - a) % 256 for a, b in itertools.pairwise(data)}
    if len(steps) <= 2:
        return True
    counting = sum(1 for a, b in itertools.pairwise(data) if b - a == 1)
    if counting * 5 >= (len(data) - 1) * 3:  # mostly runs like "abcdefg1234567890ABCDEFG"
        return True
    if any(
        data == data[:p] * (len(data) // p)
        for p in range(1, len(data) // 2 + 1)
        if len(data) % p == 0
    ):
        return True
    return len(set(data)) * 4 < min(len(data), 64)


def is_placeholder_string(value: str) -> bool:
    """A run of one character or a counting run in the text itself (``0123456789abcdef``)."""
    return is_placeholder_text(value) or is_placeholder_bytes(value.encode("ascii", "replace"))


def is_random_bytes(data: bytes) -> bool:
    """Bytes that could be key material: not a filler pattern and not mostly printable text."""
    printable = sum(1 for b in data if 32 <= b < 127 or b in (9, 10, 13))
    return not is_placeholder_bytes(data) and printable * 10 < len(data) * 9
