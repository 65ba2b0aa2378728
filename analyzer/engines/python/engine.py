"""The Python engine: one LibCST parse and one walk per file, all rules evaluated on the result.

``analyze_python`` never raises for bad input: syntax errors, undecodable bytes, NUL bytes and
nesting too deep to walk become a Notification in the FileResult.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Callable
from typing import TYPE_CHECKING

from analyzer.engines.python.prefilter import python_prefilter
from analyzer.engines.python.resolver import ModuleResolver
from analyzer.findings.model import FileResult, Finding, KeySite, Location, Notification, Related
from analyzer.policy.thresholds import Thresholds

if TYPE_CHECKING:
    import libcst as cst

    from analyzer.engines.python.checks.context import Anchor, RawFinding, RawSite

# LibCST and the modules built on it are imported by analyze_python on first use: the prefilter
# and the resolver are imported by every scan, and most scans parse few files or none.

__all__ = ["ModuleResolver", "analyze_python", "python_prefilter"]
ENGINE = "keyguard-python"
# Bracket depth up to which LibCST may parse what the running CPython rejects.
MAX_NESTING = 100


def _decode(source: bytes) -> str:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    return source.decode(encoding)


def _notify(path: str, kind: str, message: str, line: int | None = None) -> FileResult:
    return FileResult(path, notifications=[Notification(message, kind, "warning", path, line)])


def _decoded(source: bytes, path: str) -> str | FileResult:
    """The source as text, or a notification when it is not Python text at all."""
    try:
        text = _decode(source)
    except (UnicodeDecodeError, SyntaxError, LookupError) as exc:
        return _notify(path, "decode-error", f"cannot decode {path}: {exc}")
    if "\x00" in text:
        return _notify(path, "decode-error", f"{path} contains NUL bytes; not a Python source file")
    return text


def _cpython_rejects(text: str, path: str) -> FileResult | None:
    """A notification when the running CPython cannot parse the text, else None."""
    try:
        # CPython's parser guards depth and syntax cheaply; LibCST's native parser can crash the
        # process on pathological nesting, so it only ever sees what CPython accepted -- or,
        # for grammar newer than this interpreter (PEP 695, PEP 701), shallow text.
        ast.parse(text, filename=path)
    except SyntaxError as exc:
        return _notify(
            path, "syntax-error", f"syntax error in {path} line {exc.lineno}: {exc.msg}", exc.lineno
        )
    except (RecursionError, MemoryError, ValueError) as exc:
        return _notify(
            path, "too-complex", f"{path} is nested too deeply to parse ({type(exc).__name__})"
        )
    return None


def _shallow(text: str) -> bool:
    """Brackets nest at most MAX_NESTING deep (strings counted too: only ever too cautious)."""
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth = max(depth - 1, 0)
    return deepest <= MAX_NESTING


def _check_module(
    module: cst.Module, path: str, thresholds: Thresholds, resolver: ModuleResolver | None
) -> tuple[list[RawFinding], list[RawSite]]:
    """Walk the module once and run every check over what the walk recorded."""
    from analyzer.engines.python.checks.run import run_checks
    from analyzer.engines.python.evaluate.consts import Evaluator
    from analyzer.engines.python.table import load_table
    from analyzer.engines.python.walk.fast import walk
    from analyzer.engines.python.walk.visitor import Collector

    table = load_table()
    collector = Collector(table, module)
    walk(module, collector)
    return run_checks(collector.result, table, thresholds, Evaluator(table, resolver, path))


def analyze_python(
    source: bytes,
    path: str,
    thresholds: Thresholds,
    resolver: ModuleResolver | None = None,
) -> FileResult:
    """Analyse one Python file; ``path`` is POSIX and relative to the scan root."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    text = _decoded(source, path)
    if isinstance(text, FileResult):
        return text
    module: cst.Module | None = None
    rejected = _cpython_rejects(text, path)
    if rejected is not None:
        if rejected.notifications[0].kind != "syntax-error" or not _shallow(text):
            return rejected
        try:
            # Grammar newer than this interpreter (PEP 695 type parameters, PEP 701 f-strings)
            # is still analysed: LibCST reads the newest grammar it supports.
            module = cst.parse_module(text)
        except Exception:  # any failure of the second parser keeps CPython's verdict
            return rejected
    try:
        module = module or cst.parse_module(text)
        raw_findings, raw_sites = _check_module(module, path, thresholds, resolver)
        if not raw_findings and not raw_sites:
            return FileResult(path)
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    except cst.ParserSyntaxError as exc:
        return _notify(
            path,
            "syntax-error",
            f"syntax error in {path} line {exc.raw_line}: {exc.message}",
            exc.raw_line,
        )
    except (RecursionError, MemoryError) as exc:
        return _notify(
            path, "too-complex", f"{path} is nested too deeply to analyse ({type(exc).__name__})"
        )

    def where(anchor: Anchor) -> Location:
        if isinstance(anchor, Location):
            return anchor
        span = positions[anchor]
        return Location(
            path, span.start.line, span.start.column + 1, span.end.line, span.end.column + 1
        )

    return _file_result(path, text, raw_findings, raw_sites, where)


def _file_result(
    path: str,
    text: str,
    raw_findings: list[RawFinding],
    raw_sites: list[RawSite],
    where: Callable[[Anchor], Location],
) -> FileResult:
    """Anchor findings and sites at locations, drop duplicates and sort."""
    lines = text.splitlines()
    result = FileResult(path)
    seen: set[tuple[str, int, int, str]] = set()
    for raw in raw_findings:
        loc = where(raw.node)
        key = (raw.rule_id, loc.line, loc.column, raw.message)
        if key in seen:
            continue
        seen.add(key)
        snippet = lines[loc.line - 1].strip() if 0 < loc.line <= len(lines) else ""
        related = [Related(where(a), m) for a, m in raw.related]
        result.findings.append(
            Finding(raw.rule_id, loc, raw.message, ENGINE, related, raw.facts, snippet)
        )
    for site in raw_sites:
        result.sites.append(
            KeySite(
                where(site.node),
                site.api,
                site.library,
                site.algorithm,
                site.primitive,
                site.size,
                site.curve,
                site.verdict,
                site.rule_ids,
            )  # type: ignore[arg-type]
        )
    result.findings.sort(key=Finding.sort_key)
    result.sites.sort(key=lambda s: (s.location.line, s.location.column))
    return result
