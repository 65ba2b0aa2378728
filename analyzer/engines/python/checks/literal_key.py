"""Hard-coded keys and passwords passed to a crypto API (KG301)."""

from __future__ import annotations

import libcst as cst

from analyzer.catalogue.ids import HARDCODED_KEY
from analyzer.engines.python.checks.arguments import origins_as_related
from analyzer.engines.python.checks.context import ApiCall, CheckContext, short
from analyzer.engines.python.key_facts import key_facts

# Roles whose APIs cannot work with an empty key: an empty literal there is a literal key too.
EMPTY_IS_LITERAL = ("cipher", "fernet")


def redact(value: str | bytes) -> str:
    """``"s3****"`` plus the length: enough to find the literal, never the literal itself."""
    if isinstance(value, bytes):
        head = "".join(chr(b) if 0x20 <= b < 0x7F else f"\\x{b:02x}" for b in value[:2])
        return f'"{head}****" ({len(value)} chars)'
    return f'"{value[:2]}****" ({len(value)} chars)'


def check_literal_key(ctx: CheckContext, api: ApiCall, role: str, expr: cst.BaseExpression) -> None:
    """KG301 when the key or password argument is a literal (directly, via a constant or a decoder)."""
    if role not in ("key", "password"):
        return
    literal = ctx.evaluator.literal(expr, api.scope)
    if literal is None and role == "key" and api.spec.role in EMPTY_IS_LITERAL:
        empty = ctx.evaluator.const(expr, api.scope)
        literal = empty if empty is not None and empty.value in ("", b"") else None
    if literal is None or key_facts().is_public(literal.value):  # type: ignore[arg-type]
        return
    shown = redact(literal.value) if literal.value else '"" (empty)'  # type: ignore[arg-type]
    ctx.report(
        HARDCODED_KEY,
        api.call,
        f"literal {role} {shown} passed to `{short(api.qualname)}`; load it from a secret manager",
        {**api.facts, "argument": role, "literal": shown},
        origins_as_related(literal, "literal"),
    )
