"""JSON Web Keys with private members (``d``, ``p``, ``q``, ``dp``, ``dq``, ``qi``, ``k``).

A JWK is found by its ``kty`` member in JSON, YAML, or a string or object literal of any language;
its sibling members are read with the braces (or, in YAML, the indentation) that enclose it. A key
with only public members (``n``, ``e``, ``x``, ``y``, ``kid``) is never a finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from analyzer.engines.secrets.blocks import decode_base64
from analyzer.engines.secrets.placeholders import is_placeholder_bytes

# A quote around a member name or value: plain, escaped (``\\"``), or doubled (C# ``@"..."``).
_Q = r"""(?:\\?["']){0,2}"""
# Starts with the literal ``kty``, which the regular expression engine finds fast.
_KTY = re.compile(rf"""kty{_Q}\s*[:=]>?\s*{_Q}(?P<kty>RSA|EC|OKP|oct)\b""")
_MEMBER = (
    r"""(?:^|[\s{{,]){q}(?P<name>{names}){q}\s*[:=]>?\s*{q}"""
    r"""(?P<value>[A-Za-z0-9_-]{{8,}}={{0,2}})(?![\w=-])"""
)
_PRIVATE = re.compile(_MEMBER.format(q=_Q, names="d|p|q|dp|dq|qi|k"))
_KID = re.compile(rf"""{_Q}kid{_Q}\s*[:=]>?\s*{_Q}(?P<kid>[\w.:@/+-]{{1,80}})""")
_CRV = re.compile(rf"""{_Q}crv{_Q}\s*[:=]>?\s*{_Q}(?P<crv>[\w-]{{1,20}})""")
_MAX_OBJECT = 20_000
# A private member is the secret when it holds at least this many bytes (a 128-bit ``k``, an
# Ed25519 or P-256 ``d``); fewer is an elided or placeholder value.
_MIN_BYTES = 16


@dataclass(frozen=True)
class JwkSecret:
    """The private member of one JWK: where it is, which member, of which key."""

    line: int
    column: int
    member: str
    value: str
    kty: str
    kid: str
    curve: str

    def describe(self) -> str:
        kind = {"oct": "symmetric", "OKP": self.curve or "OKP"}.get(self.kty, self.kty)
        key = (
            f"{kind} key `{self.kid}`"
            if self.kid
            else f"{'an' if kind[0] in 'AEIOUaeiou' else 'a'} {kind} key"
        )
        return f"JWK private member `{self.member}` of {key}"


def enclosing_object(text: str, at: int) -> tuple[int, int] | None:
    """Start and end of the ``{...}`` around ``at`` (strings are not parsed: keys do not hold braces)."""
    depth, start = 0, -1
    for i in range(at, max(at - _MAX_OBJECT, -1), -1):
        c = text[i]
        if c == "}":
            depth += 1
        elif c == "{":
            if depth == 0:
                start = i
                break
            depth -= 1
    if start < 0:
        return None
    depth = 0
    for i in range(start, min(len(text), start + _MAX_OBJECT)):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return start, i + 1
    return None


def _yaml_mapping(text: str, at: int) -> tuple[int, int]:
    """Start and end of the YAML mapping whose ``kty`` key is at ``at``: its sibling lines."""
    line_start = text.rfind("\n", 0, at) + 1
    column = at - line_start
    start = line_start
    own_item = text[line_start:at].strip() == "-"
    while start > 0 and not own_item:
        prev = text.rfind("\n", 0, start - 1) + 1
        line = text[prev : start - 1]
        indent = len(line) - len(line.lstrip(" -"))
        if line.strip() and indent < column:
            break
        start = prev
        if line.lstrip().startswith("- "):
            break
    end = text.find("\n", at)
    end = len(text) if end < 0 else end
    while end < len(text):
        nxt = text.find("\n", end + 1)
        nxt = len(text) if nxt < 0 else nxt
        line = text[end + 1 : nxt]
        indent = len(line) - len(line.lstrip(" "))
        if line.strip() and (indent < column or line.lstrip().startswith("- ")):
            break
        end = nxt
    return start, end


def private_members(text: str) -> Iterator[JwkSecret]:
    """The first private member of every JWK in ``text`` that has one."""
    done: set[tuple[int, int]] = set()
    for match in _KTY.finditer(text):
        span = enclosing_object(text, match.start())
        if span is None or span[1] <= match.start():
            span = _yaml_mapping(text, match.start())
        if span in done:
            continue
        done.add(span)
        body = text[span[0] : span[1]]
        secret = _first_private(body)
        if secret is None:
            continue
        at = span[0] + secret.start("value")
        kid = _KID.search(body)
        curve = _CRV.search(body)
        line = text.count("\n", 0, at) + 1
        yield JwkSecret(
            line,
            at - text.rfind("\n", 0, at),
            secret["name"],
            secret["value"],
            match["kty"],
            kid["kid"] if kid else "",
            curve["crv"] if curve else "",
        )


def _first_private(body: str) -> re.Match[str] | None:
    for member in _PRIVATE.finditer(body):
        data = decode_base64(member["value"])
        if data is not None and len(data) >= _MIN_BYTES and not is_placeholder_bytes(data):
            return member
    return None
