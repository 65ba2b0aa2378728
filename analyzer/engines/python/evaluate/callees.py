"""What a call may call when its callee is a value (issue 13, shapes 4 and 6): a function passed
as an argument or kept in a field, a module stored in a field (``self.backend.newkeys``), and
``functools.partial`` with the arguments it binds. Each callee is one a real path can reach; a
callee that does not resolve is left out, never guessed."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from analyzer.engines.python.evaluate.consts import MAX_VALUES, Evaluator, Origin
from analyzer.engines.python.walk.scopes import Scope

PARTIAL = "functools.partial"
# The qualified name of a partial's result and of calling it (``make = partial(...)``).
BOUND_CALL = f"{PARTIAL}()"
# Calls of calls (``partial(partial(f, a), b)``) and hops through values are cut here.
MAX_DEPTH = 6


@dataclass(frozen=True)
class Callee:
    """A qualified name the call may call, the call as that callee receives it (a partial's
    bound arguments first; the call itself when nothing is bound) and the hops to it."""

    qualname: str
    call: cst.Call
    origins: tuple[Origin, ...]


def may_call_a_value(evaluator: Evaluator, call: cst.Call, scope: Scope) -> bool:
    """A cheap test before :func:`callees`: the callee is a name the function binds, a field,
    a bound call, or a method named like a known API on a value (``backend.newkeys``)."""
    func = call.func
    if isinstance(func, cst.Name):
        return any(b.kind in ("param", "assign", "other") for b in scope.live(func.value))
    if isinstance(func, cst.Attribute):
        return _is_self(func.value, scope) or func.attr.value in evaluator.table.api_names
    return isinstance(func, (cst.Call, cst.Subscript))


def callees(evaluator: Evaluator, call: cst.Call, scope: Scope) -> list[Callee]:
    """Every callee a call of a value may reach, at most MAX_VALUES of them."""
    out = _callees(evaluator, call.func, call, scope, scope, (), 0)
    seen: set[tuple[str, int, tuple[int, ...]]] = set()
    unique: list[Callee] = []
    for callee in out:
        key = (callee.qualname, id(callee.call), tuple(id(o.node) for o in callee.origins))
        if key not in seen:
            seen.add(key)
            unique.append(callee)
    return unique[:MAX_VALUES]


def _callees(
    evaluator: Evaluator,
    func: cst.BaseExpression,
    call: cst.Call,
    func_scope: Scope,
    call_scope: Scope,
    origins: tuple[Origin, ...],
    depth: int,
) -> list[Callee]:
    if depth > MAX_DEPTH:
        return []
    out: list[Callee] = []
    for expr, scope, hops in _targets(evaluator, func, func_scope, depth):
        through = (*origins, *hops)
        if isinstance(expr, cst.Call):
            bound = _partial(evaluator, expr, scope, call, call_scope)
            if bound is not None:
                inner, merged = bound
                hop = Origin("the callee and some of its arguments are bound here", node=expr)
                out += _callees(
                    evaluator, inner, merged, scope, call_scope, (*through, hop), depth + 1
                )
            continue
        name = evaluator.qualname(expr, scope)
        if name is not None:
            out.append(Callee(name, call, through))
    return out


def _targets(
    evaluator: Evaluator, expr: cst.BaseExpression, scope: Scope, depth: int
) -> list[tuple[cst.BaseExpression, Scope, tuple[Origin, ...]]]:
    """The expressions a callee expression may stand for: a parameter's arguments and default,
    a name's or a field's assignments; ``a.b`` for each value of ``a``."""
    if depth > MAX_DEPTH:
        return []
    if isinstance(expr, cst.Attribute) and not _is_self(expr.value, scope):
        out = []
        for base, base_scope, hops in _targets(evaluator, expr.value, scope, depth + 1):
            if isinstance(base, (cst.Name, cst.Attribute)):
                out.append((cst.Attribute(value=base, attr=expr.attr), base_scope, hops))
        return out
    if not isinstance(expr, (cst.Name, cst.Attribute, cst.Subscript)):
        return [(expr, scope, ())]
    reached = evaluator.expressions(expr, scope)
    if len(reached) == 1 and reached[0].expr is expr:
        return [(expr, scope, ())]
    out = []
    for found in reached:
        for inner, inner_scope, hops in _targets(evaluator, found.expr, found.scope, depth + 1):
            out.append((inner, inner_scope, (*found.origins, *hops)))
    return out


def chosen_at(evaluator: Evaluator, func: cst.BaseExpression, scope: Scope) -> set[int]:
    """The ids of the source expressions a callee's value was chosen at: ``DES3`` of
    ``factory=DES3`` for ``factory.new``, the ``getattr`` call for ``cls`` after
    ``cls = getattr(algorithms, "ARC4")``."""
    out: set[int] = set()
    for expr, _scope, _hops in _targets(evaluator, func, scope, 0):
        while isinstance(expr, cst.Attribute):
            out.add(id(expr))
            expr = expr.value
        out.add(id(expr))
    return out


def _is_self(expr: cst.BaseExpression, scope: Scope) -> bool:
    return isinstance(expr, cst.Name) and expr.value == scope.self_name


def _partial(
    evaluator: Evaluator,
    binder: cst.Call,
    binder_scope: Scope,
    call: cst.Call,
    call_scope: Scope,
) -> tuple[cst.BaseExpression, cst.Call] | None:
    """For ``functools.partial(f, *bound)`` called as ``call``: ``f`` and the call ``f``
    receives (bound positionals first; the call's keywords override the bound ones). Only
    when every bound argument means at the call what it meant where it was bound."""
    if evaluator.qualname(binder.func, binder_scope) != PARTIAL or not binder.args:
        return None
    first, *bound = binder.args
    if first.star or first.keyword is not None:
        return None
    if binder_scope is not call_scope and not all(
        _same_meaning(arg.value, binder_scope, call_scope) for arg in bound
    ):
        return None
    given = {a.keyword.value for a in call.args if a.keyword is not None}
    positional = [a for a in bound if a.keyword is None and a.star != "**"]
    positional += [a for a in call.args if a.keyword is None and a.star != "**"]
    keywords = [a for a in call.args if a.keyword is not None or a.star == "**"]
    keywords += [
        a
        for a in bound
        if (a.keyword is not None and a.keyword.value not in given) or a.star == "**"
    ]
    return first.value, cst.Call(func=first.value, args=[*positional, *keywords])


class _Names(cst.CSTVisitor):
    """The names an expression reads (not attribute parts, not keyword names)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.names.append(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False


def _same_meaning(expr: cst.BaseExpression, here: Scope, there: Scope) -> bool:
    """Whether every name ``expr`` reads is bound the same way in both scopes."""
    reader = _Names()
    expr.visit(reader)
    for name in reader.names:
        first, second = here.lookup(name), there.lookup(name)
        if first is not second and (first or second):
            return False
    return True
