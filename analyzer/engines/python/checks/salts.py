"""Salts drawn too short (KG205 at the RNG call): ``salt = os.urandom(8)``,
``self.s2k.salt = bytearray(os.urandom(8))``. A salt that reaches a known KDF call is judged
there (``kdf.py``); this check covers salts held by a salt-named variable, attribute or key.
"""

from __future__ import annotations

import libcst as cst

from analyzer.catalogue.ids import WEAK_KEY_DERIVATION
from analyzer.engines.python.checks.context import CheckContext, short
from analyzer.engines.python.checks.rng import source_bits
from analyzer.engines.python.walk.names import split_words
from analyzer.engines.python.walk.scopes import Scope

MAX_DEPTH = 8


def direct_calls(expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> set[int]:
    """Ids of the calls whose value *is* ``expr``'s value, up to wrappers: ``bytearray(x)``,
    ``x.hex()``, ``b64encode(x)``, a name bound once. A salt joined with a pid, a host name and
    a time (a unique id, not a KDF salt) has no such call."""
    if depth > MAX_DEPTH:
        return set()
    if isinstance(expr, cst.Call):
        found = {id(expr)}
        if isinstance(expr.func, cst.Attribute) and not expr.args:
            found |= direct_calls(expr.func.value, scope, depth + 1)
        elif expr.args and expr.args[0].keyword is None and not expr.args[0].star:
            found |= direct_calls(expr.args[0].value, scope, depth + 1)
        return found
    if isinstance(expr, cst.Name):
        bindings = scope.lookup(expr.value)
        if len(bindings) == 1 and bindings[0].value is not None and bindings[0].scope is not None:
            return direct_calls(bindings[0].value, bindings[0].scope, depth + 1)
    return set()


def check_salt_sources(ctx: CheckContext) -> None:
    """KG205 at a CSPRNG call whose output, shorter than the minimum, becomes a salt."""
    minimum = ctx.thresholds.salt_min_bytes
    judged = {
        id(anchor)
        for finding in ctx.findings
        if finding.rule_id == WEAK_KEY_DERIVATION
        for anchor, _text in finding.related
    }
    for sink in ctx.collected.sinks:
        if "salt" not in split_words(sink.label.removesuffix("()")):
            continue
        direct = direct_calls(sink.value, sink.scope)
        for source in ctx.flow.sources(sink.value, sink.scope):
            if source.strength != "strong" or id(source.call) in judged:
                continue
            if id(source.call) not in direct:
                continue
            bits = source_bits(ctx, source)
            if bits is None or bits >= minimum * 8:
                continue
            judged.add(id(source.call))
            ctx.report(
                WEAK_KEY_DERIVATION,
                source.call,
                f"salt of {bits // 8} bytes drawn by `{short(source.qualname)}` for "
                f"`{sink.label}`; the standard requires at least {minimum}",
                {"api": source.qualname, "salt_bytes": bits // 8, "minimum": minimum},
                [(sink.node, f"becomes the salt `{sink.label}`")],
            )
