"""Key derivation below the standard: PBKDF2 iterations, scrypt cost and salt length (KG205)."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from analyzer.catalogue.ids import WEAK_KEY_DERIVATION
from analyzer.engines.python.checks.arguments import (
    get_arg,
    int_value,
    name_of,
    origins_as_related,
    role_value,
    role_values,
    weak_value_at,
)
from analyzer.engines.python.checks.context import Anchor, ApiCall, CheckContext, short
from analyzer.engines.python.checks.literal_key import password_based
from analyzer.engines.python.checks.rng import source_bits
from analyzer.engines.python.evaluate.consts import Const
from analyzer.engines.python.walk.scopes import Scope


def hash_name(ctx: CheckContext, api: ApiCall) -> str | None:
    """The PBKDF2 hash as a lower-case name (``"sha256"``), from a string or a hash class."""
    _status, const, expr = role_value(ctx.evaluator, api.call, api.spec, "hash", api.scope)
    if const is not None and isinstance(const.value, str):
        return const.value
    if expr is not None:
        name = name_of(ctx.evaluator, expr, api.scope)
        return name.lower() if name else None
    return None


def check_iterations(ctx: CheckContext, api: ApiCall) -> bool:
    """KG205 for too few PBKDF2 iterations; False when the count could not be resolved."""
    hashed = hash_name(ctx, api)
    return _check_minimum(
        ctx,
        api,
        "iterations",
        ctx.thresholds.pbkdf2_min_for(hashed),
        lambda value, minimum: (
            f"PBKDF2 with {value} iterations ({hashed or 'default hash'}); "
            f"the standard requires at least {minimum}",
            {"iterations": value, "hash": hashed or "unknown"},
        ),
    )


def check_scrypt_cost(ctx: CheckContext, api: ApiCall) -> bool:
    """KG205 for a scrypt cost below the minimum; False when it could not be resolved."""
    return _check_minimum(
        ctx,
        api,
        "cost",
        ctx.thresholds.scrypt_min_n,
        lambda value, minimum: (
            f"scrypt cost n={value}; the standard requires at least {minimum}",
            {"cost": value},
        ),
    )


def _check_minimum(
    ctx: CheckContext,
    api: ApiCall,
    role: str,
    minimum: int,
    describe: Callable[[int, int], tuple[str, dict[str, str | int]]],
) -> bool:
    """KG205 for each value the argument can take below ``minimum``; False when none resolved."""
    _status, origins, _expr = role_values(ctx.evaluator, api.call, api.spec, role, api.scope)
    resolved = False
    for origin in origins:
        value = int_value(origin)
        if value is None:
            continue
        resolved = True
        if value < minimum:
            message, facts = describe(value, minimum)
            where, related = weak_value_at(
                api.call, origin, role, f"the key is derived here by `{short(api.qualname)}`"
            )
            ctx.report(
                WEAK_KEY_DERIVATION,
                where,
                message,
                {**api.facts, **facts, "minimum": minimum},
                related,
            )
    return resolved


def salt_lengths(ctx: CheckContext, api: ApiCall) -> list[tuple[int, list[tuple[Anchor, str]]]]:
    """Each length in bytes the salt can have, from literals or from the strong RNG that drew it."""
    status, expr = get_arg(api.call, api.spec.args["salt"])
    if status != "given" or expr is None:
        return []
    literals = ctx.evaluator.literals(expr, api.scope)
    if not literals and _password_based(api):
        literals = _empty_literals(ctx, expr, api.scope)
    if literals:
        return [(len(c.value), origins_as_related(c, "salt")) for c in literals]  # type: ignore[arg-type]
    out: list[tuple[int, list[tuple[Anchor, str]]]] = []
    for source in ctx.flow.sources(expr, api.scope):
        bits = source_bits(ctx, source)
        if source.strength == "strong" and bits is not None:
            length = bits // 8
            out.append(
                (length, [*source.hops, (source.call, f"salt of {length} bytes drawn here")])
            )
    return out


def check_salt(ctx: CheckContext, api: ApiCall) -> None:
    """KG205 for a salt shorter than the standard's minimum, and for a password hash's salt
    written as a literal (the same for every password, so one precomputation serves all)."""
    minimum = ctx.thresholds.salt_min_bytes
    lengths = salt_lengths(ctx, api)
    literal = _password_based(api) and _literal_salt(ctx, api)
    for length, related in lengths:
        if length >= minimum and literal:
            ctx.report(
                WEAK_KEY_DERIVATION,
                api.call,
                f"salt of `{short(api.qualname)}` written as a literal; draw a random salt "
                "per password",
                {**api.facts, "salt_bytes": length, "salt": "literal"},
                related,
            )
            literal = False  # one finding for the call, whichever literals it may take
        elif length < minimum:
            ctx.report(
                WEAK_KEY_DERIVATION,
                api.call,
                f"{f'salt of {length} bytes' if length else 'empty salt'} passed to "
                f"`{short(api.qualname)}`; the standard requires at least {minimum} bytes",
                {**api.facts, "salt_bytes": length, "minimum": minimum},
                related,
            )


def check_kdf(ctx: CheckContext, api: ApiCall) -> bool:
    """Every KG205 check the KDF's arguments allow; False when a parameter stayed unresolved."""
    resolved = True
    if "iterations" in api.spec.args:
        resolved = check_iterations(ctx, api) and resolved
    if "cost" in api.spec.args:
        resolved = check_scrypt_cost(ctx, api) and resolved
    if "salt" in api.spec.args:
        check_salt(ctx, api)
    return resolved


def _password_based(api: ApiCall) -> bool:
    return password_based(api.spec)


def _empty_literals(ctx: CheckContext, expr: cst.BaseExpression, scope: Scope) -> list[Const]:
    """The empty strings a password hash's salt can be (``b""``: no salt at all)."""
    return [
        c
        for c in ctx.evaluator.values(expr, scope)
        if isinstance(c.value, (str, bytes)) and not c.value
    ]


def _literal_salt(ctx: CheckContext, api: ApiCall) -> bool:
    status, expr = get_arg(api.call, api.spec.args["salt"])
    return status == "given" and expr is not None and bool(ctx.evaluator.literals(expr, api.scope))
