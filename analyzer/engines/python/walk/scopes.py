"""Scopes and bindings recorded by the single walk over a module."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

ScopeKind = Literal["module", "class", "function"]
BindingKind = Literal["assign", "param", "import", "class", "function", "other"]


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
    # The function a parameter belongs to, or the body of a ``def`` (kind "function").
    function: Scope | None = None
    # For a name bound by unpacking (``for kind, bits in TABLE``): its index path in the target.
    unpack: tuple[int, ...] | None = None
    # The statement block the binding is in and its order in the walk: a later binding in the
    # same block hides an earlier one (``key = b"..."`` then ``key = load()``).
    block: int = 0
    order: int = 0
    # The assigned value reads the name it replaces (``data = md5(data)``, ``bits *= 2``).
    reads_itself: bool = False


@dataclass
class Cursor:
    """Where the walk is: the innermost statement block and a counter ordering bindings."""

    block: int = 0
    order: int = 0


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
    # Functions: parameter names in positional order, keyword-only names, returned expressions.
    positional: list[str] = field(default_factory=list)
    keyword_only: list[str] = field(default_factory=list)
    returns: list[cst.BaseExpression] = field(default_factory=list)
    cursor: Cursor | None = None
    # Modules: ``(level, module)`` of each ``from module import *``, in order.
    stars: list[tuple[int, str]] = field(default_factory=list)
    # Modules: the scope of each lambda, by the id of its node.
    lambdas: dict[int, Scope] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.cursor is None:
            self.cursor = self.parent.cursor if self.parent is not None else Cursor()

    def bind(self, name: str, binding: Binding) -> None:
        binding.scope = binding.scope or self
        self.stamp(binding)
        self.bindings.setdefault(name, []).append(binding)

    def stamp(self, binding: Binding) -> None:
        """Record where the walk is as the binding's block and order."""
        cursor = self.cursor
        if cursor is not None:
            cursor.order += 1
            binding.block, binding.order = cursor.block, cursor.order

    def live(self, name: str) -> list[Binding]:
        """Bindings of ``name`` that some path can still see (see :func:`visible`)."""
        return visible(self.lookup(name))

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


def visible(bindings: list[Binding]) -> list[Binding]:
    """The bindings some path can still see: an earlier binding in the same block as a later
    one is overwritten on every path and dropped."""
    if len(bindings) < 2:
        return bindings
    last: dict[int, int] = {}
    for binding in bindings:
        # ``crap = md5(crap).digest()`` reads the binding it replaces: both stay.
        if not binding.reads_itself:
            last[binding.block] = max(last.get(binding.block, -1), binding.order)
    return [b for b in bindings if b.order >= last.get(b.block, -1)]
