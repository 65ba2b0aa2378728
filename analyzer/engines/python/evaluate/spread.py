"""Arguments passed through ``*args`` and ``**kwargs`` of literal containers, written out:
``PBKDF2HMAC(**params)`` after ``params = dict(..., iterations=1000)`` reads as
``PBKDF2HMAC(..., iterations=1000)``. A container that is not a literal bound once in the
call's function (or module), or that the function changes, is not written out."""

from __future__ import annotations

import libcst as cst

from analyzer.engines.python.walk.scopes import Scope

# Methods of a dict or list that only read it.
READERS = frozenset({"get", "copy", "items", "keys", "values", "index", "count"})


def spread_arguments(call: cst.Call, scope: Scope) -> list[cst.Arg] | None:
    """The call's arguments with each starred one replaced by its container's items; None when
    a starred argument does not resolve to a literal container."""
    out: list[cst.Arg] = []
    for arg in call.args:
        if not arg.star:
            out.append(arg)
            continue
        container = _container(arg.value, scope)
        if container is None:
            return None
        if arg.star == "*":
            items = _positional(container)
            if items is None:
                return None
            out += [cst.Arg(value=item) for item in items]
        else:
            pairs = _keywords(container)
            if pairs is None:
                return None
            out += [cst.Arg(value=value, keyword=cst.Name(key)) for key, value in pairs]
    return out


def _container(expr: cst.BaseExpression, scope: Scope) -> cst.BaseExpression | None:
    """The literal tuple, list, dict or ``dict(...)`` call a starred argument names."""
    if isinstance(expr, (cst.Tuple, cst.List, cst.Dict)):
        return expr
    if not isinstance(expr, cst.Name):
        return None
    bindings = scope.live(expr.value)
    if len(bindings) != 1 or bindings[0].kind != "assign" or bindings[0].scope is None:
        return None
    home = bindings[0].scope
    if home is not scope and home is not scope.module():
        return None
    if home.node is None or _changed(expr.value, home) or bindings[0].value is None:
        return None
    value = bindings[0].value
    if isinstance(value, (cst.Tuple, cst.List, cst.Dict)) or _is_dict_call(value, home):
        return value
    return None


def _is_dict_call(value: cst.BaseExpression, scope: Scope) -> bool:
    return (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Name)
        and value.func.value == "dict"
        and not scope.lookup("dict")
    )


def _positional(container: cst.BaseExpression) -> list[cst.BaseExpression] | None:
    if not isinstance(container, (cst.Tuple, cst.List)):
        return None
    if any(isinstance(e, cst.StarredElement) for e in container.elements):
        return None
    return [e.value for e in container.elements]


def _keywords(container: cst.BaseExpression) -> list[tuple[str, cst.BaseExpression]] | None:
    """``{"iterations": 1000}`` or ``dict(iterations=1000)`` as (keyword, value) pairs."""
    pairs: list[tuple[str, cst.BaseExpression]] = []
    if isinstance(container, cst.Dict):
        for element in container.elements:
            if not isinstance(element, cst.DictElement) or not isinstance(
                element.key, cst.SimpleString
            ):
                return None
            key = element.key.evaluated_value
            if not isinstance(key, str) or not key.isidentifier():
                return None
            pairs.append((key, element.value))
        return pairs
    if isinstance(container, cst.Call):
        for arg in container.args:
            if arg.star or arg.keyword is None:
                return None
            pairs.append((arg.keyword.value, arg.value))
        return pairs
    return None


class _Changes(cst.CSTVisitor):
    """Whether a body changes a container: an item assigned or deleted, a method called on it
    other than a reader, the name assigned again or augmented."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.assigned = 0
        self.changed = False

    def _names_it(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Name) and node.value == self.name

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target)
        if self._names_it(node.target):
            self.changed = True

    def visit_Del(self, node: cst.Del) -> None:
        self._target(node.target)

    def _target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Subscript) and self._names_it(target.value):
            self.changed = True
        if self._names_it(target):
            self.assigned += 1

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and self._names_it(func.value)
            and func.attr.value not in READERS
        ):
            self.changed = True


def _changed(name: str, home: Scope) -> bool:
    visitor = _Changes(name)
    assert home.node is not None
    home.node.visit(visitor)
    return visitor.changed or visitor.assigned > 1
