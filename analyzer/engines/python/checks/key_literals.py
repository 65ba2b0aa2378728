"""Key bytes written as escaped ``bytes`` literals (or private values as big integers) and held
by a key-like name (KG302).

``KEY = b'_\\xcf"\\x8a...'`` is random key material whatever API it later reaches (a literal that
reaches a known key argument is KG301 at the call, and the pipeline keeps that one). Text-like
bytes (``b"sixteen byte key"``), byte runs (``b"\\x00\\x01\\x02..."``) and repeated bytes are not
reported here: the secrets engine judges strings, this check only what is written as escapes.
"""

from __future__ import annotations

import ast

import libcst as cst

from analyzer.catalogue.ids import HARDCODED_KEY, KEY_MATERIAL_IN_FILE
from analyzer.engines.python.checks.context import CheckContext
from analyzer.engines.python.key_facts import key_facts
from analyzer.engines.python.walk.names import is_nonce_like
from analyzer.findings.redact import redact_value as redact

MIN_PRIVATE_INT_BITS = 128  # a smaller integer under a key-like name is a size, an id or a flag


def is_key_bytes(value: bytes, min_bytes: int) -> bool:
    """Enough bytes, a quarter of them unprintable, many distinct, and not a byte run."""
    if len(value) < min_bytes:
        return False
    unprintable = sum(1 for b in value if b < 0x20 or b > 0x7E)
    if unprintable * 4 < len(value) or len(set(value)) * 2 < len(value):
        return False
    steps = {(value[i + 1] - value[i]) % 256 for i in range(len(value) - 1)}
    return len(steps) > 1


def _bytes_literal(expr: cst.BaseExpression) -> bytes | None:
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = expr.evaluated_value
        except (ValueError, SyntaxError):
            return None
        return value if isinstance(value, bytes) else None
    return None


def _int_literal(expr: cst.BaseExpression) -> int | None:
    if isinstance(expr, cst.Integer):
        try:
            value = ast.literal_eval(expr.value)
        except (ValueError, SyntaxError):
            return None
        return value if isinstance(value, int) else None
    return None


def _covered_by_literal_key(ctx: CheckContext) -> set[int]:
    """Assignments and arguments a KG301 finding already names (the literal reached an API)."""
    covered: set[int] = set()
    for finding in ctx.findings:
        if finding.rule_id != HARDCODED_KEY:
            continue
        covered.update(id(anchor) for anchor, _text in finding.related)
        if isinstance(finding.node, cst.Call):
            covered.update(id(arg) for arg in finding.node.args)
    return covered


def check_key_bytes(ctx: CheckContext) -> None:
    """KG302 at an escaped bytes literal (or an integer of 128 bits or more, a private value)
    assigned to (or passed as) a key-like name."""
    facts = key_facts()
    covered = _covered_by_literal_key(ctx)
    for sink in ctx.collected.sinks:
        if sink.kind != "key" or sink.label.endswith("()") or is_nonce_like(sink.label):
            continue
        if id(sink.node) in covered:
            continue
        number = _int_literal(sink.value)
        if number is not None and number.bit_length() >= MIN_PRIVATE_INT_BITS:
            ctx.report(
                KEY_MATERIAL_IN_FILE,
                sink.value,
                f"key integer literal of {number.bit_length()} bits assigned to `{sink.label}`; "
                "load it from a secret manager",
                {"name": sink.label, "bits": number.bit_length()},
            )
            continue
        value = _bytes_literal(sink.value)
        if value is None or not is_key_bytes(value, facts.min_bytes):
            continue
        shown = redact(value)
        ctx.report(
            KEY_MATERIAL_IN_FILE,
            sink.value,
            f"key bytes literal {shown} assigned to `{sink.label}`; load it from a secret manager",
            {"name": sink.label, "literal": shown, "bytes": len(value)},
        )
