"""Calls made where a test expects failure: inside ``with pytest.raises(...)`` or
``self.assertRaises(...)``, or in the arguments of their callable form. Such a call makes no key.
"""

from __future__ import annotations

import libcst as cst

from analyzer.engines.python.walk.fast import walk
from analyzer.engines.python.walk.imports import dotted


def is_expectation(call: cst.BaseExpression, names: frozenset[str]) -> bool:
    """``pytest.raises(...)``, ``self.assertRaises(...)``, ``raises(...)`` ..."""
    if not isinstance(call, cst.Call):
        return False
    name = dotted(call.func)
    return bool(name) and (name in names or name.rsplit(".", 1)[-1] in names)


class _Expectations(cst.CSTVisitor):
    def __init__(self, names: frozenset[str]) -> None:
        self.names = names
        self.depth = 0
        self.inside: set[int] = set()
        self.blocks: list[bool] = []
        self.calls: list[bool] = []

    def visit_With(self, node: cst.With) -> None:
        expects = any(is_expectation(item.item, self.names) for item in node.items)
        self.blocks.append(expects)
        self.depth += expects

    def leave_With(self, original_node: cst.With) -> None:
        self.depth -= self.blocks.pop()

    def visit_Call(self, node: cst.Call) -> None:
        if self.depth:
            self.inside.add(id(node))
        expects = is_expectation(node, self.names)
        self.calls.append(expects)
        self.depth += expects

    def leave_Call(self, original_node: cst.Call) -> None:
        self.depth -= self.calls.pop()


def expected_failures(module: cst.CSTNode, names: frozenset[str]) -> set[int]:
    """Ids of the calls made inside an expectation of failure."""
    visitor = _Expectations(names)
    walk(module, visitor)
    return visitor.inside
