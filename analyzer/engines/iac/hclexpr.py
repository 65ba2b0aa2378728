"""HCL object expressions and block bodies as YAML node trees (with their lines), so the policy
check that reads JSON/YAML documents also reads ``jsonencode({...})`` and
``data "aws_iam_policy_document"`` blocks. Literals become scalars; any other expression is kept
as its raw text (a scalar that is never ``*``)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

import yaml

_IDENT = re.compile(r"[A-Za-z_][\w-]*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_CLOSERS = {"(": ")", "[": "]", "{": "}"}
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class HclSyntaxError(ValueError):
    """The text is not an HCL expression or body this reader understands."""


class _Reader:
    def __init__(self, text: str, pos: int) -> None:
        self.text = text
        self.pos = pos
        self.newlines = [i for i, ch in enumerate(text) if ch == "\n"]

    def mark(self) -> yaml.Mark:
        line = bisect.bisect_left(self.newlines, self.pos)
        return yaml.Mark("hcl", self.pos, line, 0, None, None)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip(self, newlines: bool = True) -> None:
        """Skip blanks and comments (and newlines when ``newlines``)."""
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch in " \t\r" or (ch == "\n" and newlines):
                self.pos += 1
            elif ch == "#" or text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                self.pos = len(text) if end < 0 else end + 2
            else:
                return

    def expect(self, ch: str) -> None:
        self.skip()
        if self.peek() != ch:
            raise HclSyntaxError(f"expected {ch!r} at offset {self.pos}")
        self.pos += 1

    def string(self) -> str:
        """A quoted string from the opening quote; interpolations are kept as written."""
        text, i, out = self.text, self.pos + 1, []
        depth = 0
        while i < len(text):
            ch = text[i]
            if ch == "\\" and i + 1 < len(text):
                out.append(
                    text[i : i + 2]
                    if depth
                    else {"n": "\n", "t": "\t"}.get(text[i + 1], text[i + 1])
                )
                i += 2
                continue
            if text.startswith("${", i):
                depth += 1
                out.append("${")
                i += 2
                continue
            if ch == "}" and depth:
                depth -= 1
            elif ch == '"' and not depth:
                self.pos = i + 1
                return "".join(out)
            elif ch == "\n":
                break
            out.append(ch)
            i += 1
        raise HclSyntaxError(f"unterminated string at offset {self.pos}")

    def raw(self) -> str:
        """Any other expression, up to a separator at its own nesting level."""
        text, start, stack = self.text, self.pos, []
        while self.pos < len(text):
            ch = text[self.pos]
            if ch == '"':
                self.string()
                continue
            if ch in _CLOSERS:
                stack.append(_CLOSERS[ch])
            elif stack and ch == stack[-1]:
                stack.pop()
            elif not stack and (ch in ",)]}\n" or ch == "#"):
                break
            self.pos += 1
        return text[start : self.pos].strip()

    def value(self) -> yaml.Node:
        self.skip()
        mark, ch = self.mark(), self.peek()
        if ch == "{":
            return self.object()
        if ch == "[":
            self.pos += 1
            items = []
            while True:
                self.skip()
                if self.peek() == "]":
                    self.pos += 1
                    return yaml.SequenceNode(_SEQ, items, mark, mark)
                items.append(self.value())
                self.skip()
                if self.peek() == ",":
                    self.pos += 1
        if ch == '"':
            text = self.string()
            self.skip(newlines=False)
            if self.peek() not in ("", ",", "]", "}", ")", "\n", "#"):
                self.raw()
                return yaml.ScalarNode(_STR, self.text[mark.index : self.pos], mark, mark)
            return yaml.ScalarNode(_STR, text, mark, mark)
        text = self.raw()
        if not text:
            raise HclSyntaxError(f"expected a value at offset {self.pos}")
        return yaml.ScalarNode(_STR, text, mark, mark)

    def key(self) -> str:
        self.skip()
        if self.peek() == '"':
            return self.string()
        match = _IDENT.match(self.text, self.pos)
        if match is None:
            raise HclSyntaxError(f"expected a key at offset {self.pos}")
        self.pos = match.end()
        return match.group()

    def object(self) -> yaml.MappingNode:
        mark = self.mark()
        self.expect("{")
        pairs: list[tuple[yaml.Node, yaml.Node]] = []
        while True:
            self.skip()
            if self.peek() == "}":
                self.pos += 1
                return yaml.MappingNode(_MAP, pairs, mark, mark)
            key_mark = self.mark()
            name = self.key()
            self.skip()
            if self.peek() not in ("=", ":"):
                raise HclSyntaxError(f"expected '=' at offset {self.pos}")
            self.pos += 1
            pairs.append((yaml.ScalarNode(_STR, name, key_mark, key_mark), self.value()))
            self.skip()
            if self.peek() == ",":
                self.pos += 1

    def body(self) -> list[tuple[str, list[str], yaml.Node, yaml.Mark]]:
        """Items of a block body up to its closing brace: (name, labels, value or body, mark);
        a nested block's body is a MappingNode of its items."""
        items = []
        while True:
            self.skip()
            if self.peek() in ("}", ""):
                self.pos += 1
                return items
            mark = self.mark()
            name = self.key()
            self.skip(newlines=False)
            labels = []
            while self.peek() == '"':
                labels.append(self.string())
                self.skip(newlines=False)
            if self.peek() == "=":
                self.pos += 1
                items.append((name, labels, self.value(), mark))
                continue
            self.expect("{")
            inner = self.body()
            pairs = [(yaml.ScalarNode(_STR, n, m, m), v) for n, _, v, m in inner]
            items.append((name, labels, yaml.MappingNode(_MAP, pairs, mark, mark), mark))


def jsonencoded(text: str) -> Iterator[yaml.Node]:
    """The object of every ``jsonencode({...})`` in ``text``; one the reader cannot follow is
    skipped (nothing is guessed from it)."""
    start = 0
    while (found := text.find("jsonencode(", start)) >= 0:
        start = found + len("jsonencode(")
        reader = _Reader(text, start)
        reader.skip()
        if reader.peek() != "{":
            continue
        try:
            yield reader.object()
        except HclSyntaxError:
            continue


def block_body(text: str, pos: int) -> list[tuple[str, list[str], yaml.Node, yaml.Mark]]:
    """The items of the block whose opening brace is at or after ``pos``."""
    reader = _Reader(text, pos)
    reader.pos = text.index("{", pos) + 1
    return reader.body()


def _scalar(text: str, mark: yaml.Mark) -> yaml.ScalarNode:
    return yaml.ScalarNode(_STR, text, mark, mark)


def _get(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def iam_policy_document(items: list[tuple[str, list[str], yaml.Node, yaml.Mark]]) -> yaml.Node:
    """The JSON policy a ``data "aws_iam_policy_document"`` block renders: its ``statement``
    blocks with effect (Allow when absent), actions and principals (type -> identifiers)."""
    statements: list[yaml.Node] = []
    for name, _, node, mark in items:
        if name != "statement" or not isinstance(node, yaml.MappingNode):
            continue
        pairs: list[tuple[yaml.Node, yaml.Node]] = [
            (_scalar("Effect", mark), _get(node, "effect") or _scalar("Allow", mark))
        ]
        actions = _get(node, "actions")
        if actions is not None:
            pairs.append((_scalar("Action", mark), actions))
        principals = [
            (_get(v, "type") or _scalar("AWS", mark), _get(v, "identifiers"))
            for k, v in node.value
            if isinstance(k, yaml.ScalarNode) and k.value == "principals"
        ]
        if principals:
            listed = [(t, ids) for t, ids in principals if ids is not None]
            pairs.append((_scalar("Principal", mark), yaml.MappingNode(_MAP, listed, mark, mark)))
        statements.append(yaml.MappingNode(_MAP, pairs, mark, mark))
    start = items[0][3] if items else yaml.Mark("hcl", 0, 0, 0, None, None)
    return yaml.MappingNode(
        _MAP,
        [(_scalar("Statement", start), yaml.SequenceNode(_SEQ, statements, start, start))],
        start,
        start,
    )
