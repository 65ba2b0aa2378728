"""Calls of another module's function whose parameter reaches a key-generation or derivation
argument there: the value this caller passes is checked here (issue 13, shape 3).

Reported at the call, with the value's origins and the generation call in the other module as
related locations; a caller that passes a good value is silent.
"""

from __future__ import annotations

import libcst as cst

from analyzer.catalogue.ids import (
    EC_CURVE_NOT_APPROVED,
    RSA_EXPONENT_NOT_ALLOWED,
    WEAK_KEY_DERIVATION,
)
from analyzer.engines.python.checks.arguments import name_of, origins_as_related
from analyzer.engines.python.checks.context import CheckContext, short
from analyzer.engines.python.checks.key_size import SIZE_RULES
from analyzer.engines.python.checks.literal_key import check_literal_passed
from analyzer.engines.python.evaluate.consts import Const
from analyzer.engines.python.summaries import LITERAL_ROLES, FunctionSummary, ParamSink
from analyzer.engines.python.walk.scopes import Scope
from analyzer.findings.model import Location


def check_calls_into_other_modules(ctx: CheckContext) -> None:
    for call, scope in ctx.collected.calls:
        if not call.args:
            continue  # nothing passed here can reach the other module's sinks
        summary = ctx.evaluator.imported_function(call.func, scope)
        if summary is None:
            _check_class_parameter(ctx, call, scope)
            continue
        for sink in summary.sinks:
            value = _argument(call, summary, sink.param)
            if value is not None:
                _judge(ctx, call, scope, summary, sink, value)


def _check_class_parameter(ctx: CheckContext, call: cst.Call, scope: Scope) -> None:
    """``private_cls.generate(key_size)`` in a helper of this module whose callers pass both
    the class and the size (``self._check_alg(PrivateDSA, 1024)``): each caller's pair is
    judged at that caller's call, the class and the size taken from the same call."""
    func = call.func
    sites = ctx.evaluator.call_sites
    if sites is None or not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
        return
    holder = _parameter_of(func.value, scope)
    if holder is None:
        return
    for passed in sites.arguments(holder, func.value.value):
        method = cst.Attribute(value=passed.value, attr=func.attr)
        summary = ctx.evaluator.imported_function(method, passed.scope)
        if summary is None:
            continue
        for sink in summary.sinks:
            inner = _argument(call, summary, sink.param)
            if not isinstance(inner, cst.Name) or _parameter_of(inner, scope) is not holder:
                continue
            for value in sites.arguments(holder, inner.value):
                if value.call is passed.call:
                    _judge(ctx, passed.call, passed.scope, summary, sink, value.value)


def _parameter_of(name: cst.Name, scope: Scope) -> Scope | None:
    """The function whose parameter ``name`` is, when nothing else binds it."""
    bindings = scope.live(name.value)
    if len(bindings) == 1 and bindings[0].kind == "param":
        return bindings[0].function
    return None


def _argument(call: cst.Call, summary: FunctionSummary, param: str) -> cst.BaseExpression | None:
    positional: list[cst.BaseExpression] = []
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is not None:
            if arg.keyword.value == param:
                return arg.value
        else:
            positional.append(arg.value)
    if param in summary.params:
        index = summary.params.index(param)
        return positional[index] if index < len(positional) else None
    return None


def _judge(
    ctx: CheckContext,
    call: cst.Call,
    scope: Scope,
    summary: FunctionSummary,
    sink: ParamSink,
    value: cst.BaseExpression,
) -> None:
    if sink.role in LITERAL_ROLES:
        return check_literal_passed(ctx, call, scope, summary, sink, value)
    there = Location(sink.path or summary.path, sink.line, sink.column)
    where = f"`{short(sink.api)}` in `{summary.name}()`"
    hop = (there, f"`{sink.param}` reaches the {sink.role} argument of `{short(sink.api)}` here")
    facts: dict[str, str | int] = {
        "api": sink.api,
        "library": sink.library,
        "algorithm": sink.algorithm,
    }
    th = ctx.thresholds
    if sink.role == "curve":
        for reached in ctx.evaluator.expressions(value, scope):
            const = ctx.evaluator.const(reached.expr, reached.scope)
            name = const.value if const is not None and isinstance(const.value, str) else None
            name = name or name_of(ctx.evaluator, reached.expr, reached.scope)
            curve = ctx.table.canonical_curve(name) if name else None
            if curve is not None and curve not in th.ec_curves:
                related = origins_as_related(Const(curve, reached.origins), "curve")
                ctx.report(
                    EC_CURVE_NOT_APPROVED,
                    call,
                    f"curve {curve} passed to {where}, which is not on the standard's approved list",
                    {**facts, "curve": curve},
                    [*related, hop],
                )
        return
    for const in ctx.evaluator.values(value, scope):
        if not isinstance(const.value, int) or isinstance(const.value, bool):
            continue
        number = const.value
        related = [*origins_as_related(const, sink.role), hop]
        if sink.role == "size" and sink.algorithm in SIZE_RULES:
            bits = number * 8 if sink.size_unit == "bytes" else number
            minimum = {"RSA": th.rsa_min_bits, "DSA": th.dsa_min_bits, "DH": th.dh_min_bits}[
                sink.algorithm
            ]
            if bits < minimum:
                ctx.report(
                    SIZE_RULES[sink.algorithm],
                    call,
                    f"{sink.algorithm} key of {bits} bits generated by {where}; the standard requires at least {minimum}",
                    {**facts, "size": bits, "minimum": minimum},
                    related,
                )
        elif sink.role == "exponent" and sink.algorithm == "RSA" and number not in th.rsa_exponents:
            ctx.report(
                RSA_EXPONENT_NOT_ALLOWED,
                call,
                f"RSA public exponent {number} passed to {where} is not allowed",
                {**facts, "exponent": number},
                related,
            )
        elif sink.role == "iterations" and number < th.pbkdf2_min_for(None):
            minimum = th.pbkdf2_min_for(None)
            ctx.report(
                WEAK_KEY_DERIVATION,
                call,
                f"PBKDF2 with {number} iterations through {where}; the standard requires at least {minimum}",
                {**facts, "iterations": number, "minimum": minimum},
                related,
            )
