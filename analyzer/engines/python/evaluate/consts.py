"""The constant evaluator and qualified-name resolution over the recorded scopes."""

from __future__ import annotations

import ast
from dataclasses import dataclass

import libcst as cst

from analyzer.engines.python.evaluate.callsites import CallSites, decorator_names, resolve_callee
from analyzer.engines.python.evaluate.classes import (
    bases,
    field,
    field_with_overrides,
    subclasses,
)
from analyzer.engines.python.resolver import ModuleResolver
from analyzer.engines.python.summaries import FunctionSummary
from analyzer.engines.python.table import Table
from analyzer.engines.python.walk.scopes import Binding, Scope, visible
from analyzer.findings.model import Location

Value = int | str | bytes
MAX_DEPTH = 40
# May-values: at most this many values per expression, and this many calls crossed to find them.
MAX_VALUES = 8
MAX_CALL_HOPS = 3
# Methods whose result is as fixed as the literal they are called on (a hash's digest of it).
LITERAL_METHODS = frozenset({"encode", "digest", "hexdigest"})
# String methods that take no argument and give a string of a constant.
TEXT_METHODS = frozenset(
    {"upper", "lower", "strip", "lstrip", "rstrip", "casefold", "swapcase", "title", "capitalize"}
)


@dataclass(frozen=True)
class Origin:
    """Where a constant came from: a node in this file or a location in another module."""

    text: str
    node: cst.CSTNode | None = None
    location: Location | None = None
    # A parameter's value taken from one call of its function (the call; None: the calls
    # that omit it), as (function, call, parameter): other values read together follow it.
    pin: tuple[Scope, cst.Call | None, str] | None = None


@dataclass(frozen=True)
class Reached:
    """An expression a value may stand for, the scope it is evaluated in and the hops to it."""

    expr: cst.BaseExpression
    scope: Scope
    origins: tuple[Origin, ...] = ()


@dataclass(frozen=True)
class Const:
    """A resolved value and the assignments it passed through."""

    value: Value
    origins: tuple[Origin, ...] = ()


def _arith(op: cst.BaseBinaryOp, left: Value, right: Value) -> Value | None:
    if isinstance(left, int) and isinstance(right, int):
        if isinstance(op, cst.Add):
            return left + right
        if isinstance(op, cst.Subtract):
            return left - right
        if isinstance(op, cst.Multiply):
            return left * right
        if isinstance(op, cst.FloorDivide) and right:
            return left // right
        if isinstance(op, cst.LeftShift) and 0 <= right <= 64:
            return left << right
        if isinstance(op, cst.RightShift) and right >= 0:
            return left >> right
        if isinstance(op, cst.Power) and 0 <= right <= 64:
            return left**right
        return None
    if isinstance(op, cst.Add) and type(left) is type(right):
        return left + right  # type: ignore[operator]
    if isinstance(op, cst.Multiply) and isinstance(left, (str, bytes)) and isinstance(right, int):
        return left * right if 0 <= right <= 4096 else None
    if isinstance(op, cst.Modulo) and isinstance(left, str) and "%" in left:
        try:
            return left % right
        except (TypeError, ValueError):
            return None
    return None


class Evaluator:
    """Resolves qualified names and constant values of expressions in a scope."""

    def __init__(self, table: Table, resolver: ModuleResolver | None, path: str) -> None:
        self.table = table
        self.resolver = resolver
        self.path = path
        self.call_sites: CallSites | None = None
        # What ``self.attr`` may hold, per class and attribute (one hierarchy walk each).
        self._fields: dict[tuple[int, str], list[Binding]] = {}
        # The methods ``self.name()`` may run, per class and name (one hierarchy walk each).
        self._method_cache: dict[tuple[int, str], list[Scope]] = {}
        # Per class: itself and its bases nearest first, and its subclasses.
        self._hierarchy: dict[int, tuple[list[Scope], list[Scope]]] = {}

    # -- qualified names ----------------------------------------------------------------------
    def qualname(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> str | None:
        """``random.Random().getrandbits`` for ``rng.getrandbits`` after ``rng = random.Random()``."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, cst.Name):
            bindings = scope.lookup(expr.value)
            if not bindings:
                return expr.value
            for binding in bindings:
                if binding.kind == "import":
                    return binding.qualname
            if len(bindings) == 1:
                return self._binding_qualname(bindings[0], depth)
            return None
        if isinstance(expr, cst.Attribute):
            attr = expr.attr.value
            owned = self._self_attr(expr, scope)
            if owned is not None:
                return self._binding_qualname(owned[0], depth) if len(owned) == 1 else None
            base = self.qualname(expr.value, scope, depth + 1)
            return f"{base}.{attr}" if base else None
        if isinstance(expr, cst.Call):
            attribute = self._getattr_name(expr, scope, depth)
            if attribute is not None:
                return attribute
            made = self._made_by_own_function(expr, scope)
            if made is not None:
                return self.qualname(made[0], made[1], depth + 1)
            base = self.qualname(expr.func, scope, depth + 1)
            return f"{base}()" if base else None
        return None

    @staticmethod
    def _made_by_own_function(
        call: cst.Call, scope: Scope
    ) -> tuple[cst.BaseExpression, Scope] | None:
        """The call a function of this module returns, when it has one ``return`` of a call
        (``def make_rng(): return random.Random(1234)``): ``make_rng()`` is that object."""
        found = resolve_callee(call.func, scope)
        if found is None or found[0].name == "__init__" or len(found[0].returns) != 1:
            return None
        returned = found[0].returns[0]
        return (returned, found[0]) if isinstance(returned, cst.Call) else None

    def _getattr_name(self, call: cst.Call, scope: Scope, depth: int) -> str | None:
        """``getattr(algorithms, "ARC4")`` names ``algorithms.ARC4`` when the name is a constant."""
        if not (isinstance(call.func, cst.Name) and call.func.value == "getattr"):
            return None
        if len(call.args) not in (2, 3) or any(a.star or a.keyword for a in call.args[:2]):
            return None
        if scope.lookup("getattr"):
            return None
        name = self.const(call.args[1].value, scope, depth + 1)
        base = self.qualname(call.args[0].value, scope, depth + 1)
        if base is None or name is None or not isinstance(name.value, str):
            return None
        return f"{base}.{name.value}"

    def _binding_qualname(self, binding: Binding, depth: int) -> str | None:
        if binding.kind == "class":
            return None
        value = binding.value
        if (
            binding.kind == "assign"
            and binding.scope is not None
            and isinstance(value, (cst.Call, cst.Name, cst.Attribute))
        ):
            return self.qualname(value, binding.scope, depth + 1)
        return None

    def _self_attr(self, expr: cst.Attribute, scope: Scope) -> list[Binding] | None:
        owner = scope.enclosing_class
        if (
            owner is not None
            and isinstance(expr.value, cst.Name)
            and expr.value.value == scope.self_name
        ):
            attr = expr.attr.value
            return visible(owner.attrs.get(attr, [])) or owner.bindings.get(attr)
        return None

    @staticmethod
    def _import_target(expr: cst.BaseExpression, scope: Scope) -> tuple[int, str, str] | None:
        """``(level, module, name)`` when ``expr`` names something of another module through
        one import: ``name`` of ``from .keys import name``, or ``keys.name`` of ``import keys``
        / ``from . import keys``."""
        if isinstance(expr, cst.Name):
            bindings = scope.live(expr.value)
            if len(bindings) == 1 and bindings[0].import_from and bindings[0].import_from[2]:
                level, module, name = bindings[0].import_from
                return level, module, name
        elif isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
            bindings = scope.live(expr.value.value)
            if len(bindings) == 1 and bindings[0].import_from is not None:
                level, module, imported = bindings[0].import_from
                if imported is not None:
                    module = f"{module}.{imported}" if module else imported
                return level, module, expr.attr.value
        return None

    def imported_function(self, func: cst.BaseExpression, scope: Scope) -> FunctionSummary | None:
        """The summary of a function another module of the scanned tree defines, when ``func``
        names it through an import (``from .keys import make_key`` or ``keys.make_key``)."""
        if self.resolver is None:
            return None
        target = self._import_target(func, scope)
        if target is not None:
            return self.resolver.function(self.path, *target)
        return self._star_imported_function(func, scope)

    def _star_imported_function(
        self, func: cst.BaseExpression, scope: Scope
    ) -> FunctionSummary | None:
        """``Python_TripleDES`` (or ``Python_TripleDES.new``) after ``from pkg.des import *``:
        a name nothing in the module binds, taken from the last star-imported module that
        exports it (none when a later one's names are not known)."""
        attr: str | None = None
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            func, attr = func.value, func.attr.value
        if not isinstance(func, cst.Name) or self.resolver is None:
            return None
        name = func.value
        stars = scope.module().stars
        if not stars or scope.lookup(name):
            return None
        for level, module in reversed(stars):
            names = self.resolver.star_exports(self.path, level, module)
            if names is None:
                return None
            if name not in names:
                continue
            if attr is None:
                return self.resolver.function(self.path, level, module, name)
            return self.resolver.function(self.path, level, f"{module}.{name}", attr)
        return None

    def callee_module_analysed(self, func: cst.BaseExpression, scope: Scope) -> bool:
        """True when ``func`` is a function of another module of the scanned tree that the scan
        analyses itself (``openssl_rc4.new``, ``from .crypto import rc4``): what its body builds
        is reported there. A class is not: it is built at this call."""
        target = self._import_target(func, scope) if self.resolver is not None else None
        found = None if target is None else self.resolver.function(self.path, *target)
        if target is None or found is None or found.kind != "function":
            return False
        level, module, _name = target
        return self.resolver.analysed(self.path, level, module)

    def constructor(self, expr: cst.BaseExpression, scope: Scope) -> tuple[cst.Call, Scope] | None:
        """The call that created the instance ``expr`` names, if it was assigned once (through
        a function of this module that returns it)."""
        if isinstance(expr, cst.Call):
            made = self._made_by_own_function(expr, scope)
            if made is not None and isinstance(made[0], cst.Call):
                return made[0], made[1]
            return expr, scope
        bindings: list[Binding] | None = None
        if isinstance(expr, cst.Name):
            bindings = scope.lookup(expr.value)
        elif isinstance(expr, cst.Attribute):
            bindings = self._self_attr(expr, scope)
        if bindings and len(bindings) == 1:
            binding = bindings[0]
            if isinstance(binding.value, cst.Call) and binding.scope is not None:
                return self.constructor(binding.value, binding.scope)
        return None

    # -- constants ----------------------------------------------------------------------------
    def const(self, expr: cst.BaseExpression | None, scope: Scope, depth: int = 0) -> Const | None:
        """The value of ``expr`` if it is a constant the standard can be checked against."""
        if expr is None or depth > MAX_DEPTH:
            return None
        if isinstance(expr, (cst.Integer, cst.SimpleString, cst.ConcatenatedString)):
            try:
                value = (
                    ast.literal_eval(expr.value)
                    if isinstance(expr, cst.Integer)
                    else expr.evaluated_value
                )
            except (ValueError, SyntaxError):
                return None
            return Const(value) if isinstance(value, (int, str, bytes)) else None
        if isinstance(expr, cst.Name):
            return self._name_const(expr.value, scope, depth)
        if isinstance(expr, cst.Attribute):
            return self._attr_const(expr, scope, depth)
        if isinstance(expr, cst.BinaryOperation):
            left = self.const(expr.left, scope, depth + 1)
            right = self.const(expr.right, scope, depth + 1) if left else None
            if left is None or right is None:
                return None
            value = _arith(expr.operator, left.value, right.value)
            return None if value is None else Const(value, left.origins + right.origins)
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            inner = self.const(expr.expression, scope, depth + 1)
            if inner is not None and isinstance(inner.value, int):
                return Const(-inner.value, inner.origins)
            return None
        if isinstance(expr, cst.FormattedString):
            return self._formatted(expr, scope, depth)
        if isinstance(expr, cst.Call) and any(a.star for a in expr.args):
            return None
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            method = self._text_method(expr, expr.func, scope, depth)
            if method is not None:
                return method
        if isinstance(expr, cst.Call) and len(expr.args) >= 2:
            extreme = self._min_max(expr, scope, depth)
            if extreme is not None or len(expr.args) != 2:
                return extreme
            return self._int_with_base(expr, scope, depth)
        if isinstance(expr, cst.Call) and len(expr.args) == 1 and not expr.args[0].star:
            name = self.qualname(expr.func, scope, depth + 1)
            inner = self.const(expr.args[0].value, scope, depth + 1)
            if inner is None:
                return None
            if name == "len" and isinstance(inner.value, (str, bytes)):
                return Const(len(inner.value), inner.origins)
            if name == "int" and isinstance(inner.value, (int, str)):
                try:
                    return Const(int(inner.value), inner.origins)
                except ValueError:
                    return None
        return None

    def _text_method(
        self, call: cst.Call, func: cst.Attribute, scope: Scope, depth: int
    ) -> Const | None:
        """``"p192".upper()``, ``" P-192 ".strip()``, ``KEY.replace("-", "")``,
        ``"".join(["0123", "4567"])``: a string method of a constant, on constants."""
        name = func.attr.value
        if name not in TEXT_METHODS and name not in ("replace", "join"):
            return None
        if any(a.keyword is not None for a in call.args):
            return None
        base = self.const(func.value, scope, depth + 1)
        if base is None or not isinstance(base.value, (str, bytes)):
            return None
        kind = type(base.value)
        if name == "join" and len(call.args) == 1:
            parts = self._const_items(call.args[0].value, scope, depth)
            if parts is None or not all(isinstance(p.value, kind) for p in parts):
                return None
            joined = base.value.join(p.value for p in parts)  # type: ignore[arg-type,misc]
            return Const(joined, tuple(o for p in parts for o in p.origins))
        args = [self.const(a.value, scope, depth + 1) for a in call.args]
        values = [a.value for a in args if a is not None]
        if len(values) != len(args) or not all(isinstance(v, kind) for v in values):
            return None
        if name == "replace" and len(values) == 2:
            return Const(base.value.replace(*values), base.origins)  # type: ignore[arg-type]
        if name in TEXT_METHODS and not values:
            return Const(getattr(base.value, name)(), base.origins)
        return None

    def _const_items(
        self, expr: cst.BaseExpression, scope: Scope, depth: int
    ) -> list[Const] | None:
        found = self._container(expr, scope, depth + 1)
        if not isinstance(found, (cst.List, cst.Tuple)):
            return None
        expr = found
        items = [
            self.const(e.value, scope, depth + 1)
            for e in expr.elements
            if not isinstance(e, cst.StarredElement)
        ]
        if len(items) != len(expr.elements) or any(i is None for i in items):
            return None
        return items  # type: ignore[return-value]

    def _min_max(self, call: cst.Call, scope: Scope, depth: int) -> Const | None:
        """``min(1024, 4096)``: the builtin's pick among integer constants."""
        name = self.qualname(call.func, scope, depth + 1)
        if name not in ("min", "max") or scope.lookup(name):
            return None
        if any(a.keyword is not None for a in call.args):
            return None
        args = [self.const(a.value, scope, depth + 1) for a in call.args]
        if any(a is None or not isinstance(a.value, int) for a in args):
            return None
        pick = (min if name == "min" else max)(args, key=lambda a: a.value)  # type: ignore[arg-type,return-value,union-attr]
        return pick

    def _formatted(self, expr: cst.FormattedString, scope: Scope, depth: int) -> Const | None:
        """``f"{PREFIX}-secret"`` whose every part is a constant (no conversion or format)."""
        if any(isinstance(p, cst.FormattedStringText) and "\\" in p.value for p in expr.parts):
            return None  # an escape: the text as written is not the value
        text: list[str] = []
        origins: tuple[Origin, ...] = ()
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringText):
                text.append(part.value)
                continue
            if part.conversion is not None or part.format_spec is not None:
                return None
            inner = self.const(part.expression, scope, depth + 1)
            if inner is None or isinstance(inner.value, bytes):
                return None
            text.append(str(inner.value))
            origins += inner.origins
        return Const("".join(text), origins)

    def _int_with_base(self, call: cst.Call, scope: Scope, depth: int) -> Const | None:
        """``int("FFFF...", 16)``: how protocol code writes a DH prime."""
        if self.qualname(call.func, scope, depth + 1) != "int":
            return None
        text = self.const(call.args[0].value, scope, depth + 1)
        base = self.const(call.args[1].value, scope, depth + 1)
        if text is None or base is None or not isinstance(text.value, str):
            return None
        if not isinstance(base.value, int) or not (base.value == 0 or 2 <= base.value <= 36):
            return None
        try:
            return Const(int(text.value, base.value), text.origins)
        except ValueError:
            return None

    def _from_binding(self, name: str, binding: Binding, depth: int) -> Const | None:
        if binding.scope is None:
            return None
        if binding.kind == "assign":
            inner = self.const(binding.value, binding.scope, depth + 1)
            origin = Origin(f"`{name}` is assigned here", node=binding.node)
        elif binding.kind == "param" and binding.value is not None:
            inner = self.const(binding.value, binding.scope, depth + 1)
            origin = Origin(f"default value of parameter `{name}`", node=binding.node)
        elif binding.kind == "import" and binding.import_from and binding.import_from[2]:
            level, module, imported = binding.import_from
            return self._external(level, module, imported, name)
        else:
            return None
        return None if inner is None else Const(inner.value, (origin, *inner.origins))

    def _external(self, level: int, module: str, name: str, shown: str) -> Const | None:
        if self.resolver is None:
            return None
        found = self.resolver.constant(self.path, level, module, name)
        if found is None:
            return None
        where = Location(found.path, found.line, found.column)
        return Const(found.value, (Origin(f"`{shown}` is assigned here", location=where),))

    def _imported_class_constant(self, expr: cst.Attribute, scope: Scope) -> Const | None:
        """``Config.BITS`` of a class another module of the scanned tree defines."""
        summary = self.imported_function(expr, scope)
        if summary is None or summary.kind != "attribute" or len(summary.returns) != 1:
            return None
        value, line, column = summary.returns[0]
        where = Location(summary.path, line, column)
        return Const(value, (Origin(f"`{summary.name}` is assigned here", location=where),))

    def _name_const(self, name: str, scope: Scope, depth: int) -> Const | None:
        bindings = scope.lookup(name)
        if len(bindings) != 1:
            return None
        return self._from_binding(name, bindings[0], depth)

    def _attr_const(self, expr: cst.Attribute, scope: Scope, depth: int) -> Const | None:
        attr = expr.attr.value
        owned = self._self_attr(expr, scope)
        if owned is not None:
            return self._from_binding(attr, owned[0], depth) if len(owned) == 1 else None
        if isinstance(expr.value, cst.Name):
            bindings = scope.lookup(expr.value.value)
            if len(bindings) != 1:
                return None
            binding = bindings[0]
            if binding.kind == "class" and binding.class_scope is not None:
                inner = binding.class_scope.bindings.get(attr, [])
                return self._from_binding(attr, inner[0], depth) if len(inner) == 1 else None
            if binding.kind == "import" and binding.import_from is not None:
                level, module, imported = binding.import_from
                if imported is not None:
                    module = f"{module}.{imported}" if module else imported
                found = self._external(level, module, attr, f"{expr.value.value}.{attr}")
                return found if found is not None else self._imported_class_constant(expr, scope)
            return None
        dotted = self.qualname(expr.value, scope, depth + 1)
        if dotted and isinstance(expr.value, cst.Attribute):
            return self._external(0, dotted, attr, f"{dotted}.{attr}")
        return None

    def literal(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Const | None:
        """A non-empty str/bytes literal, directly, via a constant or a decoding call."""
        if depth > MAX_DEPTH:
            return None
        found = self.const(expr, scope, depth + 1)
        if found is not None:
            return found if _nonempty_text(found) else None
        if isinstance(expr, cst.Subscript):
            return self.literal(expr.value, scope, depth + 1)  # ``KEY[:16]``: part of it
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value in LITERAL_METHODS:
                return self.literal(func.value, scope, depth + 1)
            if (
                expr.args
                and not expr.args[0].star
                and self.qualname(func, scope, depth + 1) in self.table.decoders
            ):
                return self.literal(expr.args[0].value, scope, depth + 1)
        if isinstance(expr, (cst.Name, cst.Attribute)):
            # ``key = bytearray(b"...")`` then ``bytes(key)``: the decoding call it was bound to
            for reached in self.expressions(expr, scope, depth + 1):
                if isinstance(reached.expr, cst.Call):
                    found = self.literal(reached.expr, reached.scope, depth + 1)
                    if found is not None:
                        return Const(found.value, (*reached.origins, *found.origins))
        return None

    # -- may-values ---------------------------------------------------------------------------
    def values(
        self, expr: cst.BaseExpression | None, scope: Scope, depth: int = 0, hops: int = 0
    ) -> list[Const]:
        """Every constant ``expr`` can hold on some real path: each branch that assigns it, each
        element of a literal tuple a loop walks, each caller's argument for a parameter. Values
        that do not resolve are left out, never guessed."""
        out: list[Const] = []
        for found in self.expressions(expr, scope, depth, hops):
            out.extend(self._terminal_values(found, depth, hops))
        return _distinct(out)

    def _terminal_values(self, found: Reached, depth: int, hops: int) -> list[Const]:
        expr, scope = found.expr, found.scope
        if isinstance(expr, cst.Subscript):
            inner = self._subscript_values(expr, scope, depth, hops)
            inner += self._entry_values(expr, scope, depth, hops)
        elif self._is_int_call(expr, scope, depth):
            inner = [
                Const(int(c.value), c.origins)
                for c in self.values(expr.args[0].value, scope, depth + 1, hops)  # type: ignore[attr-defined]
                if isinstance(c.value, int)
                or (isinstance(c.value, str) and c.value.strip().isdigit())
            ]
        elif isinstance(expr, cst.Call) and self._is_get(expr):
            inner = self._get_values(expr, scope, depth, hops)
        else:
            single = self.const(expr, scope, depth)
            inner = [single] if single is not None else []
        return [Const(c.value, (*found.origins, *c.origins)) for c in inner]

    def expressions(
        self, expr: cst.BaseExpression | None, scope: Scope, depth: int = 0, hops: int = 0
    ) -> list[Reached]:
        """The expressions ``expr`` may stand for, following names, parameters (default and
        callers' arguments), unpacking and conditional expressions; each with its hops."""
        if expr is None or depth > MAX_DEPTH:
            return []
        if isinstance(expr, cst.IfExp):
            taken = self._truth(expr.test, scope, depth + 1, hops)
            if taken is not None:
                branch = expr.body if taken else expr.orelse
                return self.expressions(branch, scope, depth + 1, hops)
            return self.expressions(expr.body, scope, depth + 1, hops) + self.expressions(
                expr.orelse, scope, depth + 1, hops
            )
        if isinstance(expr, cst.Subscript):
            entries = self._table_entries(expr, scope, depth, hops)
            if entries is not None:
                return entries[: MAX_VALUES * 2]
        if isinstance(expr, cst.Call):
            returned = self._returned(expr, scope, depth, hops)
            if returned is None:
                returned = self._returned_elsewhere(expr, scope)
            if returned is not None:
                return returned[: MAX_VALUES * 2]
        bindings: list[Binding] | None = None
        name = ""
        if isinstance(expr, cst.Name):
            name = expr.value
            bindings = scope.live(name)
        elif isinstance(expr, cst.Attribute):
            name = expr.attr.value
            bindings = self._field_bindings(expr, scope)
            if bindings is None:
                through = self._class_attribute(expr, scope, depth, hops)
                if through is None:
                    through = self._self_computed(expr, scope, depth, hops)
                if through is not None:
                    return through[: MAX_VALUES * 2]
        if not bindings or not any(b.kind in ("assign", "param", "other") for b in bindings):
            return [Reached(expr, scope)]
        if any(isinstance(b.node, cst.AugAssign) for b in bindings):
            return []  # ``bits *= 2``: the value is computed, not chosen
        out: list[Reached] = []
        for binding in bindings:
            out.extend(self._binding_expressions(name, binding, depth, hops))
        return out[: MAX_VALUES * 2]

    def _truth(self, test: cst.BaseExpression, scope: Scope, depth: int, hops: int) -> bool | None:
        """The truth of a condition when every value it may take is a literal of the same truth
        that the call being followed passes (``sizes(legacy=False)`` for ``1024 if legacy else
        4096``); else None."""
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = self._truth(test.expression, scope, depth + 1, hops)
            return None if inner is None else not inner
        truths: set[bool] = set()
        sites = self.call_sites
        for reached in self.expressions(test, scope, depth, hops):
            truth = _literal_truth(reached.expr, reached.scope)
            # only what one pinned call passes decides: a parameter read from its default and
            # this module's callers may take other values from callers elsewhere, and a flag
            # the module sets is left as both branches (as ``if`` statements are)
            pins = [o.pin for o in reached.origins if o.pin is not None]
            complete = bool(pins) and sites is not None and all(sites.is_pinned(p[0]) for p in pins)
            if truth is None or not complete:
                return None
            truths.add(truth)
        return truths.pop() if len(truths) == 1 else None

    def _returned(
        self, call: cst.Call, scope: Scope, depth: int, hops: int
    ) -> list[Reached] | None:
        """``bits()``, ``self.key_size()``, ``Keys.size()``: what a function of this module
        returns, its parameters taken from this call only (not from its other callers). A
        method called on ``self`` may be a subclass's override too."""
        if self.call_sites is None or hops >= MAX_CALL_HOPS:
            return None
        func = call.func
        owner = scope.enclosing_class
        if isinstance(func, cst.Attribute) and _is_self(func.value, scope) and owner is not None:
            functions = self._methods(owner, func.attr.value)
        else:
            found = resolve_callee(func, scope)
            functions = [found[0]] if found is not None else []
        functions = [f for f in functions if f.name != "__init__"]
        if not any(f.returns for f in functions):
            return None
        everywhere = self.call_sites
        self.call_sites = everywhere.pinned([(f, call, "") for f in functions])
        out: list[Reached] = []
        try:
            for function in functions:
                out += self._function_returns(function, depth, hops)
        finally:
            self.call_sites = everywhere
        return out

    def _methods(self, owner: Scope, name: str) -> list[Scope]:
        """The methods ``self.name`` may run in a method of ``owner``: the nearest definition
        in the class or its bases, and every subclass's own (the module's classes only)."""
        key = (id(owner), name)
        if key not in self._method_cache:
            if id(owner) not in self._hierarchy:
                self._hierarchy[id(owner)] = ([owner, *bases(owner)], subclasses(owner))
            above, below = self._hierarchy[id(owner)]
            nearest = next((m for k in above if (m := _own_method(k, name)) is not None), None)
            found = [m for k in below if (m := _own_method(k, name)) is not None]
            self._method_cache[key] = [nearest, *found] if nearest is not None else found
        return self._method_cache[key]

    def _function_returns(self, function: Scope, depth: int, hops: int) -> list[Reached]:
        out: list[Reached] = []
        for value in function.returns:
            origin = Origin(f"`{function.name}()` returns this value", node=value)
            out += _prefixed(origin, self.expressions(value, function, depth + 1, hops + 1))
        return out

    def _self_computed(
        self, expr: cst.Attribute, scope: Scope, depth: int, hops: int
    ) -> list[Reached] | None:
        """``self.key_size`` that no assignment sets: a ``@property`` of the class (or an
        override's), else a constant of a base class another module defines."""
        owner = scope.enclosing_class
        if owner is None or not _is_self(expr.value, scope) or hops >= MAX_CALL_HOPS:
            return None
        attr = expr.attr.value
        getters = [m for m in self._methods(owner, attr) if "property" in decorator_names(m.node)]
        if getters:
            out: list[Reached] = []
            for getter in getters:
                out += self._function_returns(getter, depth, hops)
            return out
        for base in _imported_bases(owner):
            inherited = cst.Attribute(value=cst.Name(base), attr=expr.attr)
            found = self._imported_class_constant(inherited, owner.parent or scope)
            if found is not None:
                node = _literal_node(found.value, False)  # type: ignore[arg-type]
                return [Reached(node, scope, found.origins)]
        return None

    def _returned_elsewhere(self, call: cst.Call, scope: Scope) -> list[Reached] | None:
        """The constants a function of another module of the scanned tree returns
        (``RSA.generate(settings.legacy_bits())``)."""
        summary = self.imported_function(call.func, scope)
        if summary is None or not summary.returns or summary.kind == "attribute":
            return None
        out: list[Reached] = []
        for value, line, column in summary.returns:
            where = Location(summary.path, line, column)
            origin = Origin(f"`{summary.name}()` returns this value", location=where)
            out.append(Reached(_literal_node(value, False), scope, (origin,)))
        return out

    def _field_bindings(self, expr: cst.Attribute, scope: Scope) -> list[Binding] | None:
        """``self.attr``/``cls.attr``: the class's field (or its base's) and every subclass's
        override in the module."""
        owner = scope.enclosing_class
        if (
            owner is None
            or not isinstance(expr.value, cst.Name)
            or expr.value.value != scope.self_name
        ):
            return None
        key = (id(owner), expr.attr.value)
        if key not in self._fields:
            self._fields[key] = field_with_overrides(owner, expr.attr.value)
        return self._fields[key] or None

    def _class_attribute(
        self, expr: cst.Attribute, scope: Scope, depth: int, hops: int
    ) -> list[Reached] | None:
        """``Klass.attr``, also when the class is itself a value (``cls.public_cls.curve``),
        and ``obj.attr`` of an instance the module builds (``self.config = Settings()``)."""
        attr = expr.attr.value
        out: list[Reached] = []
        resolved = False
        for owner in self.expressions(expr.value, scope, depth + 1, hops):
            built = isinstance(owner.expr, cst.Call)
            name = owner.expr.func if isinstance(owner.expr, cst.Call) else owner.expr
            if not isinstance(name, cst.Name):
                continue
            bindings = owner.scope.live(name.value)
            if len(bindings) != 1 or bindings[0].class_scope is None:
                continue
            resolved = True
            klass = bindings[0].class_scope
            everywhere = self.call_sites
            init = resolve_callee(name, owner.scope) if built else None
            if init is not None and everywhere is not None:
                # the constructor's parameters take this construction's arguments
                self.call_sites = everywhere.pinned([(init[0], owner.expr, "")])  # type: ignore[list-item]
            try:
                for binding in field(klass, attr):
                    reached = self._binding_expressions(attr, binding, depth + 1, hops)
                    out += _prefixed_all(owner.origins, reached)
            finally:
                self.call_sites = everywhere
        return out if resolved else None

    def _table_entries(
        self, expr: cst.Subscript, scope: Scope, depth: int, hops: int
    ) -> list[Reached] | None:
        """``TABLE[key]`` of a literal dict, tuple or list (here or in another module): the
        entry of each key the index may take (a constant, a parameter's default, what callers
        pass); for a key computed from the program's state (a negotiated name) every entry that
        names an object (a curve, a class), never a number or string it may not select."""
        if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
            return None
        index = expr.slice[0].slice.value
        keys: list[Const] | None = self.values(index, scope, depth + 1, hops)
        if not keys:
            if _names_parameter(index, scope):
                return None  # whatever a caller asks for: nothing is guessed
            keys = None
        tables = [
            r
            for r in self.expressions(expr.value, scope, depth + 1, hops)
            if isinstance(r.expr, (cst.Tuple, cst.List, cst.Dict))
        ]
        if not tables:
            return self._external_entries(expr.value, scope, keys)
        out: list[Reached] = []
        for table in tables:
            if keys is not None:
                picked = [_item(table.expr, k.value) for k in keys]  # type: ignore[arg-type]
                items = [item for item in picked if item is not None]
            else:
                items = [e for e in _items(table.expr) if not _is_constant(e)]  # type: ignore[arg-type]
            for item in items:
                origin = Origin("table entry", node=item)
                for r in self.expressions(item, table.scope, depth + 1, hops):
                    out.append(Reached(r.expr, r.scope, (*table.origins, origin, *r.origins)))
        return out or None

    def _external_entries(
        self, table: cst.BaseExpression, scope: Scope, keys: list[Const] | None
    ) -> list[Reached] | None:
        """Entries of a table another module of the scanned tree defines (``keys._curveTable``)."""
        target = self._import_target(table, scope) if self.resolver is not None else None
        found = None if target is None else self.resolver.entries(self.path, *target)
        if not found:
            return None
        wanted = {k.value for k in keys} if keys is not None else None
        out: list[Reached] = []
        for entry in found:
            if (wanted is not None and entry.key not in wanted) or (
                wanted is None and not entry.names
            ):
                continue
            node = _literal_node(entry.value, entry.names)
            where = Location(entry.path, entry.line, entry.column)
            out.append(Reached(node, scope, (Origin("table entry", location=where),)))
        return out

    def _binding_expressions(
        self, name: str, binding: Binding, depth: int, hops: int
    ) -> list[Reached]:
        scope = binding.scope
        if scope is None:
            return []
        if binding.kind == "assign":
            origin = Origin(f"`{name}` is assigned here", node=binding.node)
            return _prefixed(origin, self.expressions(binding.value, scope, depth + 1, hops))
        if binding.kind == "param":
            out: list[Reached] = []
            function = binding.function
            sites = self.call_sites
            passed = function is not None and sites is not None
            if binding.value is not None and not (
                passed and sites.passed_by_pinned_call(function, name)  # type: ignore[union-attr,arg-type]
            ):
                pin = (function, None, name) if function is not None else None
                origin = Origin(f"default value of parameter `{name}`", node=binding.node, pin=pin)
                out += _prefixed(origin, self.expressions(binding.value, scope, depth + 1, hops))
            if function is None or self.call_sites is None or hops >= MAX_CALL_HOPS:
                return out
            for arg in self.call_sites.arguments(function, name):
                origin = Origin(
                    f"`{name}` of `{function.name}()` is passed here",
                    node=arg.value,
                    pin=(function, arg.call, name),
                )
                reached = self.expressions(arg.value, arg.scope, depth + 1, hops + 1)
                out += _prefixed(origin, reached)
            return out
        if binding.kind == "other" and binding.unpack is not None:
            return self._unpacked(name, binding, depth, hops)
        if binding.kind in ("import", "class", "function"):
            return []
        return []

    def _unpacked(self, name: str, binding: Binding, depth: int, hops: int) -> list[Reached]:
        """``for kind, bits in ((DSA, 1024), (RSA, 4096))`` and ``a, b = 1024, 3``."""
        node = binding.node
        scope = binding.scope
        assert scope is not None
        items: list[cst.BaseExpression] = []
        if isinstance(node, cst.For):
            container = self._container(node.iter, scope, depth)
            if container is None:
                return []
            items = [
                (e.key if isinstance(container, cst.Dict) else e.value)  # type: ignore[union-attr]
                for e in container.elements
                if not isinstance(e, (cst.StarredElement, cst.StarredDictElement))
            ]
        elif isinstance(node, (cst.Assign, cst.AnnAssign)) and node.value is not None:
            items = [node.value]
        out: list[Reached] = []
        for item in items:
            for whole in self._unpacked_items(item, scope, depth, hops):
                picked = _pick(whole.expr, binding.unpack or ())
                if picked is not None:
                    origin = Origin(f"`{name}` takes this value", node=picked)
                    reached = self.expressions(picked, whole.scope, depth + 1, hops)
                    out += _prefixed(origin, _prefixed_all(whole.origins, reached))
        return out

    def _unpacked_items(
        self, item: cst.BaseExpression, scope: Scope, depth: int, hops: int
    ) -> list[Reached]:
        """The literal tuples an unpacked value may be: itself, or what a call of the module's
        own function returns (``bits, e = params()``)."""
        if isinstance(item, cst.Call):
            return [
                r
                for r in self.expressions(item, scope, depth + 1, hops)
                if isinstance(r.expr, (cst.Tuple, cst.List))
            ]
        return [Reached(item, scope)]

    def _container(
        self, expr: cst.BaseExpression | None, scope: Scope, depth: int
    ) -> cst.Tuple | cst.List | cst.Dict | None:
        """The literal tuple, list or dict ``expr`` is (directly or through one assignment)."""
        if isinstance(expr, (cst.Tuple, cst.List, cst.Dict)):
            return expr
        if isinstance(expr, cst.Name) and depth < MAX_DEPTH:
            bindings = scope.live(expr.value)
            if len(bindings) == 1 and bindings[0].kind == "assign" and bindings[0].scope:
                return self._container(bindings[0].value, bindings[0].scope, depth + 1)
        return None

    def _subscript_values(
        self, expr: cst.Subscript, scope: Scope, depth: int, hops: int
    ) -> list[Const]:
        """``TABLE["bits"]`` and ``SIZES[0]`` of a literal dict or tuple."""
        if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
            return []
        container = self._container(expr.value, scope, depth)
        key = self.const(expr.slice[0].slice.value, scope, depth + 1)
        if container is None or key is None:
            return []
        item = _item(container, key.value)
        return self.values(item, scope, depth + 1, hops) if item is not None else []

    def _is_int_call(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> bool:
        return (
            isinstance(expr, cst.Call)
            and len(expr.args) == 1
            and not expr.args[0].star
            and expr.args[0].keyword is None
            and self.qualname(expr.func, scope, depth + 1) == "int"
        )

    def _entry_values(
        self, expr: cst.Subscript, scope: Scope, depth: int, hops: int
    ) -> list[Const]:
        """``options["bits"]`` after ``options["bits"] = 1024`` in the same function or module."""
        if not isinstance(expr.value, cst.Name) or len(expr.slice) != 1:
            return []
        index = expr.slice[0].slice
        if not isinstance(index, cst.Index) or not isinstance(index.value, cst.SimpleString):
            return []
        key = index.value.evaluated_value
        if not isinstance(key, str):
            return []
        entry = f"{expr.value.value}[{key!r}]"
        out: list[Const] = []
        for binding in scope.live(entry):
            if binding.kind == "assign" and binding.scope is not None:
                origin = Origin(f"`{expr.value.value}[{key!r}]` is set here", node=binding.node)
                for const in self.values(binding.value, binding.scope, depth + 1, hops):
                    out.append(Const(const.value, (origin, *const.origins)))
        return out

    @staticmethod
    def _is_get(call: cst.Call) -> bool:
        func = call.func
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value == "get"
            and 1 <= len(call.args) <= 2
        )

    def _get_values(self, call: cst.Call, scope: Scope, depth: int, hops: int) -> list[Const]:
        """``settings.get("iterations", 1000)`` on a literal dict: the entry, else the default."""
        func = call.func
        assert isinstance(func, cst.Attribute)
        container = self._container(func.value, scope, depth)
        key = self.const(call.args[0].value, scope, depth + 1)
        if not isinstance(container, cst.Dict) or key is None:
            return []
        item = _item(container, key.value)
        if item is not None:
            return self.values(item, scope, depth + 1, hops)
        if len(call.args) == 2:
            return self.values(call.args[1].value, scope, depth + 1, hops)
        return []

    def literals(self, expr: cst.BaseExpression, scope: Scope) -> list[Const]:
        """Every non-empty str/bytes literal ``expr`` can hold (see :meth:`literal`)."""
        found = [c for c in self.values(expr, scope) if _nonempty_text(c)]
        reached = self.expressions(expr, scope)
        found += self._decoded_literals(reached)
        if found:
            return _distinct(found)
        single = self.literal(expr, scope)
        if single is not None:
            return [single]
        return self._keyring_literals(expr, scope) or self._indexed_literals(reached)

    def _decoded_literals(self, reached_all: list[Reached]) -> list[Const]:
        """Literals an expression may hold through a decoding call on some path:
        ``KEY = bytes.fromhex("...")``, ``SECRET = "...".encode()``, ``b64decode(B64_KEY)``."""
        out: list[Const] = []
        for reached in reached_all:
            if not isinstance(reached.expr, cst.Call):
                continue
            found = self.literal(reached.expr, reached.scope)
            if found is not None:
                out.append(Const(found.value, (*reached.origins, *found.origins)))
        return out

    def _indexed_literals(self, reached_all: list[Reached]) -> list[Const]:
        """``KEYS[kid]`` of a literal table whose every entry is a non-empty str/bytes literal:
        whichever entry the index selects, the key is written in the code."""
        out: list[Const] = []
        for reached in reached_all:
            node = reached.expr
            if not isinstance(node, cst.Subscript) or len(node.slice) != 1:
                continue
            container = self._container(node.value, reached.scope, 0)
            items = _items(container) if container is not None else []
            entries = [(item, self.const(item, reached.scope)) for item in items]
            if not entries or not all(_nonempty_text(const) for _, const in entries):
                continue
            for item, const in entries:
                origin = Origin("table entry", node=item)
                out.append(Const(const.value, (*reached.origins, origin, *const.origins)))  # type: ignore[union-attr]
        return _distinct(out)

    def _keyring_literals(self, expr: cst.BaseExpression, scope: Scope) -> list[Const]:
        """The literal secrets of a keyring table: ``{name: secret}`` or ``{name: (alg, secret)}``."""
        container = self._container(expr, scope, 0)
        if not isinstance(container, cst.Dict):
            return []
        out: list[Const] = []
        for element in container.elements:
            if not isinstance(element, cst.DictElement):
                continue
            value = element.value
            if isinstance(value, cst.Tuple) and value.elements:
                value = value.elements[-1].value
            const = self.const(value, scope)
            if _nonempty_text(const):
                out.append(Const(const.value, (Origin("keyring entry", node=value),)))
        return out


def _nonempty_text(const: Const | None) -> bool:
    return const is not None and isinstance(const.value, (str, bytes)) and len(const.value) > 0


def _prefixed(origin: Origin, reached: list[Reached]) -> list[Reached]:
    return [Reached(r.expr, r.scope, (origin, *r.origins)) for r in reached]


def _literal_truth(expr: cst.BaseExpression, scope: Scope) -> bool | None:
    """The truth of a literal: ``True``/``False``/``None`` (not rebound), a number, a string."""
    if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
        return expr.value == "True" if not scope.lookup(expr.value) else None
    if isinstance(expr, (cst.Integer, cst.SimpleString)):
        try:
            return bool(ast.literal_eval(expr.value))
        except (ValueError, SyntaxError):
            return None
    return None


def _is_self(expr: cst.BaseExpression, scope: Scope) -> bool:
    return isinstance(expr, cst.Name) and expr.value == scope.self_name


def _own_method(klass: Scope, name: str) -> Scope | None:
    found = klass.bindings.get(name, [])
    if len(found) == 1 and found[0].kind == "function" and found[0].function is not None:
        return found[0].function
    return None


def _imported_bases(klass: Scope) -> list[str]:
    """Names of ``klass``'s bases that an import binds (``class Impl(KeyBase)``)."""
    node = klass.node
    if not isinstance(node, cst.ClassDef) or klass.parent is None:
        return []
    names = [a.value.value for a in node.bases if isinstance(a.value, cst.Name) and not a.keyword]
    return [n for n in names if any(b.kind == "import" for b in klass.parent.lookup(n))]


def _prefixed_all(origins: tuple[Origin, ...], reached: list[Reached]) -> list[Reached]:
    return [Reached(r.expr, r.scope, (*origins, *r.origins)) for r in reached]


def _distinct(consts: list[Const]) -> list[Const]:
    """The first of each value, at most MAX_VALUES of them."""
    seen: set[tuple[type, Value]] = set()
    out: list[Const] = []
    for const in consts:
        key = (type(const.value), const.value)
        if key not in seen:
            seen.add(key)
            out.append(const)
    return out[:MAX_VALUES]


def _names_parameter(expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> bool:
    """Whether an index expression reads a parameter of the function (``DSS_CURVES[crv]``)."""
    if depth > 8:
        return False
    if isinstance(expr, cst.Name):
        if expr.value == scope.self_name:
            return False  # ``self.kex_alg``: a field the object holds, not a caller's argument
        return any(b.kind == "param" for b in scope.live(expr.value))
    if isinstance(expr, cst.BinaryOperation):
        return _names_parameter(expr.left, scope, depth + 1) or _names_parameter(
            expr.right, scope, depth + 1
        )
    if isinstance(expr, (cst.Subscript, cst.Attribute)):
        return _names_parameter(expr.value, scope, depth + 1)
    if isinstance(expr, cst.Call):
        parts = [expr.func, *(a.value for a in expr.args)]
        return any(_names_parameter(p, scope, depth + 1) for p in parts)
    return False


def _items(container: cst.Tuple | cst.List | cst.Dict) -> list[cst.BaseExpression]:
    if isinstance(container, cst.Dict):
        return [e.value for e in container.elements if isinstance(e, cst.DictElement)]
    return [e.value for e in container.elements if not isinstance(e, cst.StarredElement)]


def _is_constant(node: cst.BaseExpression) -> bool:
    return isinstance(
        node,
        (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString, cst.FormattedString),
    )


def _literal_node(value: Value, names: bool) -> cst.BaseExpression:
    """A node standing for another module's table entry: the name it refers to, or its value."""
    if names and isinstance(value, str):
        return cst.Name(value)
    if isinstance(value, int):
        return cst.Integer(str(value))
    return cst.SimpleString(repr(value))


def _pick(item: cst.BaseExpression, path: tuple[int, ...]) -> cst.BaseExpression | None:
    for index in path:
        if not isinstance(item, (cst.Tuple, cst.List)) or index >= len(item.elements):
            return None
        element = item.elements[index]
        if isinstance(element, cst.StarredElement):
            return None
        item = element.value
    return item


def _item(container: cst.Tuple | cst.List | cst.Dict, key: Value) -> cst.BaseExpression | None:
    if isinstance(container, cst.Dict):
        for element in container.elements:
            if isinstance(element, cst.DictElement):
                found = _literal_key(element.key)
                if found is not None and found == key:
                    return element.value
        return None
    if isinstance(key, int) and -len(container.elements) <= key < len(container.elements):
        element = container.elements[key]
        return None if isinstance(element, cst.StarredElement) else element.value
    return None


def _literal_key(node: cst.BaseExpression) -> Value | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, (str, bytes)) else None
    if isinstance(node, cst.Integer):
        return int(node.value, 0) if node.value.isdigit() else None
    return None
