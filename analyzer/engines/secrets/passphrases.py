"""The passphrase of an encrypted key, when it is committed too: a literal assigned to or passed
as a passphrase/password in the same file."""

from __future__ import annotations

import re
from dataclasses import dataclass

from analyzer.engines.secrets.placeholders import is_placeholder_text

# A name, then a quoted literal. Names are matched whole (possessively, from a token start) and
# tested for their words afterwards, which keeps the expression linear on long tokens.
_PASSPHRASE = re.compile(
    r"""(?<![\w.-])(?P<name>[\w.-]{1,80}+)["']?\s*+(?::=|=>|[:=])\s*+"""
    r"""(?:b|u|r)?(?P<q>["'])(?P<value>[^"'\n]{1,200})(?P=q)"""
)
_PASSPHRASE_NAME = re.compile(r"(?i)passphrase|password|passwd|pass_phrase|pwd")
# Right beside the block, a literal under any secret-like name is its passphrase
# (``EncryptionKey: "r54-G0pher_t3st$"`` next to ``PEMBytes: []byte(`-----BEGIN ...``).
_BESIDE_NAME = re.compile(r"(?i)pass|pwd|secret|key|phrase")
_BESIDE_LINES = 8
_BARE = re.compile(
    r"""^\s*(?:export\s+)?(?P<name>[\w.-]*(?:passphrase|password|passwd|pwd)[\w.-]*)\s*[:=]\s*"""
    r"""(?P<value>[^\s"'#]{1,200})\s*$""",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Passphrase:
    """Where a committed passphrase is."""

    line: int
    column: int
    name: str


def passphrase_near(lines: list[str], line: int, end_line: int) -> Passphrase | None:
    """The committed passphrase closest to the block at ``line``..``end_line`` (1-based): a
    passphrase-named literal anywhere in the file, or a secret-named one right beside the block."""
    best: Passphrase | None = None
    for number, text in enumerate(lines, start=1):
        if len(text) > 2048 or line <= number <= end_line:
            continue
        beside = line - _BESIDE_LINES <= number <= end_line + _BESIDE_LINES
        if not beside and not re.search(r"(?i)pass|pwd", text):
            continue
        names = _BESIDE_NAME if beside else _PASSPHRASE_NAME
        match = next((m for m in _PASSPHRASE.finditer(text) if names.search(m["name"])), None)
        match = match or _BARE.match(text)
        if match is None or is_placeholder_text(match["value"]) or "-----" in match["value"]:
            continue
        if best is None or abs(number - line) < abs(best.line - line):
            best = Passphrase(number, match.start("value") + 1, match["name"])
    return best
