"""Where random values go: the RNG calls whose output flows into an expression."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import libcst as cst

from analyzer.engines.python.evaluate.consts import MAX_DEPTH, Evaluator
from analyzer.engines.python.table import ApiSpec, Table
from analyzer.engines.python.walk.scopes import Binding, Scope

Strength = Literal["weak", "strong"]


@dataclass(frozen=True, eq=False)
class Source:
    """An RNG call whose value reaches a sink."""

    call: cst.Call
    scope: Scope
    qualname: str
    strength: Strength
    spec: ApiSpec | None = None


def rng_strength(qualname: str, table: Table) -> Strength | None:
    """``weak`` for random/numpy.random value calls, ``strong`` for CSPRNG calls, else None."""
    found = table.lookup(qualname)
    if found is not None and found[0].role == "rng-strong":
        return "strong"
    if any(qualname.startswith(p) for p in table.strong_prefixes):
        return None
    if not any(qualname.startswith(p) for p in table.weak_prefixes) or qualname.endswith("()"):
        return None
    if "()" in qualname:
        generator, _, method = qualname.partition("().")
        if generator not in table.seeded_constructors or "()" in method or "." in method:
            return None
    last = qualname.rsplit(".", 1)[-1]
    return None if last in table.no_value else "weak"


class Flow:
    """Backward flow from a sink expression to the RNG calls that produced it, per function."""

    def __init__(self, evaluator: Evaluator, table: Table) -> None:
        self.ev = evaluator
        self.table = table

    def sources(self, expr: cst.BaseExpression, scope: Scope) -> list[Source]:
        found: list[Source] = []
        self._walk(expr, scope, found, set(), 0)
        return found

    def _walk(
        self,
        expr: cst.BaseExpression | None,
        scope: Scope,
        out: list[Source],
        seen: set[int],
        depth: int,
    ) -> None:
        if expr is None or depth > MAX_DEPTH:
            return
        walk = self._walk
        if isinstance(expr, cst.Call):
            qual = self.ev.qualname(expr.func, scope)
            if qual is not None:
                strength = rng_strength(qual, self.table)
                if strength is not None:
                    found = self.table.lookup(qual)
                    out.append(Source(expr, scope, qual, strength, found[0] if found else None))
                    return
            through = qual in self.table.flow_functions if qual else False
            method = (
                isinstance(expr.func, cst.Attribute)
                and expr.func.attr.value in self.table.flow_methods
            )
            if method:
                walk(expr.func.value, scope, out, seen, depth + 1)  # type: ignore[union-attr]
            if through or method:
                for arg in expr.args:
                    walk(arg.value, scope, out, seen, depth + 1)
            return
        if isinstance(expr, cst.Name):
            for binding in scope.lookup(expr.value):
                self._binding(binding, out, seen, depth)
            return
        if isinstance(expr, cst.Attribute):
            owner = scope.enclosing_class
            if (
                owner is not None
                and isinstance(expr.value, cst.Name)
                and expr.value.value == scope.self_name
            ):
                for binding in owner.attrs.get(expr.attr.value, []):
                    self._binding(binding, out, seen, depth)
            return
        children: list[cst.BaseExpression | None] = []
        if isinstance(expr, cst.BinaryOperation | cst.BooleanOperation):
            children = [expr.left, expr.right]
        elif isinstance(expr, cst.Subscript):
            children = [expr.value]
        elif isinstance(expr, cst.FormattedString):
            children = [
                p.expression for p in expr.parts if isinstance(p, cst.FormattedStringExpression)
            ]
        elif isinstance(expr, cst.ConcatenatedString):
            children = [expr.left, expr.right]  # type: ignore[list-item]
        elif isinstance(expr, cst.GeneratorExp | cst.ListComp | cst.SetComp):
            children = [expr.elt]
        elif isinstance(expr, cst.List | cst.Tuple | cst.Set):
            children = [e.value for e in expr.elements]
        elif isinstance(expr, cst.IfExp):
            children = [expr.body, expr.orelse]
        elif isinstance(expr, cst.Await):
            children = [expr.expression]
        for child in children:
            walk(child, scope, out, seen, depth + 1)

    def _binding(self, binding: Binding, out: list[Source], seen: set[int], depth: int) -> None:
        if id(binding) in seen or binding.value is None or binding.scope is None:
            return
        if binding.kind not in ("assign", "other"):
            return
        seen.add(id(binding))
        self._walk(binding.value, binding.scope, out, seen, depth + 1)
