"""Libraries and algorithms the standard prohibits (KG401, KG403), and pycrypto attribution."""

from __future__ import annotations

import libcst as cst

from analyzer.catalogue.ids import PROHIBITED_ALGORITHM, PROHIBITED_LIBRARY
from analyzer.engines.python.checks.context import ApiCall, CheckContext, short
from analyzer.engines.python.table import Table


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


def check_prohibited_references(ctx: CheckContext) -> None:
    """KG403 where a prohibited cipher class or module is chosen as a value (a table entry, a
    default, an argument, an assignment) rather than called; an import alone is not a choice."""
    for expr, scope in ctx.collected.references:
        qualname = ctx.evaluator.qualname(expr, scope)
        if qualname is None or "." not in qualname:
            continue
        algorithm = ctx.table.referenced_algorithm(qualname)
        if algorithm is None:
            continue
        ctx.report(
            PROHIBITED_ALGORITHM,
            expr,
            f"`{short(qualname)}` selects the prohibited algorithm {algorithm}",
            {"api": qualname, "library": "unknown", "algorithm": algorithm},
        )
