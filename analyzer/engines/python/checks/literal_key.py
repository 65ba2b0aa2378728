"""Hard-coded keys and passwords passed to a crypto API (KG301)."""

from __future__ import annotations

import libcst as cst

from analyzer.catalogue.ids import HARDCODED_KEY, WEAK_KEY_DERIVATION
from analyzer.engines.python.checks.arguments import origins_as_related
from analyzer.engines.python.checks.context import ApiCall, CheckContext, short
from analyzer.engines.python.evaluate.consts import Const
from analyzer.engines.python.key_facts import key_facts
from analyzer.engines.python.summaries import FunctionSummary, ParamSink
from analyzer.engines.python.table import ApiSpec
from analyzer.engines.python.walk.probes import is_probe
from analyzer.engines.python.walk.scopes import Scope
from analyzer.findings.model import Location
from analyzer.findings.redact import redact_value

# Roles whose APIs cannot work with an empty key: an empty literal there is a literal key too.
EMPTY_IS_LITERAL = ("cipher", "fernet")


# Roles whose literal is KG301, and what the finding advises.
ADVICE = {
    "key": "load it from a secret manager",
    "password": "load it from a secret manager",
    "iv": "draw a random IV for each message",
}


def check_literal_key(ctx: CheckContext, api: ApiCall, role: str, expr: cst.BaseExpression) -> None:
    """KG301 when the key, password or IV argument is a literal (directly, via a constant or a
    decoder): a static IV makes equal plaintexts encrypt alike under the same key."""
    if role not in ADVICE:
        return
    literals = list(ctx.evaluator.literals(expr, api.scope))
    if not literals and role == "key" and api.spec.role in EMPTY_IS_LITERAL:
        empty = ctx.evaluator.const(expr, api.scope)
        if empty is not None and empty.value in ("", b""):
            literals = [empty]
    root = ctx.collected.module_scope.node
    if literals and root is not None and is_probe(root, api.call):
        return  # a throwaway object made to see whether the algorithm works protects nothing
    for literal in literals:
        if key_facts().is_public(literal.value):  # type: ignore[arg-type]
            continue
        shown = redact_value(literal.value) if literal.value else '"" (empty)'  # type: ignore[arg-type]
        ctx.report(
            HARDCODED_KEY,
            api.call,
            f"literal {role} {shown} passed to `{short(api.qualname)}`; {ADVICE[role]}",
            {**api.facts, "argument": role, "literal": shown},
            origins_as_related(literal, "literal"),
        )


def check_named_cipher_key(
    ctx: CheckContext, call: cst.Call, scope: Scope, qualname: str, spellings: dict[str, str]
) -> None:
    """KG301 beside KG403 at the project's own cipher named after a prohibited algorithm
    (``DES(b"PASSWORD")``): its first argument is the key, so a literal there is a literal key."""
    name = qualname.replace("()", "").rsplit(".", 1)[-1]
    if not call.args or call.args[0].keyword is not None or name.lower() not in spellings:
        return
    for literal in ctx.evaluator.literals(call.args[0].value, scope):
        if not isinstance(literal.value, (str, bytes)) or not literal.value:
            continue
        shown = redact_value(literal.value)
        ctx.report(
            HARDCODED_KEY,
            call,
            f"literal key {shown} passed to `{short(qualname)}`, a {spellings[name.lower()]} "
            "cipher; load it from a secret manager",
            {"api": qualname, "library": "unknown", "argument": "key", "literal": shown},
            origins_as_related(literal, "literal"),
        )
        return


def _keyring_values(
    ctx: CheckContext, expr: cst.BaseExpression, api: ApiCall
) -> tuple[cst.BaseExpression, list[cst.BaseExpression]] | None:
    """The secret expressions of a keyring dict literal (directly or through a name bound once)."""
    node = expr
    if isinstance(expr, cst.Name):
        bindings = api.scope.lookup(expr.value)
        if len(bindings) != 1 or bindings[0].kind != "assign" or bindings[0].value is None:
            return None
        node = bindings[0].value
    if not isinstance(node, cst.Dict):
        return None
    secrets: list[cst.BaseExpression] = []
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            continue
        value = element.value
        if isinstance(value, cst.Tuple) and value.elements:
            value = value.elements[-1].value  # (algorithm, secret)
        secrets.append(value)
    return node, secrets


def check_literal_keyring(ctx: CheckContext, api: ApiCall, expr: cst.BaseExpression) -> None:
    """KG301 when a keyring mapping (``{"name.": "<base64 secret>"}``) holds literal secrets."""
    found = _keyring_values(ctx, expr, api)
    if found is None:
        return
    table, secrets = found
    for secret in secrets:
        literal = ctx.evaluator.literal(secret, api.scope)
        if literal is None:
            continue
        shown = redact_value(literal.value)  # type: ignore[arg-type]
        # A keyring table shared by several calls is one finding, at the table.
        anchor: cst.CSTNode = api.call if table is expr else table
        related = [] if table is expr else [(api.call, "the keyring is passed here")]
        if any(f.node is anchor and f.rule_id == HARDCODED_KEY for f in ctx.findings):
            return
        ctx.report(
            HARDCODED_KEY,
            anchor,
            f"literal key {shown} in the keyring passed to `{short(api.qualname)}`; "
            "load it from a secret manager",
            {**api.facts, "argument": "keyring", "literal": shown},
            related,
        )
        return


def check_literal_passed(
    ctx: CheckContext,
    call: cst.Call,
    scope: Scope,
    summary: FunctionSummary,
    sink: ParamSink,
    value: cst.BaseExpression,
) -> None:
    """A literal this call passes to another module's function whose parameter reaches a key,
    password or IV argument there (KG301) or the salt of a password hash (KG205): reported at
    the call, the API call there as the last related location."""
    found = ctx.table.lookup(sink.api)
    if found is None or (sink.role == "salt" and not password_based(found[0])):
        return
    literals = [c for c in ctx.evaluator.literals(value, scope) if _passed_secret(c, sink.role)]
    root = ctx.collected.module_scope.node
    if not literals or (root is not None and is_probe(root, call)):
        return
    there = Location(sink.path or summary.path, sink.line, sink.column)
    api = short(sink.api)
    hop = (there, f"`{sink.param}` reaches the {sink.role} argument of `{api}` here")
    shown = redact_value(literals[0].value)  # type: ignore[arg-type]
    facts = {"api": sink.api, "library": sink.library, "argument": sink.role, "literal": shown}
    related = [*origins_as_related(literals[0], "literal"), hop]
    if sink.role == "salt":
        message = f"literal salt passed to `{summary.name}()`, which derives a key with `{api}`; draw a random salt per password"
        ctx.report(WEAK_KEY_DERIVATION, call, message, {**facts, "salt": "literal"}, related)
        return
    message = f"literal {sink.role} {shown} passed to `{summary.name}()`, which hands it to `{api}`; {ADVICE[sink.role]}"
    ctx.report(HARDCODED_KEY, call, message, facts, related)


def _passed_secret(literal: Const, role: str) -> bool:
    """A literal handed to another module's key argument that is a secret: not public material,
    and (but for an IV) not a filler that stands for "no key yet" (``b"\\x00" * 16``)."""
    value: str | bytes = literal.value  # type: ignore[assignment]
    facts = key_facts()
    return not facts.is_public(value) and (role == "iv" or not facts.is_placeholder(value))


def password_based(spec: ApiSpec) -> bool:
    """PBKDF2 and scrypt (a work factor): their salt must differ per password; HKDF's may be
    a protocol constant."""
    return "iterations" in spec.args or "cost" in spec.args
