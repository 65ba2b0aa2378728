"""Where random values go: the RNG calls whose output flows into an expression."""

from __future__ import annotations

from dataclasses import dataclass, replace

import libcst as cst

from analyzer.engines.python.evaluate.callsites import resolve_callee
from analyzer.engines.python.evaluate.consts import MAX_CALL_HOPS, MAX_DEPTH, Evaluator
from analyzer.engines.python.table import ApiSpec, Strength, Table, rng_strength
from analyzer.engines.python.walk.scopes import Binding, Scope
from analyzer.findings.model import Location

Hop = tuple[cst.CSTNode | Location, str]
# Weak RNG calls that pick an element of their argument.
PICKS = frozenset({"choice", "choices", "sample"})


@dataclass(frozen=True, eq=False)
class Source:
    """An RNG call whose value reaches a sink."""

    call: cst.Call
    scope: Scope
    qualname: str
    strength: Strength
    spec: ApiSpec | None = None
    # The calls and arguments the value crossed on its way to the sink, in order.
    hops: tuple[Hop, ...] = ()
    # Drawn once per element of a comprehension: the value holds several draws.
    repeated: bool = False


class Flow:
    """Backward flow from a sink expression to the RNG calls that produced it, per function."""

    def __init__(self, evaluator: Evaluator, table: Table) -> None:
        self.ev = evaluator
        self.table = table

    def sources(self, expr: cst.BaseExpression, scope: Scope) -> list[Source]:
        found: list[Source] = []
        self._walk(expr, scope, found, set(), 0, ())
        return found

    def _walk(
        self,
        expr: cst.BaseExpression | None,
        scope: Scope,
        out: list[Source],
        seen: set[int],
        depth: int,
        hops: tuple[Hop, ...],
    ) -> None:
        if expr is None or depth > MAX_DEPTH:
            return
        if isinstance(expr, cst.Call):
            self._call(expr, scope, out, seen, depth, hops)
            return
        if isinstance(expr, cst.Name):
            for binding in scope.live(expr.value):
                self._binding(expr.value, binding, out, seen, depth, hops)
            return
        if isinstance(expr, cst.Attribute):
            owner = scope.enclosing_class
            if (
                owner is not None
                and isinstance(expr.value, cst.Name)
                and expr.value.value == scope.self_name
            ):
                attr = expr.attr.value
                for binding in [*owner.attrs.get(attr, []), *owner.bindings.get(attr, [])]:
                    self._binding(attr, binding, out, seen, depth, hops)
            return
        repeated = isinstance(expr, cst.GeneratorExp | cst.ListComp | cst.SetComp)
        for child in _children(expr):
            if not repeated:
                self._walk(child, scope, out, seen, depth + 1, hops)
                continue
            drawn: list[Source] = []
            self._walk(child, scope, drawn, seen, depth + 1, hops)
            out.extend(replace(source, repeated=True) for source in drawn)

    def _call(
        self,
        expr: cst.Call,
        scope: Scope,
        out: list[Source],
        seen: set[int],
        depth: int,
        hops: tuple[Hop, ...],
    ) -> None:
        qual = self.ev.qualname(expr.func, scope)
        if qual is not None:
            strength = rng_strength(qual, self.table)
            picks = _last_name(expr.func) in PICKS and strength == "weak"
            if picks and not (expr.args and self._alphabet(expr.args[0].value, scope)):
                return  # picks one of the program's own objects (a key of a key set), not bytes
            if strength is not None:
                found = self.table.lookup(qual)
                spec = found[0] if found else None
                out.append(Source(expr, scope, qual, strength, spec, hops[::-1]))
                return
        callee = resolve_callee(expr.func, scope)
        if callee is not None:
            self._returns(expr, callee[0], out, seen, depth, hops)
            return
        summary = self.ev.imported_function(expr.func, scope)
        if summary is not None and summary.weak_return is not None:
            rng, line, column = summary.weak_return
            drawn = (
                Location(summary.path, line, column),
                f"`{rng}` draws the value `{summary.name}()` returns",
            )
            out.append(Source(expr, scope, rng, "weak", None, (drawn, *hops[::-1])))
            return
        through = qual in self.table.flow_functions if qual else False
        method = (
            isinstance(expr.func, cst.Attribute) and expr.func.attr.value in self.table.flow_methods
        )
        wrapper = _last_name(expr.func) in self.table.flow_wrappers or self._unknown_wrapper(
            expr, qual
        )
        if method:
            self._walk(expr.func.value, scope, out, seen, depth + 1, hops)  # type: ignore[union-attr]
        if through or method or wrapper:
            for arg in expr.args:
                self._walk(arg.value, scope, out, seen, depth + 1, hops)

    def _alphabet(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> bool:
        """Whether ``random.choice(x)`` picks from characters or numbers (it makes a random
        string or number) rather than from objects such as the keys of a key set."""
        if depth > 8:
            return False
        const = self.ev.const(expr, scope)
        if const is not None:
            return isinstance(const.value, (str, bytes))
        if isinstance(expr, cst.BinaryOperation):
            return self._alphabet(expr.left, scope, depth + 1) and self._alphabet(
                expr.right, scope, depth + 1
            )
        if isinstance(expr, (cst.List, cst.Tuple)):
            return all(self.ev.const(e.value, scope) is not None for e in expr.elements)
        if isinstance(expr, cst.Call):
            return self.ev.qualname(expr.func, scope) in ("range", "list", "str", "bytes")
        if not isinstance(expr, (cst.Name, cst.Attribute)):
            return False
        qual = self.ev.qualname(expr, scope)
        if qual is not None and qual.startswith("string."):
            return True
        bindings = scope.live(expr.value) if isinstance(expr, cst.Name) else []
        # ``def generate_token(length=30, chars=ALPHABET)``: a parameter whose default is one.
        return bool(bindings) and all(
            b.kind in ("assign", "param")
            and b.value is not None
            and self._alphabet(b.value, b.scope or scope, depth + 1)
            for b in bindings
        )

    def _unknown_wrapper(self, call: cst.Call, qual: str | None) -> bool:
        """A call nothing is known about that takes one plain argument (``networkString(s)``,
        ``ensure_binary(s)``): it converts the value and keeps its origin. Lookups
        (``cache.get(k)``) and known APIs do not."""
        if len(call.args) != 1 or call.args[0].star or call.args[0].keyword is not None:
            return False
        if qual is not None and (self.table.lookup(qual) is not None or qual.startswith("random.")):
            return False
        name = _last_name(call.func)
        return bool(name) and name not in self.table.lookup_methods

    def _returns(
        self,
        call: cst.Call,
        function: Scope,
        out: list[Source],
        seen: set[int],
        depth: int,
        hops: tuple[Hop, ...],
    ) -> None:
        """A helper of this module: what its ``return`` statements hand back to the caller."""
        if id(function) in seen or len(hops) >= MAX_CALL_HOPS * 2:
            return
        seen.add(id(function))
        hop = (call, f"`{function.name}()` returns the value")
        for value in function.returns:
            self._walk(value, function, out, seen, depth + 1, (*hops, hop))
        seen.discard(id(function))

    def _binding(
        self,
        name: str,
        binding: Binding,
        out: list[Source],
        seen: set[int],
        depth: int,
        hops: tuple[Hop, ...],
    ) -> None:
        if id(binding) in seen or binding.scope is None:
            return
        if binding.kind == "param":
            self._arguments(name, binding, out, seen, depth, hops)
            return
        if binding.value is None or binding.kind not in ("assign", "other"):
            return
        seen.add(id(binding))
        self._walk(binding.value, binding.scope, out, seen, depth + 1, hops)

    def _arguments(
        self,
        name: str,
        binding: Binding,
        out: list[Source],
        seen: set[int],
        depth: int,
        hops: tuple[Hop, ...],
    ) -> None:
        """A parameter: the values the module's callers pass for it."""
        function = binding.function
        sites = self.ev.call_sites
        if function is None or sites is None or len(hops) >= MAX_CALL_HOPS * 2:
            return
        seen.add(id(binding))
        for arg in sites.arguments(function, name):
            hop = (arg.value, f"passed as `{name}` of `{function.name}()`")
            self._walk(arg.value, arg.scope, out, seen, depth + 1, (*hops, hop))
        seen.discard(id(binding))


def _last_name(func: cst.BaseExpression) -> str:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return ""


def _children(expr: cst.BaseExpression) -> list[cst.BaseExpression | None]:
    """The sub-expressions a value is made of (operands, elements, formatted parts ...)."""
    if isinstance(expr, cst.BinaryOperation | cst.BooleanOperation):
        return [expr.left, expr.right]
    if isinstance(expr, cst.Subscript):
        return [expr.value]
    if isinstance(expr, cst.FormattedString):
        return [p.expression for p in expr.parts if isinstance(p, cst.FormattedStringExpression)]
    if isinstance(expr, cst.ConcatenatedString):
        return [expr.left, expr.right]  # type: ignore[list-item]
    if isinstance(expr, cst.GeneratorExp | cst.ListComp | cst.SetComp):
        return [expr.elt]
    if isinstance(expr, cst.List | cst.Tuple | cst.Set):
        return [e.value for e in expr.elements]
    if isinstance(expr, cst.IfExp):
        return [expr.body, expr.orelse]
    if isinstance(expr, cst.Await):
        return [expr.expression]
    return []
