"""Import statements as bindings: which local name stands for which qualified name."""

from __future__ import annotations

import libcst as cst

from analyzer.engines.python.walk.scopes import Binding, Scope


def dotted(node: cst.BaseExpression | None) -> str:
    """``a.b.c`` for a Name/Attribute chain, "" for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr.value}" if head else ""
    return ""


def bind_import(node: cst.Import, scope: Scope) -> None:
    """``import a.b`` binds ``a``; ``import a.b as x`` binds ``x`` to ``a.b``."""
    for alias in node.names:
        full = dotted(alias.name)
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            local, qual = alias.asname.name.value, full
        else:
            local = qual = full.split(".")[0]
        scope.bind(local, Binding("import", node, qualname=qual, import_from=(0, qual, None)))


def bind_import_from(node: cst.ImportFrom, scope: Scope) -> None:
    """``from a import b as c`` binds ``c`` to ``a.b``; relative imports keep their level; a
    star import is noted on the module for the names nothing else binds."""
    level = len(node.relative)
    module = dotted(node.module) if node.module is not None else ""
    if isinstance(node.names, cst.ImportStar):
        scope.module().stars.append((level, module))
        return
    prefix = "." * level + module
    for alias in node.names:
        name = dotted(alias.name)
        local = name
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            local = alias.asname.name.value
        qual = f"{prefix}.{name}" if module else f"{prefix}{name}"
        scope.bind(local, Binding("import", node, qualname=qual, import_from=(level, module, name)))
