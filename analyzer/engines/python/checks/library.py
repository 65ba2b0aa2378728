"""Libraries and algorithms the standard prohibits (KG401, KG403), and pycrypto attribution."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from analyzer.catalogue.ids import PROHIBITED_ALGORITHM, PROHIBITED_LIBRARY
from analyzer.engines.python.checks.context import ApiCall, CheckContext, short
from analyzer.engines.python.summaries import FunctionSummary
from analyzer.engines.python.table import Table
from analyzer.engines.python.walk.names import split_words


def uses_pycrypto(imports: list[str], table: Table) -> bool:
    """pycrypto and pycryptodome share ``Crypto``: one pycrypto-only import decides the file."""
    return any(q.startswith(p) for q in imports for p in table.pycrypto_only)


def is_pycrypto_only(qualname: str, table: Table) -> bool:
    return any(qualname.startswith(p) for p in table.pycrypto_only)


def attributed_library(ctx: CheckContext, qualname: str, library: str) -> str:
    """The library a ``Crypto.*`` call belongs to in this file (pycrypto when the file uses it)."""
    table = ctx.table
    if ctx.uses_pycrypto and library == table.shared_library and qualname.startswith("Crypto."):
        return table.pycrypto_library
    return library


def check_prohibited_library(
    ctx: CheckContext, call: cst.Call, qualname: str, library: str, algorithm: str
) -> None:
    """KG401 when the call's library is on the standard's prohibited list."""
    reason = ctx.thresholds.prohibited_libraries.get(library)
    if reason is not None:
        ctx.report(
            PROHIBITED_LIBRARY,
            call,
            f"`{short(qualname)}` uses the prohibited library {library} ({reason})",
            {"api": qualname, "library": library, "algorithm": algorithm},
        )


def check_prohibited_algorithm(ctx: CheckContext, api: ApiCall) -> None:
    """KG403 when the API's algorithm (fixed or chosen by an argument) is prohibited."""
    if api.algorithm in ctx.table.prohibited_algorithms:
        ctx.report(
            PROHIBITED_ALGORITHM,
            api.call,
            f"`{short(api.qualname)}` uses the prohibited algorithm {api.algorithm}",
            api.facts,
        )


def _named_algorithm(component: str, spellings: dict[str, str], whole: bool) -> str | None:
    found = spellings.get(component.lower())
    if found is not None or whole:
        return found
    return next((spellings[w] for w in split_words(component) if w in spellings), None)


# Lengths of DES, Triple DES, Blowfish/RC4 and AES keys in bytes: a bytes literal of one of these
# lengths as the first argument is a key (``Python_TripleDES(b"..." * 24, iv)``); text is not (a
# message of 24 characters is no key).
_KEY_LENGTHS = frozenset({8, 16, 24, 32})


def _literal_length(expr: cst.BaseExpression) -> int | None:
    """The length of a bytes literal, also repeated (``b"\\xaa" * 24``)."""
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return len(value) if isinstance(value, bytes) else None
    if (
        isinstance(expr, cst.BinaryOperation)
        and isinstance(expr.operator, cst.Multiply)
        and isinstance(expr.right, cst.Integer)
    ):
        unit = _literal_length(expr.left)
        return None if unit is None else unit * int(expr.right.value)
    return None


def _passes_a_key(call: cst.Call) -> bool:
    from analyzer.engines.python.walk.imports import dotted

    first = call.args[0]
    if first.keyword is None and _literal_length(first.value) in _KEY_LENGTHS:
        return True
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in ("key", "password"):
            return True
        words = dotted(arg.value).rsplit(".", 1)[-1].lower().strip("_")
        if words and ("key" in words or "password" in words):
            return True
    return False


def first_parameter_is_key(summary: FunctionSummary | None) -> bool:
    """The project's own callee names the parameter its first argument fills as a key
    (``class Python_TripleDES: def __init__(self, key, iv=None)``)."""
    if summary is None or not summary.params:
        return False
    words = split_words(summary.params[0])
    return "key" in words or "password" in words


def named_algorithm(
    call: cst.Call,
    qualname: str,
    spellings: dict[str, str],
    callee: Callable[[], FunctionSummary | None] | None = None,
) -> str | None:
    """The prohibited algorithm a call of code the table does not know is named after: the
    project's own ``DES(key)``, ``python_rc4.new(key)``, ``m2.rc4_set_key(c, key)``. A name that
    merely contains the algorithm needs a key among the arguments: a key-named argument, a
    bytes literal of a key's length, or any first argument when ``callee`` (the summary of the
    project's own callee, asked for only then) names that parameter as a key."""
    if not call.args:
        return None
    parts = [p for p in qualname.replace("()", "").split(".") if p]
    if not parts:
        return None
    algorithm = _named_algorithm(parts[-1], spellings, whole=True)
    first = call.args[0]
    keyed = (
        callee is not None
        and first.keyword is None
        and not first.star
        and _named_algorithm(parts[-1], spellings, whole=False) is not None
    )
    if algorithm is None and (_passes_a_key(call) or (keyed and first_parameter_is_key(callee()))):
        algorithm = _named_algorithm(parts[-1], spellings, whole=False)
        if algorithm is None and len(parts) > 1 and parts[-2].islower():
            algorithm = _named_algorithm(parts[-2], spellings, whole=False)
    return algorithm


def report_named_after(ctx: CheckContext, call: cst.Call, qualname: str, algorithm: str) -> None:
    """KG403 at a call named after a prohibited algorithm."""
    ctx.report(
        PROHIBITED_ALGORITHM,
        call,
        f"`{short(qualname)}` is named after the prohibited algorithm {algorithm}",
        {"api": qualname, "library": "unknown", "algorithm": algorithm},
    )


def check_named_after_prohibited(
    ctx: CheckContext, call: cst.Call, qualname: str, spellings: dict[str, str]
) -> None:
    """KG403 when the call is named after a prohibited algorithm (``named_algorithm``)."""
    algorithm = named_algorithm(call, qualname, spellings)
    if algorithm is not None:
        report_named_after(ctx, call, qualname, algorithm)
