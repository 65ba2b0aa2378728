"""Private key components written out as numbers in a mapping: ``RSAData = {"n": int("..."),
"e": 65537, "d": int("..."), ...}``, a DSA ``x``, an EC ``privateValue``, an Ed25519 ``k``.

A member is the secret only beside the members that make the mapping a key of that kind (``d``
next to ``n`` and ``e``; ``x`` next to ``p``, ``q`` and ``g``; ``k`` next to the public ``a`` of
RFC 8032), and only when its value is a literal of at least 128 bits that is not a filler pattern.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from analyzer.engines.secrets.jwk import enclosing_object
from analyzer.engines.secrets.placeholders import is_placeholder_bytes

_PRIVATE = re.compile(r"""["'](?P<name>d|x|k|privateValue|private_value)["']\s*(?::|=>)\s*""")
_MEMBER_NAME = re.compile(r"""["'](\w{1,30})["']\s*(?::|=>)""")
# (kind, the private member, the members beside it that make the mapping such a key)
_KINDS = (
    ("RSA private exponent", ("d",), {"n", "e"}),
    ("DSA private key", ("x",), {"p", "q", "g"}),
    ("EC private value", ("privateValue", "private_value"), {"curve"}),
    ("EC private value", ("privateValue", "private_value"), {"x", "y"}),
    ("Ed25519 private key", ("k",), {"a"}),
)
_INT_CALL = re.compile(
    r"""int\(\s*+(?:#[^\n]*+\s*+)?(?P<parts>(?:[rbu]?+["'][0-9A-Fa-fxX_]*+["']\s*+)++)"""
    r"""(?:,\s*+(?P<base>\d{1,2})\s*+)?\)"""
)
_INT = re.compile(r"(?<![\w.])(?P<digits>0[xX][0-9A-Fa-f_]++|[1-9][0-9_]*+)(?=[ \t]*+[,}\n])")
_BYTES = re.compile(
    r"""(?P<parts>(?:[bB][rR]?+(?:"(?:[^"\\\n]++|\\.)*+"|'(?:[^'\\\n]++|\\.)*+')\s*+)++)"""
)
_MIN_BYTES = 16
_MAX_MAPPING = 20_000


@dataclass(frozen=True)
class Component:
    """A private component: where it is, what it is, and its value's bytes (for the digest)."""

    line: int
    column: int
    kind: str
    member: str
    holder: str
    data: bytes
    on_line: str  # the value's text on the member's line, for redaction ("" when it is not)

    def describe(self) -> str:
        size = f"{len(self.data)} bytes" if self.kind.startswith("Ed") else f"{self._bits()}-bit"
        where = f" of `{self.holder}`" if self.holder else ""
        return f"{self.kind} `{self.member}` ({size}){where} written as a literal"

    def _bits(self) -> int:
        return int.from_bytes(self.data, "big").bit_length()


def _value(text: str, at: int) -> tuple[bytes, str] | None:
    """The bytes of the literal that starts at ``at``, and its text on that line."""
    window = text[at : at + 8192]
    call = _INT_CALL.match(window)
    if call:
        digits = "".join(
            ast.literal_eval(p) for p in re.findall(r"""["'][^"']*["']""", call["parts"])
        )
        try:
            number = int(digits.replace("_", ""), int(call["base"] or 10))
        except ValueError:
            return None
        return number.to_bytes((number.bit_length() + 7) // 8, "big"), ""
    plain = _INT.match(window)
    if plain:
        number = int(plain["digits"].replace("_", ""), 0)
        return number.to_bytes((number.bit_length() + 7) // 8, "big"), plain["digits"]
    opened = window.lstrip()
    raw = _BYTES.match(opened.removeprefix("(").lstrip())
    if raw:
        try:
            data = ast.literal_eval("(" + raw["parts"] + ")")
        except (SyntaxError, ValueError):
            return None
        return (data, "") if isinstance(data, bytes) else None
    return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _mapping(text: str, at: int) -> tuple[int, int] | None:
    """Start and end of the mapping whose member is at ``at``: by its lines (``NAME = {`` above
    the member, less indented, up to the ``}`` line at that indentation), since escaped bytes
    can hold braces; a mapping on one line by its braces."""
    line_start = text.rfind("\n", 0, at) + 1
    own = text[line_start : text.find("\n", at) if "\n" in text[at:] else len(text)]
    if "{" in text[line_start:at]:
        return enclosing_object(text, at)
    indent, pos = _indent(own), line_start
    while pos > 0 and line_start - pos < _MAX_MAPPING:
        start = text.rfind("\n", 0, pos - 1) + 1
        line = text[start : pos - 1]
        pos = start
        if not line.strip() or _indent(line) >= indent:
            continue
        if not line.rstrip().endswith("{"):
            return None
        close = re.compile(rf"^[ \t]{{{_indent(line)}}}}}", re.MULTILINE)
        end = close.search(text, line_start, line_start + _MAX_MAPPING)
        return (start + line.rstrip().rfind("{"), end.end()) if end else None
    return None


def _holder(text: str, start: int) -> str:
    """The name a mapping is assigned to (``RSAData = {``, ``data: dict = {``), or empty."""
    head = text[text.rfind("\n", 0, start) + 1 : start].rstrip()
    if not head.endswith("="):
        return ""
    head = head.removesuffix("=").removesuffix(":").rstrip()
    head = head.split(":", 1)[0].rstrip()  # a type annotation
    begin = len(head)
    while begin > 0 and (head[begin - 1].isalnum() or head[begin - 1] == "_"):
        begin -= 1
    return head[begin:]


def private_components(text: str) -> Iterator[Component]:
    """Every private component of a key mapping in ``text``, once per value."""
    seen: set[bytes] = set()
    for match in _PRIVATE.finditer(text):
        span = _mapping(text, match.start())
        if span is None:
            continue
        body = text[span[0] : span[1]]
        if "kty" in body:
            continue  # a JWK: its members are base64, read by the JWK module
        names = set(_MEMBER_NAME.findall(body))
        kind = next((k for k, m, need in _KINDS if match["name"] in m and need <= names), None)
        value = _value(text, match.end()) if kind else None
        if kind is None or value is None:
            continue
        data, shown = value
        if len(data) < _MIN_BYTES or is_placeholder_bytes(data) or data in seen:
            continue
        seen.add(data)
        at = match.start()
        yield Component(
            text.count("\n", 0, at) + 1,
            at - text.rfind("\n", 0, at),
            kind,
            match["name"],
            _holder(text, span[0]),
            data,
            shown,
        )
