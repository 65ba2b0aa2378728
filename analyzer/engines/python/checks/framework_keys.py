"""Framework signing keys written as literals (KG301): Flask and Django ``SECRET_KEY``.

A web framework signs sessions, cookies and tokens with the key its settings name; a literal
there is a key handed to the framework. Found in a settings module or config class
(``SECRET_KEY = "..."``), on the application (``app.secret_key = "..."``), in its config mapping
(``app.config["SECRET_KEY"] = "..."``, ``app.config.update(SECRET_KEY="...")``). Values read from
the environment, empty values and placeholders (``changeme``, ``<your-key>``) are not findings.
"""

from __future__ import annotations

from pathlib import PurePosixPath

import libcst as cst

from analyzer.catalogue.ids import HARDCODED_KEY
from analyzer.engines.python.checks.arguments import origins_as_related
from analyzer.engines.python.checks.context import CheckContext
from analyzer.engines.python.key_facts import KeyFacts, key_facts
from analyzer.engines.python.walk.scopes import Scope
from analyzer.findings.redact import redact_value as redact


def _last_name(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return None


def is_settings_module(path: str, facts: KeyFacts) -> bool:
    """``settings.py``, ``config/production.py``, ``mysite/settings/base.py`` ..."""
    pure = PurePosixPath(path)
    return pure.stem in facts.settings_modules or any(
        part in facts.settings_modules for part in pure.parts[:-1]
    )


def _holds_settings(scope: Scope, path: str, facts: KeyFacts) -> bool:
    if scope.kind == "module":
        return is_settings_module(path, facts)
    return scope.kind == "class" and scope.name.endswith(facts.config_classes)


def _setting_target(
    target: cst.BaseExpression, scope: Scope, path: str, facts: KeyFacts
) -> str | None:
    """The setting an assignment target names, when it is a framework signing key."""
    if isinstance(target, cst.Name):
        name = target.value
        if name.upper() in facts.framework_settings and name.isupper():
            return name if _holds_settings(scope, path, facts) else None
        return None
    if isinstance(target, cst.Attribute):
        owner = _last_name(target.value)
        attr = target.attr.value
        if owner is None or owner == scope.self_name:
            return None
        if attr in facts.framework_attributes:
            return f"{owner}.{attr}"
        if attr.upper() in facts.framework_settings and owner in facts.config_objects:
            return f"{owner}.{attr}"
        return None
    if isinstance(target, cst.Subscript) and len(target.slice) == 1:
        index = target.slice[0].slice
        owner = _last_name(target.value)
        if not isinstance(index, cst.Index) or owner not in facts.config_objects:
            return None
        key = index.value
        if isinstance(key, cst.SimpleString) and isinstance(key.evaluated_value, str):
            setting = key.evaluated_value
            return f'{owner}["{setting}"]' if setting.upper() in facts.framework_settings else None
    return None


def _report(
    ctx: CheckContext, value: cst.BaseExpression, scope: Scope, setting: str, facts: KeyFacts
) -> None:
    literal = ctx.evaluator.literal(value, scope)
    if literal is None:
        return
    text = literal.value
    if not isinstance(text, (str, bytes)) or facts.is_placeholder(text) or facts.is_public(text):
        return
    shown = redact(text)
    ctx.report(
        HARDCODED_KEY,
        value,
        f"literal framework signing key {shown} assigned to `{setting}`; "
        "read it from the environment or a secret manager",
        {"setting": setting, "argument": "key", "literal": shown},
        origins_as_related(literal, "literal"),
    )


def _config_call_values(call: cst.Call, facts: KeyFacts) -> list[tuple[str, cst.BaseExpression]]:
    """``(setting, value)`` pairs of ``app.config.update(SECRET_KEY=..)`` / ``({...})`` / ``(dict(..))``."""
    func = call.func
    if not (
        isinstance(func, cst.Attribute)
        and func.attr.value in facts.config_methods
        and _last_name(func.value) in facts.config_objects
    ):
        return []
    owner = _last_name(func.value)
    pairs: list[tuple[str, cst.BaseExpression]] = []
    args = list(call.args)
    for arg in list(args):
        if arg.keyword is None and not arg.star:
            inner = arg.value
            if isinstance(inner, cst.Call) and _last_name(inner.func) == "dict":
                args.extend(inner.args)
            elif isinstance(inner, cst.Dict):
                for element in inner.elements:
                    if isinstance(element, cst.DictElement) and isinstance(
                        element.key, cst.SimpleString
                    ):
                        key = element.key.evaluated_value
                        if isinstance(key, str) and key.upper() in facts.framework_settings:
                            pairs.append((f'{owner}["{key}"]', element.value))
    for arg in args:
        if arg.keyword is not None and arg.keyword.value.upper() in facts.framework_settings:
            pairs.append((f"{owner}.{arg.keyword.value}", arg.value))
    return pairs


def check_framework_keys(ctx: CheckContext) -> None:
    """KG301 at every literal framework signing key of the module."""
    facts = key_facts()
    path = ctx.evaluator.path
    for sink in ctx.collected.sinks:
        node = sink.node
        targets: list[cst.BaseExpression] = []
        if isinstance(node, cst.Assign):
            targets = [t.target for t in node.targets]
        elif isinstance(node, cst.AnnAssign):
            targets = [node.target]
        for target in targets:
            setting = _setting_target(target, sink.scope, path, facts)
            if setting is not None:
                _report(ctx, sink.value, sink.scope, setting, facts)
    for call, scope in ctx.collected.calls:
        for setting, value in _config_call_values(call, facts):
            _report(ctx, value, scope, setting, facts)
