"""The passphrase of an encrypted key, when it is committed too: a literal assigned to or passed
as a passphrase/password in the same file."""

from __future__ import annotations

import re
from dataclasses import dataclass

from analyzer.engines.secrets.placeholders import is_placeholder_text

_PASSPHRASE = re.compile(
    r"""(?P<name>\b[\w.-]*(?:passphrase|password|passwd|pass_phrase|pwd)[\w.-]*)["']?\s*"""
    r"""(?::=|=>|[:=])\s*(?:b|u|r)?(?P<q>["'])(?P<value>[^"'\n]{1,200})(?P=q)""",
    re.IGNORECASE,
)
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


def passphrase_near(lines: list[str], line: int) -> Passphrase | None:
    """The committed passphrase in these lines closest to ``line`` (1-based), if any."""
    best: Passphrase | None = None
    for number, text in enumerate(lines, start=1):
        if len(text) > 2048 or not re.search(r"(?i)pass|pwd", text):
            continue
        match = _PASSPHRASE.search(text) or _BARE.match(text)
        if match is None or is_placeholder_text(match["value"]):
            continue
        if best is None or abs(number - line) < abs(best.line - line):
            best = Passphrase(number, match.start("value") + 1, match["name"])
    return best
