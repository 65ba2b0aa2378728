"""The single walk over a module: scopes, bindings, calls and the places that hold secrets."""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass, field

import libcst as cst

from analyzer.engines.python.table import Table
from analyzer.engines.python.walk.imports import bind_import, bind_import_from, dotted
from analyzer.engines.python.walk.names import NameKind, secret_kind, split_words
from analyzer.engines.python.walk.scopes import Binding, Scope


@dataclass(eq=False)
class Sink:
    """A place that says "this value is a secret": a secret-like name, keyword or dict key."""

    value: cst.BaseExpression
    scope: Scope
    kind: NameKind
    label: str
    node: cst.CSTNode
    # An argument of a known crypto API (its own checks judge it), not a secret-like name.
    api_argument: bool = False
    # For a keyword argument: the call it is passed to.
    call: cst.Call | None = None


@dataclass
class Collected:
    """What the walk recorded for the rules to evaluate."""

    module_scope: Scope
    calls: list[tuple[cst.Call, Scope]] = field(default_factory=list)
    sinks: list[Sink] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    references: list[tuple[cst.BaseExpression, Scope]] = field(default_factory=list)
    # Values assigned to names that say prime/modulus/group (candidate DH groups).
    # id(call) -> ids of the def/class statements around it, innermost last.
    enclosing: dict[int, tuple[int, ...]] = field(default_factory=dict)


def _string_value(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def subscript_name(base: str, key: str) -> str:
    """The pseudo-name under which ``base["key"] = value`` is bound."""
    return f"{base}[{key!r}]"


# Calls whose arguments test a value's type rather than choose it.
TYPE_TESTS = frozenset({"isinstance", "issubclass", "type"})


def _reference_candidates(value: cst.BaseExpression) -> list[cst.BaseExpression]:
    """Names and attribute chains a value position holds (both arms of a conditional)."""
    if isinstance(value, (cst.Name, cst.Attribute)):
        return [value]
    if (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Name)
        and value.func.value == "getattr"
    ):
        return [value]
    if isinstance(value, cst.IfExp):
        return [*_reference_candidates(value.body), *_reference_candidates(value.orelse)]
    return []


def _constant_truth(test: cst.BaseExpression) -> bool | None:
    """The truth of a condition written as ``True``, ``False`` or a number literal."""
    if isinstance(test, cst.Name) and test.value in ("True", "False"):
        return test.value == "True"
    if isinstance(test, cst.Integer):
        return ast.literal_eval(test.value) != 0
    return None


class Collector(cst.CSTVisitor):
    """Builds the scope tree and records calls and secret sinks in one traversal."""

    def __init__(self, table: Table, module: cst.Module) -> None:
        self.table = table
        self.scope = Scope("module", "<module>", None, module)
        self.result = Collected(self.scope)
        self.blocks: list[int] = [id(module)]
        self.reading: list[Counter[str]] = []
        self.definitions: list[int] = []
        self._set_block(id(module))

    def _set_block(self, block: int) -> None:
        if self.scope.cursor is not None:
            self.scope.cursor.block = block

    # -- statement blocks (a later binding in the same block hides an earlier one) -------------
    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.blocks.append(id(node))
        self._set_block(id(node))

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self.blocks.pop()
        self._set_block(self.blocks[-1])

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self.blocks.append(id(node))
        self._set_block(id(node))

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        self.blocks.pop()
        self._set_block(self.blocks[-1])

    # -- scopes -------------------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.definitions.append(id(node))
        inner = Scope("class", node.name.value, self.scope, node)
        self.scope.bind(node.name.value, Binding("class", node, class_scope=inner))
        self.scope = inner

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.definitions.pop()
        self.scope = self.scope.parent or self.scope

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.definitions.append(id(node))
        outer = self.scope
        inner = Scope("function", node.name.value, outer, node)
        outer.bind(node.name.value, Binding("function", node, function=inner))
        self._set_block(id(node.body))
        self._enter_function(inner, node.params)

    def _enter_function(self, inner: Scope, params: cst.Parameters) -> None:
        """Bind the parameters of a ``def`` or ``lambda`` and walk into its body."""
        outer = self.scope
        positional = [*params.posonly_params, *params.params]
        inner.positional = [p.name.value for p in positional]
        inner.keyword_only = [p.name.value for p in params.kwonly_params]
        if outer.kind == "class" and positional and isinstance(inner.node, cst.FunctionDef):
            inner.enclosing_class = outer
            inner.self_name = positional[0].name.value
        elif outer.kind == "function":
            inner.enclosing_class = outer.enclosing_class
            inner.self_name = outer.self_name
        for param in [*positional, *params.kwonly_params]:
            inner.bind(
                param.name.value,
                Binding("param", param, value=param.default, scope=outer, function=inner),
            )
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                inner.bind(star.name.value, Binding("other", star))
        self._set_block(self.blocks[-1])
        self.scope = inner

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.definitions.pop()
        self.scope = self.scope.parent or self.scope

    def visit_Lambda(self, node: cst.Lambda) -> None:
        """A lambda is a function whose body is its return value (``gen = lambda b: ...``)."""
        inner = Scope("function", "<lambda>", self.scope, node)
        inner.returns.append(node.body)
        self.scope.module().lambdas[id(node)] = inner
        self._enter_function(inner, node.params)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.scope = self.scope.parent or self.scope

    def visit_If(self, node: cst.If) -> bool:
        """``if False:`` (or ``if 0:``) never runs, nor the ``else`` of ``if True:``: Python
        drops those blocks when it compiles the module, so they are not walked."""
        truth = _constant_truth(node.test)
        if truth is None:
            return True
        node.test.visit(self)
        if truth:
            node.body.visit(self)
        elif node.orelse is not None:
            node.orelse.visit(self)
        return False

    # -- bindings -----------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        bind_import(node, self.scope)
        self.result.imports.extend(dotted(alias.name) for alias in node.names)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        bind_import_from(node, self.scope)
        if (
            node.module is not None
            and not node.relative
            and not isinstance(node.names, cst.ImportStar)
        ):
            base = dotted(node.module)
            self.result.imports.extend(f"{base}.{dotted(a.name)}" for a in node.names)

    def visit_Global(self, node: cst.Global) -> None:
        module = self.scope.module()
        for item in node.names:
            module.bind(item.name.value, Binding("other", node))

    def _bind_target(
        self,
        target: cst.BaseExpression,
        node: cst.CSTNode,
        value: cst.BaseExpression | None,
        single: bool,
        unpack: tuple[int, ...] | None = None,
    ) -> None:
        if isinstance(target, cst.Name):
            kind = "assign" if single and value is not None else "other"
            binding = Binding(kind, node, value=value if single else None, unpack=unpack)
            self.scope.bind(target.value, binding)
            label = target.value
        elif isinstance(target, (cst.Tuple, cst.List)):
            for index, element in enumerate(target.elements):
                inner = (*unpack, index) if unpack is not None else None
                if isinstance(element.value, cst.StarredElement):
                    inner = None
                self._bind_target(element.value, node, None, False, inner)
            return
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, node, None, False)
            return
        elif isinstance(target, cst.Attribute):
            label = target.attr.value
            owner = self._field_owner(target.value)
            if owner is not None:
                kind = "assign" if single and value is not None else "other"
                binding = Binding(kind, node, value=value if single else None, scope=self.scope)
                self.scope.stamp(binding)
                owner.attrs.setdefault(label, []).append(binding)
        elif isinstance(target, cst.Subscript) and len(target.slice) == 1:
            index = target.slice[0].slice
            key = _string_value(index.value) if isinstance(index, cst.Index) else None
            if key is None:
                return
            label = key
            if isinstance(target.value, cst.Name) and value is not None and single:
                # ``options["bits"] = 1024``: a binding of the entry, read by options["bits"].
                entry = subscript_name(target.value.value, key)
                self.scope.bind(entry, Binding("assign", node, value=value))
        else:
            return
        if value is not None:
            self._sink(value, label, node)

    def _field_owner(self, obj: cst.BaseExpression) -> Scope | None:
        """The class whose field ``obj.attr = ...`` sets: ``self``'s class, or the class of
        this module that ``obj`` was built from once (``runner = Runner()``)."""
        if not isinstance(obj, cst.Name):
            return None
        if obj.value == self.scope.self_name:
            return self.scope.enclosing_class
        made = self.scope.lookup(obj.value)
        if len(made) != 1 or made[0].kind != "assign" or not isinstance(made[0].value, cst.Call):
            return None
        func = made[0].value.func
        classes = self.scope.lookup(func.value) if isinstance(func, cst.Name) else []
        if len(classes) == 1 and classes[0].kind == "class":
            return classes[0].class_scope
        return None

    def _sink(
        self,
        value: cst.BaseExpression,
        label: str,
        node: cst.CSTNode,
        call: cst.Call | None = None,
    ) -> None:
        kind = secret_kind(label.removesuffix("()"), self.table)
        if kind is not None and not self._excluded_context():
            self.result.sinks.append(Sink(value, self.scope, kind, label, node, call=call))

    def _excluded_context(self) -> bool:
        scope: Scope | None = self.scope
        while scope is not None and scope.kind != "module":
            if any(w in self.table.exclude_contexts for w in split_words(scope.name)):
                return True
            scope = scope.parent
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        self._reference(node.value)
        single = len(node.targets) == 1
        for target in node.targets:
            self._bind_target(target.target, node, node.value, single, () if single else None)
        self.reading.append(Counter())

    def leave_Assign(self, original_node: cst.Assign) -> None:
        read = self.reading.pop()
        for target in original_node.targets:
            if isinstance(target.target, cst.Name) and read[target.target.value] > 1:
                for binding in self.scope.bindings.get(target.target.value, [])[-1:]:
                    binding.reads_itself = True

    def visit_Name(self, node: cst.Name) -> None:
        if self.reading:
            self.reading[-1][node.value] += 1

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._reference(node.value)
        self._bind_target(node.target, node, node.value, node.value is not None)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            binding = Binding("other", node, value=node.value, reads_itself=True)
            self.scope.bind(node.target.value, binding)
            self._sink(node.value, node.target.value, node)
        else:
            self._bind_target(node.target, node, None, False)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target, node, None, False)

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target, node, None, False, ())

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name, node, None, False)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self.scope.bind(node.name.name.value, Binding("other", node))

    def visit_Del(self, node: cst.Del) -> None:
        self._bind_target(node.target, node, None, False)

    # -- uses ---------------------------------------------------------------------------------
    def _reference(self, value: cst.BaseExpression | None) -> None:
        """Record a class, function or module chosen as a value (a table entry, a default ...)."""
        if value is not None:
            for candidate in _reference_candidates(value):
                self.result.references.append((candidate, self.scope))

    def visit_Call(self, node: cst.Call) -> None:
        self.result.calls.append((node, self.scope))
        if self.definitions:
            self.result.enclosing[id(node)] = tuple(self.definitions)
        type_test = isinstance(node.func, cst.Name) and node.func.value in TYPE_TESTS
        for arg in node.args:
            if arg.keyword is not None:
                self._sink(arg.value, arg.keyword.value, arg, node)
            if not type_test:
                self._reference(arg.value)

    def visit_Element(self, node: cst.Element) -> None:
        self._reference(node.value)

    def visit_Param(self, node: cst.Param) -> None:
        self._reference(node.default)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        self._reference(node.value)
        key = _string_value(node.key)
        if key is not None:
            self._sink(node.value, key, node)

    def visit_Return(self, node: cst.Return) -> None:
        self._reference(node.value)
        if node.value is not None and self.scope.kind == "function":
            self.scope.returns.append(node.value)
            self._sink(node.value, f"{self.scope.name}()", node)
