"""One scan from paths to a report: discover, prefilter, run the engines, apply the policy.

The engines come from the registry, by the names the language table gives: this module names none.
Engines are imported on first use, so a warm re-scan or a hook on files no engine needs never pays
for LibCST, Semgrep or detect-secrets.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from analyzer.catalogue.rules import rules
from analyzer.engines.base import EngineContext
from analyzer.engines.registry import LINKING_ENGINES, STORE_ENGINES
from analyzer.findings.combine import combine
from analyzer.findings.fingerprint import assign_fingerprints
from analyzer.findings.model import (
    DOCUMENTATION_CONTEXT,
    FAILURE_KINDS,
    FileResult,
    Finding,
    Notification,
    ScanReport,
)
from analyzer.findings.redact import redact_line
from analyzer.knowledge.languages import is_test_content
from analyzer.pipeline.batch import start_batches
from analyzer.pipeline.cache import ResultCache, tracked_cache_files
from analyzer.pipeline.discover import Candidate, discover
from analyzer.pipeline.files import _Context, _Work, analyze_files, cpu_jobs, from_cache
from analyzer.policy import Policy, apply_policy, kms_findings
from analyzer.policy.paths import matches

__all__ = ["DEFAULT_FILE_TIMEOUT", "DEFAULT_MAX_FILE_BYTES", "ScanOptions", "ScanReport", "scan"]

DEFAULT_MAX_FILE_BYTES = 2_000_000
DEFAULT_FILE_TIMEOUT = 30.0


@dataclass(frozen=True)
class ScanOptions:
    """How to scan, independent of what the standard says."""

    jobs: int = 0
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    file_timeout: float = DEFAULT_FILE_TIMEOUT
    # Engines turned off, by the names the language table uses ("semgrep", "secrets").
    without: Collection[str] = frozenset()
    today: dt.date | None = None
    # The cache folder (one sub-folder per scan root); None: no result cache. The CLI passes
    # the user's cache folder (``cache.default_cache_dir``).
    cache_dir: Path | None = None


def _candidates(paths: list[Path], root: Path, options: ScanOptions) -> list[Candidate]:
    """The files to look at, without the cache's own folder."""
    candidates = list(discover(paths, root))
    if options.cache_dir is not None:
        inside = str(options.cache_dir.absolute()) + os.sep
        candidates = [c for c in candidates if not str(c.path.absolute()).startswith(inside)]
    return candidates


def _open_cache(
    root: Path, policy: Policy, options: ScanOptions, report: ScanReport[Policy]
) -> ResultCache | None:
    """The result cache of this scan root, unless the scanned tree supplies cache files of its
    own (tracked by git): those are never read, and the scan says so once."""
    if options.cache_dir is None:
        return None
    planted = tracked_cache_files(root, options.cache_dir)
    if planted:
        report.notifications.append(
            Notification(
                f"{len(planted)} keyguard cache file(s) tracked by git inside the scanned tree "
                f"were ignored ({planted[0]}): scan results are never taken from the scanned code",
                kind="cache-tracked",
            )
        )
        cache_dir = options.cache_dir.resolve()
        if any((root.resolve() / name).resolve().is_relative_to(cache_dir) for name in planted):
            return None
    cache = ResultCache.open(options.cache_dir, policy, root)
    if cache is not None:
        cache.prune()
    return cache


def _cache_notes(cache: ResultCache | None) -> list[Notification]:
    """Entries that failed their HMAC (forged, or written with another user's secret), once."""
    if cache is None or not cache.rejected:
        return []
    return [
        Notification(
            f"{cache.rejected} result cache entr{'y' if cache.rejected == 1 else 'ies'} failed "
            f"verification and {'was' if cache.rejected == 1 else 'were'} ignored "
            f"(forged or corrupt; analysed again): {cache.directory}",
            kind="cache-unverified",
        )
    ]


def _results(
    candidates: list[Candidate], ctx: _Context, report: ScanReport[Policy]
) -> list[FileResult]:
    """Every engine's results: whole-run engines in threads while per-file engines run."""
    batches, notes = start_batches(candidates, ctx.limit, ctx.without, ctx.cache, ctx.engine)
    report.notifications += notes
    works = [_Work(c.path, c.rel) for c in candidates]
    results, todo = from_cache(works, ctx)
    results += analyze_files(todo, ctx, ctx.jobs)
    for batch in batches:
        batch.join()
        results += batch.results
        report.notifications += batch.notes
    return results


def _count(results: list[FileResult], report: ScanReport[Policy]) -> None:
    """Files analysed, failed (with a notification that says so) and skipped by every prefilter."""
    analysed = {r.path for r in results if r.analyzed or r.findings}
    notes = [*(n for r in results for n in r.notifications), *report.notifications]
    failed = {n.path for n in notes if n.path and n.kind in FAILURE_KINDS}
    report.files_failed = len(failed)
    report.files_analyzed = len(analysed - failed)
    report.files_skipped = max(report.files_seen - report.files_analyzed - report.files_failed, 0)


def _findings(
    results: list[FileResult], policy: Policy, context: EngineContext, report: ScanReport[Policy]
) -> list[Finding]:
    """The findings of all files, the policy's own (generation outside a KMS) and each engine's
    project step, one per thing seen."""
    findings = [f for r in results for f in r.findings if policy.rule_enabled(f.rule_id)]
    report.sites = sorted((s for r in results for s in r.sites), key=lambda s: (s.location, s.api))
    report.notifications += [n for r in results for n in r.notifications]
    findings += kms_findings(report.sites, policy)
    findings = combine(findings)
    for engine in LINKING_ENGINES:
        findings += engine.link(findings, report.sites, context) or []
    report.stores = [s for r in results for s in r.stores]
    bindings = [b for r in results for b in r.bindings]
    for store_engine in STORE_ENGINES:
        found = store_engine.resolve_stores(report.stores, bindings, report.sites, context)
        findings += [f for f in found if policy.rule_enabled(f.rule_id)]
    report.stores.sort(key=lambda s: (s.location, s.address))
    return findings


def _finish(findings: list[Finding], policy: Policy, is_test: Callable[[str], bool]) -> None:
    """Each finding's level (the policy's in documentation, one lower in test code) and a redacted
    snippet for hard-coded keys."""
    catalogue = rules()
    for finding in findings:
        level = finding.level or catalogue[finding.rule_id].level
        if finding.facts.get("context") == DOCUMENTATION_CONTEXT:
            level = policy.documentation_level
        finding.is_test = is_test(finding.location.path)
        if finding.is_test:
            level = "warning" if level == "error" else "note"
        finding.level = level  # type: ignore[assignment]
        if catalogue[finding.rule_id].category == "hardcoded-key":
            finding.snippet = redact_line(finding.snippet)


_HEAD_LINES = 400


def _test_code(policy: Policy, lines_of: Callable[[str], list[str]]) -> Callable[[str], bool]:
    """Test code by the policy's test paths, else by content: a file that imports a test
    framework in its first lines (read only for files with findings)."""
    verdicts: dict[str, bool] = {}

    def is_test(rel: str) -> bool:
        if rel not in verdicts:
            verdicts[rel] = matches(rel, policy.test_paths) or is_test_content(
                rel, "\n".join(lines_of(rel)[:_HEAD_LINES])
            )
        return verdicts[rel]

    return is_test


def _line_reader(root: Path) -> Callable[[str], list[str]]:
    """The lines of a scanned file (read once), for suppression comments."""
    texts: dict[str, list[str]] = {}

    def lines_of(rel: str) -> list[str]:
        if rel not in texts:
            try:
                raw = (root / rel).read_bytes()
                texts[rel] = raw.decode("utf-8", errors="replace").splitlines()
            except OSError:
                texts[rel] = []
        return texts[rel]

    return lines_of


def scan(
    paths: list[Path],
    root: Path,
    policy: Policy,
    options: ScanOptions | None = None,
) -> ScanReport[Policy]:
    """Scan ``paths`` (files or folders) and report relative to ``root``."""
    options = options or ScanOptions()
    report: ScanReport[Policy] = ScanReport(root=root, policy=policy)
    candidates = _candidates(paths, root, options)
    report.files_seen = len(candidates)
    cache = _open_cache(root, policy, options, report)
    ctx = _Context(
        root,
        policy,
        options.max_file_bytes,
        cache,
        options.file_timeout,
        without=frozenset(options.without),
        jobs=cpu_jobs(options.jobs),
    )
    results = _results(candidates, ctx, report)
    if cache is not None and ctx.rows and ctx.rows != ctx.index:
        cache.save_index(ctx.rows)
    report.notifications += _cache_notes(cache)
    _count(results, report)

    findings = _findings(results, policy, ctx.engine, report)
    lines_of = _line_reader(root)
    _finish(findings, policy, _test_code(policy, lines_of))
    today = options.today or dt.date.today()
    report.notifications += apply_policy(findings, policy, lines_of, today)
    findings.sort(key=Finding.sort_key)
    assign_fingerprints(findings)
    report.findings = findings
    report.notifications.sort(key=lambda n: (n.path or "", n.line or 0, n.kind, n.message))
    report.ended = dt.datetime.now(dt.UTC)
    return report
