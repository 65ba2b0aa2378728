"""Policy errors that name the file, the line and the key, and the line finder they rely on."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

KeyPath = Sequence[str | int]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)


class PolicyError(Exception):
    """A policy file that cannot be used; ``str()`` is one message: file, line, key and reason."""

    def __init__(self, path: str, line: int | None, key: str | None, message: str) -> None:
        self.path = path
        self.line = line
        self.key = key
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


def dotted(path: KeyPath) -> str:
    """``("exceptions", 0, "expires")`` as ``exceptions[0].expires``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def suggest(word: str, choices: Iterable[str]) -> str:
    """A " (did you mean 'x'?)" hint, or nothing when no choice is close."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _split_key(text: str) -> list[str]:
    """Split a dotted TOML key at the dots outside quotes, in one linear pass."""
    parts: list[str] = []
    start, quote = 0, ""
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == ".":
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip().strip("\"'") for p in parts]


def locate(text: str, path: KeyPath) -> int | None:
    """The 1-based line that defines ``path`` in TOML ``text`` (the closest enclosing one if absent).

    Tables and arrays of tables are followed by their headers (``[[exceptions]]`` counted per
    occurrence), keys by their assignment, including dotted keys; multi-line strings are skipped.
    """
    target = list(path)
    best_line: int | None = None
    best_len = 0
    current: list[str | int] = []
    counters: dict[tuple[str, ...], int] = {}
    in_string: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw
        if in_string:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        header = _HEADER.match(line)
        if header and "=" not in line.split("]")[0]:
            name = _split_key(header.group(2))
            if header.group(1) == "[[":
                index = counters.get(tuple(name), -1) + 1
                counters[tuple(name)] = index
                current = [*name, index]
            else:
                current = list(name)
            candidate: list[str | int] = current
        else:
            assign = _ASSIGN.match(line)
            if not assign:
                continue
            candidate = [*current, *_split_key(assign.group(1))]
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    in_string = quote
        if candidate == target:
            return number
        if len(candidate) > best_len and target[: len(candidate)] == candidate:
            best_line, best_len = number, len(candidate)
    return best_line
