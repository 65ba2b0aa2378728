"""Reading an API call's arguments by role (size, curve, key, salt ...) as the API table maps them."""

from __future__ import annotations

from typing import Literal

import libcst as cst

from analyzer.engines.python.checks.context import Anchor
from analyzer.engines.python.evaluate.consts import Const, Evaluator
from analyzer.engines.python.table import ApiSpec, ArgSpec
from analyzer.engines.python.walk.scopes import Scope

ArgStatus = Literal["given", "omitted", "unknown", "default"]


def get_arg(call: cst.Call, spec: ArgSpec) -> tuple[ArgStatus, cst.BaseExpression | None]:
    """("given", expr) | ("omitted", None) | ("unknown", None) when ``*args``/``**kw`` hide it."""
    positional: list[cst.BaseExpression] = []
    starred = False
    for arg in call.args:
        if arg.star:
            starred = True
        elif arg.keyword is not None:
            if arg.keyword.value == spec.keyword:
                return "given", arg.value
        elif not starred:
            positional.append(arg.value)
    if spec.position is not None and spec.position < len(positional):
        return "given", positional[spec.position]
    return ("unknown", None) if starred else ("omitted", None)


def role_value(
    evaluator: Evaluator, call: cst.Call, spec: ApiSpec, role: str, scope: Scope
) -> tuple[ArgStatus, Const | None, cst.BaseExpression | None]:
    """The constant an argument role takes: the given argument's value or the API's default."""
    arg = spec.args.get(role)
    if arg is None:
        default = spec.defaults.get(role)
        if default is None:
            return "omitted", None, None
        return "default", Const(default), None  # type: ignore[arg-type]
    status, expr = get_arg(call, arg)
    if status == "given" and expr is not None:
        return "given", evaluator.const(expr, scope), expr
    if status == "omitted" and role in spec.defaults:
        return "default", Const(spec.defaults[role]), None  # type: ignore[arg-type]
    return status, None, None


def role_values(
    evaluator: Evaluator, call: cst.Call, spec: ApiSpec, role: str, scope: Scope
) -> tuple[ArgStatus, list[Const], cst.BaseExpression | None]:
    """Every constant an argument role can take (see ``Evaluator.values``), or the default."""
    arg = spec.args.get(role)
    if arg is not None:
        status, expr = get_arg(call, arg)
        if status == "given" and expr is not None:
            return "given", evaluator.values(expr, scope), expr
        if status != "omitted" or role not in spec.defaults:
            return status, [], None
    default = spec.defaults.get(role)
    if default is None:
        return "omitted", [], None
    return "default", [Const(default)], None  # type: ignore[arg-type]


def int_value(const: Const | None) -> int | None:
    """The integer a constant holds, or None."""
    return const.value if const is not None and isinstance(const.value, int) else None


def origins_as_related(const: Const | None, what: str) -> list[tuple[Anchor, str]]:
    """The assignments a constant passed through, as related locations ``"<what>: <how>"``."""
    out: list[tuple[Anchor, str]] = []
    for origin in const.origins if const else ():
        anchor = origin.node if origin.node is not None else origin.location
        if anchor is not None:
            out.append((anchor, f"{what}: {origin.text}"))
    return out


def weak_value_at(
    call: cst.CSTNode, const: Const | None, what: str, reach: str
) -> tuple[cst.CSTNode, list[tuple[Anchor, str]]]:
    """Where a weak value is reported and its related locations: a default of the project's
    own function (``def derive(password, count=1000)``) at the default, with the call it
    reaches as the last related location; any other value at the call."""
    related = origins_as_related(const, what)
    written = [o for o in const.origins if o.node is not None or o.location] if const else []
    last = written[-1] if written else None
    if (
        last is not None
        and isinstance(last.node, cst.Param)
        and last.text.startswith("default value of parameter")
    ):
        return last.node, [*related[:-1], (call, reach)]
    return call, related


def name_of(evaluator: Evaluator, expr: cst.BaseExpression, scope: Scope) -> str | None:
    """The last part of the qualified name an expression (or the callee it calls) refers to."""
    target = expr.func if isinstance(expr, cst.Call) else expr
    qual = evaluator.qualname(target, scope)
    return qual.rsplit(".", 1)[-1] if qual else None
