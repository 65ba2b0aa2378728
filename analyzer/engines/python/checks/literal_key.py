"""Hard-coded keys and passwords passed to a crypto API (KG301)."""

from __future__ import annotations

import libcst as cst

from analyzer.catalogue.ids import HARDCODED_KEY
from analyzer.engines.python.checks.arguments import origins_as_related
from analyzer.engines.python.checks.context import ApiCall, CheckContext, short
from analyzer.findings.redact import redact_value


def check_literal_key(ctx: CheckContext, api: ApiCall, role: str, expr: cst.BaseExpression) -> None:
    """KG301 when the key or password argument is a literal (directly, via a constant or a decoder)."""
    if role not in ("key", "password"):
        return
    for literal in ctx.evaluator.literals(expr, api.scope):
        shown = redact_value(literal.value)  # type: ignore[arg-type]
        ctx.report(
            HARDCODED_KEY,
            api.call,
            f"literal {role} {shown} passed to `{short(api.qualname)}`; load it from a secret manager",
            {**api.facts, "argument": role, "literal": shown},
            origins_as_related(literal, "literal"),
        )
