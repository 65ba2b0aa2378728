"""Throwaway objects made only to see whether an algorithm works (a capability probe):
``_val = HMAC(b'some key', b'msg', 'md5')``, only its own methods called, then ``del _val`` in
the same block. Such an object protects nothing, so its literal key is no key.
"""

from __future__ import annotations

import libcst as cst


class _Blocks(cst.CSTVisitor):
    """Every statement list of a tree (module and indented bodies)."""

    def __init__(self) -> None:
        self.bodies: list[tuple[cst.BaseStatement, ...]] = []

    def visit_Module(self, node: cst.Module) -> None:
        self.bodies.append(tuple(node.body))

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.bodies.append(tuple(node.body))


def _small(statement: cst.BaseStatement) -> cst.BaseSmallStatement | None:
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        return statement.body[0]
    return None


def _assigned_name(statement: cst.BaseStatement, call: cst.Call) -> str | None:
    small = _small(statement)
    if not isinstance(small, cst.Assign) or small.value is not call or len(small.targets) != 1:
        return None
    target = small.targets[0].target
    return target.value if isinstance(target, cst.Name) else None


def _deletes(small: cst.BaseSmallStatement | None, name: str) -> bool:
    return (
        isinstance(small, cst.Del)
        and isinstance(small.target, cst.Name)
        and small.target.value == name
    )


def _own_method_call(small: cst.BaseSmallStatement | None, name: str) -> bool:
    """``name.digest()`` as a statement: a method of the object, its result discarded."""
    if not isinstance(small, cst.Expr) or not isinstance(small.value, cst.Call):
        return False
    func = small.value.func
    return (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value == name
        and not any(_mentions(arg.value, name) for arg in small.value.args)
    )


def _mentions(node: cst.CSTNode, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


def is_probe(root: cst.CSTNode, call: cst.Call) -> bool:
    """Whether ``call`` makes an object that is only probed and then deleted in its block."""
    blocks = _Blocks()
    root.visit(blocks)
    for body in blocks.bodies:
        for index, statement in enumerate(body):
            name = _assigned_name(statement, call)
            if name is None:
                continue
            for later in body[index + 1 :]:
                small = _small(later)
                if _deletes(small, name):
                    return True
                if not _own_method_call(small, name):
                    return False
            return False
    return False
