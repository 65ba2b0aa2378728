"""Prohibited algorithms chosen as values, not only called (KG403 at the reference).

A cipher table (``{"3des-cbc": TripleDES}``, ``(b"3des-cbc", (TripleDES, 24, modes.CBC))``), a
default argument (``def make(cipher=DES3)``), a keyword (``Suite(cipher=Blowfish)``), a return
value, ``getattr(algorithms, "ARC4")`` or an assignment that later builds a cipher chooses the
algorithm. An import, an ``isinstance`` check, a registration or deprecation call (positional
arguments), and a table whose name says it lists what to refuse (``DEPRECATED_CIPHERS``) do not.
"""

from __future__ import annotations

from functools import cache

import libcst as cst

from analyzer.catalogue.ids import PROHIBITED_ALGORITHM
from analyzer.engines.python.checks.context import CheckContext, short
from analyzer.engines.python.evaluate.callees import chosen_at
from analyzer.engines.python.key_facts import KeyFacts, key_facts
from analyzer.engines.python.table import Table
from analyzer.engines.python.walk.fast import walk
from analyzer.engines.python.walk.imports import dotted
from analyzer.engines.python.walk.names import split_words
from analyzer.engines.python.walk.scopes import Scope
from analyzer.knowledge.algorithms import algorithms

Reference = tuple[cst.BaseExpression, Scope, str]


@cache
def reference_names() -> dict[str, str]:
    """Qualified name of every prohibited class, callable or module -> the algorithm it is."""
    names: dict[str, str] = {}
    for algorithm in algorithms():
        for spelling in algorithm.spelled("python"):
            names.setdefault(spelling, algorithm.name)
            if spelling.endswith(".new"):
                names.setdefault(spelling.removesuffix(".new"), algorithm.name)
    return names


def _canonical(qualname: str, table: Table) -> str:
    for prefix, target, _library in table.namespaces:
        if qualname.startswith(prefix):
            return target + qualname[len(prefix) :]
    return qualname


@cache
def _roots() -> frozenset[str]:
    """The imports that make a reference possible: a name's module, the name, or below it."""
    roots: set[str] = set()
    for name in reference_names():
        parts = name.split(".")
        roots.update(".".join(parts[:i]) for i in range(max(1, len(parts) - 1), len(parts) + 1))
    return frozenset(roots)


def _values(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The expressions a value position can take (both branches of a conditional)."""
    if isinstance(expr, cst.IfExp):
        return [*_values(expr.body), *_values(expr.orelse)]
    return [expr]


class _References(cst.CSTVisitor):
    """Names and attributes in the positions that choose a value, with the scope they are in."""

    def __init__(self, scopes: dict[int, Scope], module: Scope, facts: KeyFacts) -> None:
        self.scopes = scopes
        self.stack = [module]
        self.facts = facts
        self.ignored = 0
        self.excluded: list[bool] = []
        self.found: list[Reference] = []
        self.kinds = ["module"]
        self.assigned: list[tuple[cst.BaseExpression, cst.BaseExpression, Scope, bool]] = []
        self.getattrs: list[tuple[cst.Call, Scope]] = []

    @property
    def in_class(self) -> bool:
        return self.kinds[-1] == "class"

    def _excluded_name(self, name: str) -> bool:
        return any(w in self.facts.reference_exclude_words for w in split_words(name))

    def _add(self, expr: cst.BaseExpression | None) -> None:
        if expr is None or self.ignored or any(self.excluded):
            return
        for value in _values(expr):
            if isinstance(value, (cst.Name, cst.Attribute)):
                self.found.append((value, self.stack[-1], ""))

    # scopes and excluded names
    def _enter(self, node: cst.FunctionDef | cst.ClassDef) -> None:
        self.stack.append(self.scopes.get(id(node), self.stack[-1]))
        self.kinds.append("class" if isinstance(node, cst.ClassDef) else "function")
        self.excluded.append(self._excluded_name(node.name.value))

    def _leave(self) -> None:
        self.stack.pop()
        self.kinds.pop()
        self.excluded.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        for param in [*node.params.params, *node.params.kwonly_params, *node.params.posonly_params]:
            self._add(param.default)
        self._enter(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._leave()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._enter(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._leave()

    def _targets_excluded(self, targets: list[cst.BaseExpression]) -> bool:
        for target in targets:
            name = target.attr.value if isinstance(target, cst.Attribute) else dotted(target)
            if name and self._excluded_name(name):
                return True
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        targets = [t.target for t in node.targets]
        self.excluded.append(self._targets_excluded(targets))
        if not self.ignored and not any(self.excluded):
            for target in targets:
                for value in _values(node.value):
                    self.assigned.append((target, value, self.stack[-1], self.in_class))

    def leave_Assign(self, original_node: cst.Assign) -> None:
        self.excluded.pop()

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.excluded.append(self._targets_excluded([node.target]))
        if node.value is not None and not any(self.excluded):
            for value in _values(node.value):
                self.assigned.append((node.target, value, self.stack[-1], self.in_class))

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        self.excluded.pop()

    # value positions
    def visit_DictElement(self, node: cst.DictElement) -> None:
        self._add(node.value)

    def visit_Element(self, node: cst.Element) -> None:
        self._add(node.value)

    def visit_Return(self, node: cst.Return) -> None:
        self._add(node.value)

    def visit_Call(self, node: cst.Call) -> None:
        name = dotted(node.func)
        ignored = bool(name) and (
            name in self.facts.reference_ignore_calls
            or name.rsplit(".", 1)[-1] in self.facts.reference_ignore_calls
        )
        self.ignored += ignored
        if name == "getattr" and not self.ignored:
            self.getattrs.append((node, self.stack[-1]))
        for arg in node.args:
            if arg.keyword is not None:
                self._add(arg.value)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        self.ignored += 1

    def leave_Comparison(self, original_node: cst.Comparison) -> None:
        self.ignored -= 1

    def leave_Call(self, original_node: cst.Call) -> None:
        name = dotted(original_node.func)
        if name and (
            name in self.facts.reference_ignore_calls
            or name.rsplit(".", 1)[-1] in self.facts.reference_ignore_calls
        ):
            self.ignored -= 1


def _known_scopes(ctx: CheckContext) -> dict[int, Scope]:
    """The function and class scopes the walk recorded, by the id of their defining node."""
    scopes: dict[int, Scope] = {}
    pending = [scope for _, scope in ctx.collected.calls]
    pending += [sink.scope for sink in ctx.collected.sinks]
    while pending:
        scope: Scope | None = pending.pop()
        while scope is not None and scope.node is not None and id(scope.node) not in scopes:
            scopes[id(scope.node)] = scope
            scope = scope.parent
    return scopes


def _used_as_callee(target: cst.BaseExpression, ctx: CheckContext) -> bool:
    """Is the assigned name called (``alg(key)``) or its ``new`` taken (``alg.new(key)``) later?"""
    wanted = dotted(target)
    if not wanted:
        return False
    for call, _scope in ctx.collected.calls:
        func = call.func
        name = dotted(func)
        if name == wanted or (isinstance(func, cst.Attribute) and dotted(func.value) == wanted):
            return True
        if name.endswith(f".{wanted}") and name.split(".")[0] in ("self", "cls"):
            return True
    return False


def check_algorithm_references(ctx: CheckContext) -> None:
    """KG403 at a prohibited algorithm class or module chosen as a value."""
    names = reference_names()
    roots = _roots()
    imports = {_canonical(f"{i}.", ctx.table)[:-1] for i in ctx.collected.imports}
    if not imports & roots:
        return
    module_scope = ctx.collected.module_scope
    module = module_scope.node
    if module is None:
        return
    visitor = _References(_known_scopes(ctx), module_scope, key_facts())
    walk(module, visitor)
    reported: set[int] = set()

    def report(node: cst.BaseExpression, qual: str, algorithm: str, how: str) -> None:
        if id(node) in reported:
            return
        reported.add(id(node))
        ctx.report(
            PROHIBITED_ALGORITHM,
            node,
            f"`{short(qual)}` ({algorithm}) is {how}: the standard prohibits {algorithm}",
            {"api": qual, "algorithm": algorithm},
        )

    def resolve(expr: cst.BaseExpression, scope: Scope) -> tuple[str, str] | None:
        qual = ctx.evaluator.qualname(expr, scope)
        if qual is None or not isinstance(expr, (cst.Name, cst.Attribute)):
            return None
        root: cst.BaseExpression = expr
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name) or not any(
            b.kind == "import" for b in scope.lookup(root.value)
        ):
            return None
        canonical = _canonical(qual, ctx.table)
        return (qual, names[canonical]) if canonical in names else None

    for expr, scope, _ in visitor.found:
        found = resolve(expr, scope)
        if found is not None:
            report(expr, found[0], found[1], "chosen as a value")
    for target, value, scope, in_class in visitor.assigned:
        found = resolve(value, scope)
        if found is None:
            continue
        if in_class or _used_as_callee(target, ctx):
            report(value, found[0], found[1], "assigned and later used to build a cipher")
    for call, scope in visitor.getattrs:
        args = [a for a in call.args if a.keyword is None]
        if len(args) < 2:
            continue
        base = ctx.evaluator.qualname(args[0].value, scope)
        attr = ctx.evaluator.const(args[1].value, scope)
        if base is None or attr is None or not isinstance(attr.value, str):
            continue
        qual = f"{base}.{attr.value}"
        canonical = _canonical(qual, ctx.table)
        if canonical in names:
            report(call, qual, names[canonical], "looked up by name")


def merge_builds_into_references(ctx: CheckContext) -> None:
    """One result per misuse: a cipher built from a prohibited algorithm that a reported
    reference chose (``cls = getattr(algorithms, "ARC4")`` then ``cls(key)``) is a related
    location of the reference's finding, not a finding of its own."""
    references = {
        id(f.node): f
        for f in ctx.findings
        if f.rule_id == PROHIBITED_ALGORITHM and id(f.node) not in ctx.api_calls
    }
    if not references:
        return
    scopes = {id(call): scope for call, scope in ctx.collected.calls}
    kept = []
    for finding in ctx.findings:
        node = finding.node
        if (
            finding.rule_id == PROHIBITED_ALGORITHM
            and isinstance(node, cst.Call)
            and id(node) in ctx.api_calls
            and id(node) in scopes
        ):
            algorithm = finding.facts.get("algorithm")
            chosen = [
                references[source]
                for source in chosen_at(ctx.evaluator, node.func, scopes[id(node)])
                if source in references and references[source].facts.get("algorithm") == algorithm
            ]
            if chosen:
                api = short(str(finding.facts.get("api", "")))
                chosen[0].related.append((node, f"the cipher is built here by `{api}`"))
                continue
        kept.append(finding)
    ctx.findings = kept
