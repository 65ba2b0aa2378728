"""RSA public exponents other than the allowed ones (KG206)."""

from __future__ import annotations

from analyzer.catalogue.ids import RSA_EXPONENT_NOT_ALLOWED
from analyzer.engines.python.checks.arguments import int_value, role_values, weak_value_at
from analyzer.engines.python.checks.context import ApiCall, CheckContext, short


def check_rsa_exponent(ctx: CheckContext, api: ApiCall) -> None:
    """KG206 when an RSA key is generated with a resolved exponent the standard does not allow."""
    if api.algorithm != "RSA":
        return
    _status, exponents, _expr = role_values(
        ctx.evaluator, api.call, api.spec, "exponent", api.scope
    )
    allowed = ctx.thresholds.rsa_exponents
    for exponent in exponents:
        value = int_value(exponent)
        if value is None or value in allowed:
            continue
        where, related = weak_value_at(
            api.call, exponent, "exponent", f"the key is generated here by `{short(api.qualname)}`"
        )
        ctx.report(
            RSA_EXPONENT_NOT_ALLOWED,
            where,
            f"RSA public exponent {value} is not allowed (allowed: {', '.join(map(str, allowed))})",
            {**api.facts, "exponent": value},
            related,
        )
