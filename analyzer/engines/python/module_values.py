"""Values a module's top level binds: constants, literal tables and the names a star import
binds, read from its ``ast`` without running it."""

from __future__ import annotations

import ast
import base64
import binascii
import operator
from dataclasses import dataclass

_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.Pow: operator.pow,
}


@dataclass(frozen=True)
class ExternalConstant:
    """A module-level constant of another file: its value and where it was assigned."""

    value: int | str | bytes
    path: str
    line: int
    column: int


@dataclass(frozen=True)
class TableEntry:
    """One entry of a module-level literal table: its key (dicts), and its value or, when
    ``names``, the last part of the name it refers to (``ec.SECP256R1()`` -> ``SECP256R1``)."""

    key: int | str | bytes | None
    value: int | str | bytes
    names: bool
    path: str
    line: int
    column: int


def _named(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call) and not node.args and not node.keywords:
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else None


def tables_of_tree(tree: ast.Module, rel_path: str) -> dict[str, tuple[TableEntry, ...]]:
    """Module-level names assigned once (anywhere in the module) to a literal dict, tuple or
    list, with their entries."""
    candidates = [
        stmt
        for stmt in tree.body
        if isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
        and isinstance(stmt.value, (ast.Dict, ast.Tuple, ast.List))
    ]
    if not candidates:
        return {}
    counts = dict.fromkeys((s.targets[0].id for s in candidates), 0)  # type: ignore[attr-defined]
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in counts and type(node.ctx) is not ast.Load:
            counts[node.id] += 1
    out: dict[str, tuple[TableEntry, ...]] = {}
    for stmt in candidates:
        target, value = stmt.targets[0], stmt.value
        if not isinstance(target, ast.Name) or counts[target.id] != 1:
            continue
        if isinstance(value, ast.Dict):
            pairs = [(k, v) for k, v in zip(value.keys, value.values, strict=True) if k]
        elif isinstance(value, (ast.Tuple, ast.List)):
            pairs = [(ast.Constant(i), v) for i, v in enumerate(value.elts)]
        else:
            continue
        entries: list[TableEntry] = []
        for key_node, item in pairs:
            key = _evaluate(key_node, {}) if key_node is not None else None
            constant = _evaluate(item, {})
            name = None if constant is not None else _named(item)
            if constant is None and name is None:
                continue
            shown = constant if constant is not None else name
            assert shown is not None
            line, column = item.lineno, item.col_offset + 1
            entries.append(TableEntry(key, shown, name is not None, rel_path, line, column))
        out[target.id] = tuple(entries)
    return out


# Calls that decode a literal into key bytes (a subset of python_apis.toml's [flow] decoders).
_DECODERS = {
    "bytes.fromhex": bytes.fromhex,
    "base64.b64decode": base64.b64decode,
    "base64.urlsafe_b64decode": base64.urlsafe_b64decode,
    "binascii.unhexlify": binascii.unhexlify,
}


def _decoded(call: ast.Call, known: dict[str, ExternalConstant]) -> bytes | None:
    """``"...".encode()``, ``bytes.fromhex("...")``: a literal decoded at import time."""
    func = call.func
    if call.keywords or len(call.args) > 1 or not isinstance(func, ast.Attribute):
        return None
    given = [_evaluate(a, known) for a in call.args]
    try:
        if func.attr == "encode":
            text = _evaluate(func.value, known)
            coding = given[0] if given else "utf-8"
            return (
                text.encode(coding) if isinstance(text, str) and isinstance(coding, str) else None
            )
        decode = _DECODERS.get(f"{_named(func.value)}.{func.attr}")
        return decode(given[0]) if decode and given and isinstance(given[0], str) else None
    except (ValueError, LookupError):  # binascii.Error is a ValueError
        return None


def _evaluate(node: ast.expr, known: dict[str, ExternalConstant]) -> int | str | bytes | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, str, bytes)):
        return None if isinstance(node.value, bool) else node.value
    if isinstance(node, ast.Call):
        return _decoded(node, known)
    if isinstance(node, ast.Name) and node.id in known:
        return known[node.id].value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _evaluate(node.operand, known)
        return -value if isinstance(value, int) else None
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left, right = _evaluate(node.left, known), _evaluate(node.right, known)
        if isinstance(left, int) and isinstance(right, int):
            if isinstance(node.op, ast.Pow) and (right > 64 or right < 0):
                return None
            if isinstance(node.op, (ast.LShift,)) and right > 64:
                return None
            try:
                return _BINOPS[type(node.op)](left, right)
            except (ZeroDivisionError, ValueError, OverflowError):
                return None
        if isinstance(node.op, ast.Add) and type(left) is type(right) and left is not None:
            return left + right  # type: ignore[operator]
    return None


def star_names(tree: ast.Module) -> frozenset[str] | None:
    """The names ``from module import *`` binds: a literal ``__all__``, else every public
    name the module body defines or imports; None when that is not known (an ``__all__``
    computed at run time, a star import of its own)."""
    from analyzer.engines.python.summaries import module_level

    statements = module_level(tree.body)
    defined: set[str] = set()
    for stmt in statements:
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in stmt.targets
        ):
            if isinstance(stmt.value, (ast.List, ast.Tuple)) and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in stmt.value.elts
            ):
                return frozenset(e.value for e in stmt.value.elts)  # type: ignore[union-attr]
            return None
    for stmt in statements:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(stmt.name)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            if any(a.name == "*" for a in stmt.names):
                return None
            defined.update((a.asname or a.name).split(".")[0] for a in stmt.names if a.name != "*")
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            defined.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return frozenset(n for n in defined if not n.startswith("_"))


def constants_of_tree(tree: ast.Module, rel_path: str) -> dict[str, ExternalConstant]:
    """Module-level names of a parsed module assigned exactly once to an evaluable constant."""
    counts: dict[str, int] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            counts[stmt.name] = counts.get(stmt.name, 0) + 1
            continue
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                counts[node.id] = counts.get(node.id, 0) + 1
            elif isinstance(node, ast.alias):
                local = node.asname or node.name.split(".")[0]
                counts[local] = counts.get(local, 0) + 1
    known: dict[str, ExternalConstant] = {}
    for stmt in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            target, value = stmt.target, stmt.value
        if not isinstance(target, ast.Name) or value is None or counts.get(target.id) != 1:
            continue
        result = _evaluate(value, known)
        if result is not None:
            known[target.id] = ExternalConstant(result, rel_path, stmt.lineno, stmt.col_offset + 1)
    return known
