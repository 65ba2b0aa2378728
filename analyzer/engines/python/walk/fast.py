"""A read-only walk that calls a ``CSTVisitor``'s ``visit_``/``leave_`` methods on the nodes and in
the order LibCST's own ``visit`` does, without rebuilding the tree.

LibCST's ``visit`` constructs and validates a copy of every node it passes, even for a visitor
that changes nothing; that costs more than the walk's own work. The order in which a node's
children are visited is the order of the ``visit_*`` calls in its class's
``_visit_and_replace_children`` (read from its byte code), once per class. A class whose order cannot
be read, and a visitor with per-attribute hooks, are walked by LibCST itself.
"""

from __future__ import annotations

import dis
import types
from collections.abc import Callable
from typing import Any

import libcst as cst

_ORDERS: dict[type, tuple[str, ...] | None] = {}


def _read_order(cls: type) -> tuple[str, ...] | None:
    """The fields ``cls`` visits, in order (None when its visiting code cannot be read): the
    field name each ``visit_*(self, "field", ...)`` call passes, in the order of the byte code
    (source order; reading the byte code costs a quarter of parsing the source)."""
    try:
        code = cls._visit_and_replace_children.__code__  # type: ignore[attr-defined]
    except AttributeError:
        return None
    if any(isinstance(const, types.CodeType) for const in code.co_consts):
        return None  # a nested function or comprehension: its calls are not in this order
    fields: list[str] = []
    calling = False
    for ins in dis.get_instructions(code):
        if ins.opname == "LOAD_GLOBAL" and str(ins.argval).startswith("visit_"):
            calling = True
        elif calling and ins.opname == "LOAD_CONST" and isinstance(ins.argval, str):
            fields.append(ins.argval)
            calling = False
    return tuple(dict.fromkeys(fields))


def _order(cls: type) -> tuple[str, ...] | None:
    if cls not in _ORDERS:
        _ORDERS[cls] = _read_order(cls)
    return _ORDERS[cls]


_PLAIN: dict[type, bool] = {}


def _plain(visitor: cst.CSTVisitor) -> bool:
    """The visitor dispatches as ``CSTVisitor`` does and has no per-attribute hooks."""
    kind = type(visitor)
    if kind not in _PLAIN:
        _PLAIN[kind] = _dispatches_plainly(kind)
    return _PLAIN[kind]


def _dispatches_plainly(kind: type) -> bool:
    if any(
        getattr(kind, hook) is not getattr(cst.CSTVisitor, hook)
        for hook in ("on_visit", "on_leave", "on_visit_attribute", "on_leave_attribute")
    ):
        return False
    return all(n.count("_") == 1 for n in _own_hooks(kind))


def _own_hooks(kind: type) -> list[str]:
    """The ``visit_``/``leave_`` methods the visitor class defines over ``CSTVisitor``'s."""
    return [
        n
        for n in dir(kind)
        if n.startswith(("visit_", "leave_"))
        and getattr(kind, n) is not getattr(cst.CSTVisitor, n, None)
    ]


# LibCST's whitespace and token nodes (a third of a tree's nodes are ``SimpleWhitespace``):
# subtrees of nothing but whitespace, which a visitor without hooks for them never needs.
_TRIVIA_MODULES = ("libcst._nodes.whitespace", "libcst._nodes.op")
_TRIVIA = frozenset(
    cls
    for cls in vars(cst).values()
    # the MRO, not issubclass: an ABC's negative answer walks every subclass it has
    if isinstance(cls, type) and cls.__module__ in _TRIVIA_MODULES and cst.CSTNode in cls.__mro__
)
# How ``walk`` treats a child value, by its type: skipped, visited, or iterated.
_SKIP, _NODE, _ITEMS = 0, 1, 2


_KINDS: dict[type, dict[type, int]] = {}


def _kinds(visitor: cst.CSTVisitor) -> dict[type, int]:
    """Per visitor class: the whitespace and token classes it has no hook for, marked to be
    skipped (other types are added as the walks meet them)."""
    kind = type(visitor)
    if kind not in _KINDS:
        hooked = {n.partition("_")[2] for n in _own_hooks(kind)}
        _KINDS[kind] = {cls: _SKIP for cls in _TRIVIA if cls.__name__ not in hooked}
    return _KINDS[kind]


def _kind(value: object) -> int:
    if isinstance(value, cst.CSTNode):
        return _NODE
    return _ITEMS if isinstance(value, (tuple, list)) else _SKIP


def walk(module: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """``module.visit(visitor)`` for a visitor that only reads the tree."""
    if not _plain(visitor):
        module.visit(visitor)
        return
    hooks: dict[type, tuple[Callable[[Any], Any] | None, Callable[[Any], Any] | None]] = {}
    kinds = _kinds(visitor)

    def visit(node: cst.CSTNode) -> None:
        cls = type(node)
        pair = hooks.get(cls)
        if pair is None:
            name = cls.__name__
            pair = hooks[cls] = (
                getattr(visitor, f"visit_{name}", None),
                getattr(visitor, f"leave_{name}", None),
            )
        order = _order(cls)
        if order is None:
            node.visit(visitor)  # LibCST walks this subtree and calls the hooks itself
            return
        enter, leave = pair
        if enter is None or enter(node) is not False:
            for field in order:
                value = getattr(node, field)
                kind = kinds.get(type(value))
                if kind is None:
                    kind = kinds[type(value)] = _kind(value)
                if kind == _NODE:
                    visit(value)
                elif kind == _ITEMS:
                    for item in value:
                        item_kind = kinds.get(type(item))
                        if item_kind is None:
                            item_kind = kinds[type(item)] = _kind(item)
                        if item_kind == _NODE:
                            visit(item)
        if leave is not None:
            leave(node)

    visit(module)
