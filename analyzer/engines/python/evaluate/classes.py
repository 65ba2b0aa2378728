"""Classes of one module as a hierarchy: a field read through ``self``/``cls`` may hold the
class's own value, a base's, or any subclass's override (``curve = ec.SECP384R1()`` in a
subclass reaches ``self.curve`` in the base's method)."""

from __future__ import annotations

import libcst as cst

from analyzer.engines.python.walk.scopes import Binding, Scope, visible

# Subclass chains longer than this are not followed (a recursion cut on odd hierarchies).
MAX_CLASSES = 32


def _classes_beside(owner: Scope) -> list[Scope]:
    parent = owner.parent
    if parent is None:
        return []
    return [
        b.class_scope
        for bindings in parent.bindings.values()
        for b in bindings
        if b.kind == "class" and b.class_scope is not None
    ]


def _base_names(klass: Scope) -> list[str]:
    node = klass.node
    if not isinstance(node, cst.ClassDef):
        return []
    return [a.value.value for a in node.bases if isinstance(a.value, cst.Name) and not a.keyword]


def bases(owner: Scope) -> list[Scope]:
    """The classes ``owner`` inherits from that the same scope defines, nearest first."""
    by_name = {c.name: c for c in _classes_beside(owner)}
    out: list[Scope] = []
    pending = _base_names(owner)
    while pending and len(out) < MAX_CLASSES:
        base = by_name.get(pending.pop(0))
        if base is not None and base is not owner and base not in out:
            out.append(base)
            pending += _base_names(base)
    return out


def subclasses(owner: Scope) -> list[Scope]:
    """Classes of the same scope that inherit from ``owner`` (directly or not)."""
    return [c for c in _classes_beside(owner) if c is not owner and owner in bases(c)][:MAX_CLASSES]


def own_field(klass: Scope, attr: str) -> list[Binding]:
    """``attr = ...`` in the class body, ``self.attr = ...`` in its methods and
    ``obj.attr = ...`` on an instance; one overwritten later in the same block is dropped."""
    return [
        b
        for b in visible([*klass.bindings.get(attr, []), *klass.attrs.get(attr, [])])
        if b.kind != "function"
    ]


def field(klass: Scope, attr: str) -> list[Binding]:
    """What ``Klass.attr`` holds: the class's own field, else the nearest base's."""
    for owner in [klass, *bases(klass)]:
        found = own_field(owner, attr)
        if found:
            return found
    return []


def field_with_overrides(klass: Scope, attr: str) -> list[Binding]:
    """What ``self.attr`` may hold in a method of ``klass``: its field and every override."""
    out = list(field(klass, attr))
    for sub in subclasses(klass):
        out += own_field(sub, attr)
    return out
