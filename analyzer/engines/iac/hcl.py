"""A small reader for Terraform files: top-level blocks, their literal attributes and heredocs.

Enough for the inventory and the policy documents; expressions other than literals stay raw text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADER = re.compile(r'^\s*(resource|data|variable|module)\s+"([^"]+)"(?:\s+"([^"]+)")?\s*\{')
_ATTR = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*=\s*(.*?)\s*$")
_HEREDOC = re.compile(r"^<<-?([A-Za-z_]\w*)$")


@dataclass
class Attr:
    value: str | int | bool
    line: int
    literal: bool


@dataclass
class Heredoc:
    name: str
    body: str
    line: int
    """Line of the first body line."""


@dataclass
class Block:
    kind: str
    type: str
    name: str
    line: int
    end_line: int = 0
    attrs: dict[str, Attr] = field(default_factory=dict)
    heredocs: list[Heredoc] = field(default_factory=list)


def _strip_comment(line: str) -> str:
    """The line without a trailing ``#`` or ``//`` comment outside strings."""
    in_string = False
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and in_string:
            i += 2
            continue
        if ch == '"':
            in_string = not in_string
        elif not in_string and (ch == "#" or line.startswith("//", i)):
            return line[:i]
        i += 1
    return line


def _braces(line: str, opening: str = "{", closing: str = "}") -> int:
    depth, in_string, i = 0, False, 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and in_string:
            i += 2
            continue
        if ch == '"':
            in_string = not in_string
        elif not in_string:
            depth += (ch in opening) - (ch in closing)
        i += 1
    return depth


def _literal(raw: str) -> tuple[str | int | bool, bool]:
    if len(raw) >= 2 and raw[0] == raw[-1] == '"' and "${" not in raw and '"' not in raw[1:-1]:
        return raw[1:-1], True
    if raw in ("true", "false"):
        return raw == "true", True
    if raw.isdigit():
        return int(raw), True
    return raw, False


def read_blocks(text: str) -> list[Block]:
    """Every ``resource``, ``data``, ``variable`` and ``module`` block with its attributes
    (nested blocks flattened; a one-label block has the name "")."""
    lines = text.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        header = _HEADER.match(lines[i])
        if not header:
            i += 1
            continue
        block = Block(header.group(1), header.group(2), header.group(3) or "", i + 1)
        depth = _braces(_strip_comment(lines[i]))
        i += 1
        while i < len(lines) and depth > 0:
            code = _strip_comment(lines[i])
            attr = _ATTR.match(code)
            if attr:
                raw = attr.group(2)
                heredoc = _HEREDOC.match(raw)
                if heredoc:
                    end = heredoc.group(1)
                    start = i + 1
                    i += 1
                    while i < len(lines) and lines[i].strip() != end:
                        i += 1
                    body = "\n".join(lines[start:i])
                    block.heredocs.append(Heredoc(attr.group(1), body, start + 1))
                    block.attrs.setdefault(attr.group(1), Attr(body, start, False))
                    i += 1
                    continue
                value, literal = _literal(raw)
                block.attrs.setdefault(attr.group(1), Attr(value, i + 1, literal))
            depth += _braces(code)
            i += 1
        block.end_line = i
        blocks.append(block)
    return blocks


def read_assignments(text: str) -> dict[str, Attr]:
    """The top-level ``name = value`` lines of a ``.tfvars`` file; a value written over several
    lines (a list, a map, a heredoc) is kept as non-literal text, a later line wins."""
    found: dict[str, Attr] = {}
    lines = text.splitlines()
    depth, i = 0, 0
    while i < len(lines):
        code = _strip_comment(lines[i])
        attr = _ATTR.match(code) if depth == 0 else None
        if attr:
            raw = attr.group(2)
            heredoc = _HEREDOC.match(raw)
            if heredoc:
                found[attr.group(1)] = Attr(raw, i + 1, False)
                while i + 1 < len(lines) and lines[i + 1].strip() != heredoc.group(1):
                    i += 1
                i += 2
                continue
            value, literal = _literal(raw)
            found[attr.group(1)] = Attr(value, i + 1, literal)
        depth += _braces(code, "{[(", "}])")
        i += 1
    return found
