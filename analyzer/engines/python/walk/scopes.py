"""Scopes and bindings recorded by the single walk over a module."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

ScopeKind = Literal["module", "class", "function"]
BindingKind = Literal["assign", "param", "import", "class", "other"]


@dataclass(eq=False)
class Binding:
    """One binding of a name: an assignment, a parameter, an import, a class or anything else."""

    kind: BindingKind
    node: cst.CSTNode
    value: cst.BaseExpression | None = None
    scope: Scope | None = None
    qualname: str | None = None
    import_from: tuple[int, str, str | None] | None = None
    class_scope: Scope | None = None


@dataclass(eq=False)
class Scope:
    """A module, class or function body and the names bound in it."""

    kind: ScopeKind
    name: str
    parent: Scope | None
    node: cst.CSTNode | None = None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    attrs: dict[str, list[Binding]] = field(default_factory=dict)
    enclosing_class: Scope | None = None
    self_name: str | None = None

    def bind(self, name: str, binding: Binding) -> None:
        binding.scope = binding.scope or self
        self.bindings.setdefault(name, []).append(binding)

    def lookup(self, name: str) -> list[Binding]:
        """Bindings of ``name`` following Python's rules (class bodies are not enclosing)."""
        scope: Scope | None = self
        first = True
        while scope is not None:
            if (first or scope.kind != "class") and name in scope.bindings:
                return scope.bindings[name]
            first = False
            scope = scope.parent
        return []

    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope
