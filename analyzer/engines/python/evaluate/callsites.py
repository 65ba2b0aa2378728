"""Calls of the module's own functions and classes: which argument each call passes to which
parameter, so that a value chosen by a caller reaches the parameter inside the function."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from analyzer.engines.python.walk.scopes import Binding, Scope


@dataclass(frozen=True)
class Argument:
    """One call's argument for one parameter, with the scope it is evaluated in."""

    value: cst.BaseExpression
    scope: Scope
    call: cst.Call


def _callee_of_class(binding_scope: Scope | None) -> Scope | None:
    init = binding_scope.bindings.get("__init__", []) if binding_scope else []
    if len(init) == 1 and init[0].kind == "function":
        return init[0].function
    return None


def decorator_names(node: cst.CSTNode | None) -> set[str]:
    """``{"staticmethod"}`` for a ``def`` under ``@staticmethod``: its plain-name decorators."""
    if not isinstance(node, cst.FunctionDef):
        return set()
    return {d.decorator.value for d in node.decorators if isinstance(d.decorator, cst.Name)}


def _method(klass: Scope, name: str, on_instance: bool) -> tuple[Scope, bool] | None:
    """The method ``name`` of ``klass`` a call on the instance (``self.m()``) or on the class
    (``Keys.m()``) runs, and whether the call binds its first parameter: static methods do
    not; a plain method called on the class needs its instance passed and is left out."""
    found = klass.bindings.get(name, [])
    if len(found) != 1 or found[0].kind != "function" or found[0].function is None:
        return None
    decorators = decorator_names(found[0].node)
    if "staticmethod" in decorators:
        return found[0].function, False
    if on_instance or "classmethod" in decorators:
        return found[0].function, True
    return None


def resolve_callee(func: cst.BaseExpression, scope: Scope) -> tuple[Scope, bool] | None:
    """The function a call reaches and whether it is bound (its first parameter is implicit)."""
    if isinstance(func, cst.Name):
        bindings = scope.live(func.value)
        if len(bindings) != 1:
            return None
        binding = bindings[0]
        if binding.kind == "function" and binding.function is not None:
            function = binding.function
            return function, False
        if binding.kind == "class":
            init = _callee_of_class(binding.class_scope)
            return (init, True) if init is not None else None
        if binding.kind == "assign" and isinstance(binding.value, cst.Lambda):
            function = scope.module().lambdas.get(id(binding.value))
            return (function, False) if function is not None else None
        return None
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
        return None
    if scope.enclosing_class is not None and func.value.value == scope.self_name:
        return _method(scope.enclosing_class, func.attr.value, True)
    owners = scope.live(func.value.value)
    if len(owners) == 1 and owners[0].kind == "class" and owners[0].class_scope is not None:
        return _method(owners[0].class_scope, func.attr.value, False)
    made = _instance_of(owners)
    return _method(made, func.attr.value, True) if made is not None else None


def _instance_of(bindings: list[Binding]) -> Scope | None:
    """The class of this module a name was built from, when it was assigned once from a call
    of that class (``signer = Signer()``)."""
    if len(bindings) != 1 or bindings[0].kind != "assign" or bindings[0].scope is None:
        return None
    value = bindings[0].value
    if not isinstance(value, cst.Call) or not isinstance(value.func, cst.Name):
        return None
    classes = bindings[0].scope.live(value.func.value)
    if len(classes) == 1 and classes[0].kind == "class":
        return classes[0].class_scope
    return None


class CallSites:
    """Every call of a function defined in this module, indexed by the function's scope."""

    def __init__(self, calls: list[tuple[cst.Call, Scope]]) -> None:
        self._by_function: dict[int, list[tuple[cst.Call, Scope, bool]]] = {}
        # Functions a view keeps to one call (see ``pinned``).
        self._pinned: set[int] = set()
        for call, scope in calls:
            found = resolve_callee(call.func, scope)
            if found is not None:
                function, bound = found
                self._by_function.setdefault(id(function), []).append((call, scope, bound))

    def pinned(self, pins: list[tuple[Scope, cst.Call | None, str]]) -> CallSites:
        """A view in which each pinned function is called only by its pinned call (or, for a
        pinned default, only by the calls that omit that parameter)."""
        view = CallSites([])
        view._by_function = dict(self._by_function)
        view._pinned = set(self._pinned)
        for function, pinned_call, param in pins:
            calls = view._by_function.get(id(function), [])
            if pinned_call is not None:
                kept = [c for c in calls if c[0] is pinned_call]
                view._pinned.add(id(function))
            else:
                kept = [c for c in calls if _argument(c[0], function, param, c[2]) is None]
            view._by_function[id(function)] = kept
        return view

    def is_pinned(self, function: Scope) -> bool:
        return id(function) in self._pinned

    def passed_by_pinned_call(self, function: Scope, param: str) -> bool:
        """Whether ``function`` is pinned to one call and that call passes ``param``: the
        parameter's default is then on no path the view follows."""
        if id(function) not in self._pinned:
            return False
        calls = self.calls_of(function)
        return bool(calls) and all(
            _argument(c, function, param, b) is not None for c, _s, b in calls
        )

    def calls_of(self, function: Scope) -> list[tuple[cst.Call, Scope, bool]]:
        return self._by_function.get(id(function), [])

    def arguments(self, function: Scope, param: str) -> list[Argument]:
        """What each call passes for ``param`` (calls that omit it, or hide it in ``*args``, are
        left out: the default or nothing applies there)."""
        out: list[Argument] = []
        for call, scope, bound in self.calls_of(function):
            value = _argument(call, function, param, bound)
            if value is not None:
                out.append(Argument(value, scope, call))
        return out


def _argument(
    call: cst.Call, function: Scope, param: str, bound: bool
) -> cst.BaseExpression | None:
    positional: list[cst.BaseExpression] = []
    starred = False
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value == param:
                return arg.value
        elif arg.star:
            starred = True
        elif not starred:
            positional.append(arg.value)
    if param not in function.positional or starred:
        return None
    index = function.positional.index(param) - (1 if bound else 0)
    return positional[index] if 0 <= index < len(positional) else None
