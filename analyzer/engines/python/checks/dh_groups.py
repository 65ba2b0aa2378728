"""Finite-field Diffie-Hellman groups written as literals (KG202 at the literal).

A modulus is an odd probable prime of at least ``min_plausible_bits`` written as an integer
(``0xFFFF...``) or parsed from hex (``int("FFFF" "FFFF" ..., 16)``). It is a DH group when it
reaches a DH parameter call (``dh.DHParameterNumbers(p, g)``) or a module or class constant named
like one (``P``, ``DH_PRIME``, ``OAKLEY_GROUP2_PRIME``, ``MODP_1024``). A lone ``p`` next to a
``q`` and no ``g`` is an RSA factor, not a group.
"""

from __future__ import annotations

import ast
import re

import libcst as cst

from analyzer.catalogue.ids import DSA_DH_PARAMETERS_TOO_SMALL
from analyzer.engines.python.checks.arguments import get_arg
from analyzer.engines.python.checks.context import CheckContext, RawFinding, short
from analyzer.engines.python.key_facts import key_facts
from analyzer.engines.python.table import ArgSpec
from analyzer.engines.python.walk.names import split_words
from analyzer.engines.python.walk.scopes import Binding, Scope

_BASES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)
_MODP_PREFIX = "ffffffffffffffffc90fdaa2"
_MODULUS_ARG = ArgSpec("p", 0)
MAX_DEPTH = 8
MIN_GROUP_SIZE = 256  # a smaller number in a DH size setting is no bit count


def is_probable_prime(n: int) -> bool:
    """Miller-Rabin with the first twelve prime bases."""
    if n < 2:
        return False
    for p in _BASES:
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for a in _BASES:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def is_safe_prime(n: int) -> bool:
    """p and (p-1)/2 both prime: the shape of the RFC 2409/3526 MODP groups."""
    return n % 2 == 1 and is_probable_prime(n) and is_probable_prime((n - 1) // 2)


def _hex_text(expr: cst.BaseExpression) -> str | None:
    """The text of a string literal, also through a whitespace-removing helper or ``.replace``."""
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = expr.evaluated_value
        except (ValueError, SyntaxError):
            return None
        return value if isinstance(value, str) else None
    if isinstance(expr, cst.Call):
        func = expr.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("replace", "strip"):
            return _hex_text(func.value)
        if len(expr.args) == 1:
            return _hex_text(expr.args[0].value)
    return None


def big_int(expr: cst.BaseExpression | None, scope: Scope, depth: int = 0) -> int | None:
    """An integer literal, ``int("<hex>", 16)``, or a name bound once to one of them."""
    if expr is None or depth > MAX_DEPTH:
        return None
    if isinstance(expr, cst.Integer):
        try:
            value = ast.literal_eval(expr.value)
        except (ValueError, SyntaxError):
            return None
        return value if isinstance(value, int) else None
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "int":
        args = [a for a in expr.args if a.keyword is None and not a.star]
        if len(args) == 2 and isinstance(args[1].value, cst.Integer):
            text = _hex_text(args[0].value)
            if text is None:
                return None
            try:
                return int(re.sub(r"\s+", "", text), int(args[1].value.value, 0))
            except ValueError:
                return None
        return None
    if isinstance(expr, cst.Name):
        bindings = scope.lookup(expr.value)
        if len(bindings) == 1 and bindings[0].kind == "assign" and bindings[0].scope is not None:
            return big_int(bindings[0].value, bindings[0].scope, depth + 1)
    return None


def plausible_modulus(n: int, min_bits: int) -> bool:
    """Odd, large enough and prime: what a DH or DSA modulus is."""
    return n > 0 and n % 2 == 1 and n.bit_length() >= min_bits and is_probable_prime(n)


def _weak_modulus(n: int, min_bits: int, minimum: int) -> bool:
    """A modulus below the standard's minimum (the size is tested first: a primality test of a
    4096-bit group costs a second)."""
    return n.bit_length() < minimum and plausible_modulus(n, min_bits)


def _is_group_name(name: str, scope: Scope, words: frozenset[str], exclude: frozenset[str]) -> bool:
    parts = [w.rstrip("0123456789") for w in split_words(name)]
    if any(p in exclude for p in parts):
        return False
    if name.lower() == "p":
        return (
            "g" in scope.bindings
            or "G" in scope.bindings
            or not ("q" in scope.bindings or "Q" in scope.bindings)
        )
    return any(p in words and p != "p" for p in parts) or (parts[:1] == ["dh"])


def _is_size_name(name: str) -> bool:
    """``_dhMinimalGroupSize``, ``DH_MIN_BITS``: a DH group size setting."""
    words = split_words(name)
    return "dh" in words and any(w in ("size", "bits") for w in words)


def check_group_size(ctx: CheckContext, name: str, binding: Binding, minimum: int) -> None:
    """KG202 at a DH group size setting below the minimum (``_dhMinimalGroupSize = 1024``)."""
    if binding.kind != "assign" or binding.scope is None or binding.value is None:
        return
    const = ctx.evaluator.const(binding.value, binding.scope)
    bits = const.value if const is not None and isinstance(const.value, int) else None
    if bits is None or not MIN_GROUP_SIZE <= bits < minimum:
        return
    ctx.report(
        DSA_DH_PARAMETERS_TOO_SMALL,
        binding.value,
        f"Diffie-Hellman group size of {bits} bits set in `{name}`; "
        f"the standard requires at least {minimum}",
        {"algorithm": "DH", "size": bits, "minimum": minimum},
    )


def _scopes(module: Scope) -> list[Scope]:
    """The module and every class body below it (where groups are declared)."""
    found = [module]
    index = 0
    while index < len(found):
        for bindings in found[index].bindings.values():
            for binding in bindings:
                if binding.kind == "class" and binding.class_scope is not None:
                    found.append(binding.class_scope)
        index += 1
    return found


def check_dh_groups(ctx: CheckContext) -> None:
    """KG202 at a DH modulus literal below the standard's minimum."""
    facts = key_facts()
    minimum = ctx.thresholds.dh_min_bits
    reported: set[int] = set()

    def report(node: cst.CSTNode, n: int, how: str) -> None:
        if id(node) in reported:
            return
        reported.add(id(node))
        bits = n.bit_length()
        if bits >= minimum:
            return
        known = " (an RFC 2409 MODP group)" if format(n, "x").startswith(_MODP_PREFIX) else ""
        ctx.report(
            DSA_DH_PARAMETERS_TOO_SMALL,
            node,
            f"finite-field Diffie-Hellman modulus of {bits} bits{known} {how}; "
            f"the standard requires at least {minimum}",
            {"algorithm": "DH", "size": bits, "minimum": minimum},
        )
        at_literal[id(node)] = ctx.findings[-1]

    at_literal: dict[int, RawFinding] = {}

    for call, scope in ctx.collected.calls:
        qual = ctx.evaluator.qualname(call.func, scope)
        if qual is None or qual not in facts.dh_modulus_calls:
            continue
        status, expr = get_arg(call, _MODULUS_ARG)
        n = big_int(expr, scope) if status == "given" else None
        if (
            n is not None
            and expr is not None
            and _weak_modulus(n, facts.dh_min_plausible_bits, minimum)
        ):
            literal = _literal_node(expr, scope)
            report(literal, n, f"reaches `{short(qual)}`")
            if id(literal) in at_literal:
                _merge_call(ctx, at_literal[id(literal)], call, qual, n.bit_length())
    for scope in _scopes(ctx.collected.module_scope):
        for name, bindings in scope.bindings.items():
            binding: Binding = bindings[0]
            if len(bindings) != 1 or not isinstance(binding.value, (cst.Integer, cst.Call)):
                continue
            if _is_size_name(name):
                check_group_size(ctx, name, binding, minimum)
            if binding.kind != "assign" or not _is_group_name(
                name, scope, facts.dh_name_words, facts.dh_exclude_words
            ):
                continue
            n = big_int(binding.value, scope)
            if n is not None and _weak_modulus(n, facts.dh_min_plausible_bits, minimum):
                report(binding.value, n, f"assigned to `{name}`")


def _merge_call(
    ctx: CheckContext, finding: RawFinding, call: cst.Call, qual: str, bits: int
) -> None:
    """One result per weak group: the key-size finding at the call the literal reaches becomes
    the literal finding's related locations (its hops, then the call)."""
    kept: list[RawFinding] = []
    for other in ctx.findings:
        if (
            other.node is call
            and other.rule_id == DSA_DH_PARAMETERS_TOO_SMALL
            and other.facts.get("size") == bits
        ):
            finding.related += [r for r in other.related if not _holds(r[0], finding.node)]
            continue
        kept.append(other)
    ctx.findings = kept
    finding.related.append((call, f"the modulus reaches `{short(qual)}` here"))


def _holds(anchor: object, literal: cst.CSTNode) -> bool:
    """The anchor is the literal or the assignment of it (a hop that adds nothing)."""
    return anchor is literal or getattr(anchor, "value", None) is literal


def _literal_node(expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> cst.BaseExpression:
    """The literal a name stands for (where the finding belongs), or the expression itself."""
    if isinstance(expr, cst.Name) and depth < MAX_DEPTH:
        bindings = scope.lookup(expr.value)
        if len(bindings) == 1 and bindings[0].value is not None and bindings[0].scope is not None:
            return _literal_node(bindings[0].value, bindings[0].scope, depth + 1)
    return expr
