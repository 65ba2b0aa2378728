"""One scan from paths to a report: discover, prefilter, run engines, apply the policy."""

from __future__ import annotations

import datetime as dt
import os
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.catalogue.rules import rules
from analyzer.engines.iac.engine import (
    analyze_iac,
    could_be_iac,
    iac_kind,
    iac_prefilter,
    link_sites,
)
from analyzer.findings.fingerprint import assign_fingerprints
from analyzer.findings.model import LEVEL_ORDER, FileResult, Finding, KeySite, Notification
from analyzer.findings.redact import redact_line
from analyzer.pipeline.cache import RecordingResolver, ResultCache, content_hash
from analyzer.pipeline.discover import Candidate, discover
from analyzer.pipeline.languages import is_python, is_source, semgrep_language
from analyzer.pipeline.timelimit import TimeLimitExceeded, time_limit
from analyzer.policy import Policy, apply_policy, kms_findings
from analyzer.policy.paths import matches

if TYPE_CHECKING:
    from analyzer.engines.python.resolver import ModuleResolver


DEFAULT_MAX_FILE_BYTES = 2_000_000
DEFAULT_FILE_TIMEOUT = 30.0
PARALLEL_MIN_FILES = 24
SEMGREP_ENGINES = "semgrep"


# The engines are imported on first use, so that a warm re-scan or a hook on files no engine needs
# never pays for LibCST, Semgrep or detect-secrets. These names are the scan's only entry points.


def analyze_python(source: bytes, path: str, thresholds: Any, resolver: Any) -> FileResult:
    from analyzer.engines.python.engine import analyze_python as engine

    return engine(source, path, thresholds, resolver)


def scan_secrets(data: bytes, path: str) -> FileResult:
    from analyzer.engines.secrets.engine import scan_secrets as engine

    return engine(data, path)


def run_semgrep(
    targets: list[tuple[Path, str]], thresholds: Any, **kwargs: Any
) -> tuple[list[FileResult], list[Notification]]:
    from analyzer.engines.semgrep.engine import run_semgrep as engine

    return engine(targets, thresholds, **kwargs)


@dataclass(frozen=True)
class ScanOptions:
    """How to scan, independent of what the standard says."""

    jobs: int = 0
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    file_timeout: float = DEFAULT_FILE_TIMEOUT
    semgrep: bool = True
    secrets: bool = True
    today: dt.date | None = None
    cache_dir: Path | None = None  # None: no result cache (the CLI passes .keyguard/cache)


@dataclass
class ScanReport:
    """Everything a reporter needs, and nothing it must compute."""

    root: Path
    policy: Policy
    findings: list[Finding] = field(default_factory=list)
    sites: list[KeySite] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    files_seen: int = 0
    files_analyzed: int = 0
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    ended: dt.datetime | None = None

    def active(self) -> list[Finding]:
        """Findings that are not suppressed."""
        return [f for f in self.findings if f.suppression is None]

    def count_at_or_above(self, level: str) -> int:
        floor = LEVEL_ORDER[level]
        return sum(1 for f in self.active() if LEVEL_ORDER[f.level or "warning"] >= floor)


@dataclass(frozen=True)
class _Work:
    """A unit handed to a worker: one file and which in-process engines it needs."""

    path: Path
    rel: str
    python: bool
    secrets: bool


def _read(candidate: Candidate, limit: int) -> tuple[bytes | None, Notification | None]:
    try:
        size = candidate.path.stat().st_size
        if size > limit:
            if not is_source(candidate.rel):
                return None, None
            return None, Notification(
                f"{candidate.rel}: skipped, {size:,} bytes is over the {limit:,}-byte limit "
                "(raise it with --max-file-size)",
                kind="file-too-large",
                path=candidate.rel,
            )
        return candidate.path.read_bytes(), None
    except OSError as exc:
        return None, Notification(
            f"{candidate.rel}: cannot be read ({exc.strerror or exc})",
            kind="unreadable",
            path=candidate.rel,
        )


def _engines(work: _Work) -> str:
    return f"python={work.python:d};secrets={work.secrets:d}"


@dataclass
class _Context:
    """What every worker needs for the whole scan; sent once per worker process."""

    root: Path
    policy: Policy
    limit: int
    cache: ResultCache | None
    timeout: float = 0
    _resolver: Any = None

    @property
    def resolver(self) -> ModuleResolver:
        """One resolver per scan (it keeps module constants as they were read), made on demand."""
        if self._resolver is None:
            from analyzer.engines.python.resolver import ModuleResolver

            self._resolver = ModuleResolver(self.root)
        return self._resolver  # type: ignore[no-any-return]


_WORKER: list[_Context] = []
# Notification kinds that mean a code engine could not read the file.
PARSE_FAILURES = frozenset({"syntax-error", "decode-error", "too-complex"})


def _absorb(result: FileResult, found: FileResult) -> None:
    """Add one engine's result for a file to the file's combined result."""
    result.analyzed = True
    result.findings += found.findings
    result.sites += found.sites
    result.notifications += found.notifications


def _analyze(work: _Work, ctx: _Context) -> FileResult:
    """Run the in-process engines on one file and store the result in the cache; never raises."""
    result = FileResult(work.rel)
    data, problem = _read(Candidate(work.path, work.rel), ctx.limit)
    if problem is not None or data is None:
        result.notifications.extend([problem] if problem else [])
        return result
    from analyzer.engines.python.prefilter import python_prefilter
    from analyzer.engines.secrets.engine import secrets_prefilter

    lookups: list[list[Any]] = []
    try:
        with time_limit(ctx.timeout), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a SyntaxWarning would print the scanned line
            if work.python and python_prefilter(data):
                resolver = RecordingResolver(ctx.resolver)
                _absorb(result, analyze_python(data, work.rel, ctx.policy.thresholds, resolver))
                lookups = resolver.lookups
            if iac_kind(work.rel, data) is not None and iac_prefilter(data):
                _absorb(result, analyze_iac(data, work.rel, ctx.policy.thresholds))
            if work.secrets and b"\0" not in data[:8192] and secrets_prefilter(data):
                _absorb(result, scan_secrets(data, work.rel))
    except TimeLimitExceeded:
        result.findings.clear()
        result.sites.clear()
        result.notifications.append(
            Notification(
                f"{work.rel}: abandoned after {ctx.timeout:g} s, analysis took too long "
                "(raise the limit with --file-timeout)",
                kind="file-timeout",
                path=work.rel,
            )
        )
        return result
    except Exception as exc:  # an engine bug must not cost the other files
        result.notifications.append(
            Notification(
                # an exception's text may quote the file: redacted and cut, like a snippet
                f"{work.rel}: internal error while analysing "
                f"({type(exc).__name__}: {redact_line(str(exc))[:200]})",
                kind="internal-error",
                level="error",
                path=work.rel,
            )
        )
        return result
    if any(n.kind in PARSE_FAILURES for n in result.notifications):
        result.analyzed = False  # an engine could not parse it: not counted as analysed
    if ctx.cache is not None:
        key = ctx.cache.key(work.rel, content_hash(data), _engines(work))
        ctx.cache.put(key, result, lookups)
    return result


def _analyze_unit(unit: list[_Work]) -> list[FileResult]:
    return [_analyze(work, _WORKER[0]) for work in unit]


def _init_worker(ctx: _Context) -> None:
    _WORKER[:] = [ctx]


def _units(works: list[_Work], jobs: int) -> list[list[_Work]]:
    """Work units of similar byte size, largest first, many more than workers so that the pool
    balances itself: a large file is a unit alone, small files are packed together."""
    sized = sorted(((_size(w.path), w) for w in works), key=lambda p: p[0], reverse=True)
    total = sum(size for size, _ in sized)
    target = max(total // (jobs * 16), 64 * 1024)
    units: list[list[_Work]] = []
    current: list[_Work] = []
    filled = 0
    for size, work in sized:
        if size >= target:
            units.append([work])
            continue
        current.append(work)
        filled += size + 4096
        if filled >= target:
            units.append(current)
            current, filled = [], 0
    if current:
        units.append(current)
    return units


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _from_cache(works: list[_Work], ctx: _Context) -> tuple[list[FileResult], list[_Work]]:
    """Split work into results found in the cache and files still to analyse."""
    if ctx.cache is None or ctx.cache.is_empty():
        return [], works
    hits: list[FileResult] = []
    todo: list[_Work] = []
    for work in works:
        try:
            if work.path.stat().st_size > ctx.limit:
                todo.append(work)
                continue
            data = work.path.read_bytes()
        except OSError:
            todo.append(work)
            continue
        key = ctx.cache.key(work.rel, content_hash(data), _engines(work))
        found = ctx.cache.get(key, ctx.resolver)
        if found is None:
            todo.append(work)
        else:
            hits.append(found)
    return hits, todo


def _run_in_process(works: list[_Work], ctx: _Context, options: ScanOptions) -> list[FileResult]:
    jobs = options.jobs or os.cpu_count() or 1
    if jobs <= 1 or len(works) < PARALLEL_MIN_FILES:
        return [_analyze(work, ctx) for work in works]
    # Imported once here and inherited by the forked workers.
    import analyzer.engines.python.checks.run
    import analyzer.engines.python.evaluate.consts
    import analyzer.engines.python.walk.visitor  # noqa: F401

    results: list[FileResult] = []
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(ctx,)) as pool:
        for unit_results in pool.map(_analyze_unit, _units(works, jobs)):
            results.extend(unit_results)
    return results


def _semgrep_targets(
    candidates: list[Candidate], limit: int
) -> tuple[list[tuple[Path, str]], dict[str, str]]:
    """Non-Python files Semgrep should read, and the language of each (by name or content)."""
    from analyzer.engines.semgrep.engine import semgrep_prefilter

    targets: list[tuple[Path, str]] = []
    languages: dict[str, str] = {}
    for c in candidates:
        language = semgrep_language(c.rel)
        if language is None and not could_be_iac(c.rel):
            continue
        try:
            if c.path.stat().st_size > limit:
                continue
            with c.path.open("rb") as fh:
                head = fh.read(limit)
        except OSError:
            continue
        if language is None:
            language = iac_kind(c.rel, head)
            if language is None or not iac_prefilter(head):
                continue
        elif language == "terraform":
            if not iac_prefilter(head):
                continue
        elif not semgrep_prefilter(head):
            continue
        targets.append((c.path, c.rel))
        languages[c.rel] = language
    return targets, languages


def _semgrep_from_cache(
    targets: list[tuple[Path, str]], cache: ResultCache | None
) -> tuple[list[FileResult], list[tuple[Path, str]], dict[str, str]]:
    """Cached Semgrep results (Semgrep rules see one file at a time), the targets still to run,
    and the cache key of each of those."""
    if cache is None:
        return [], targets, {}
    hits: list[FileResult] = []
    todo: list[tuple[Path, str]] = []
    keys: dict[str, str] = {}
    for path, rel in targets:
        try:
            key = cache.key(rel, content_hash(path.read_bytes()), SEMGREP_ENGINES)
        except OSError:
            todo.append((path, rel))
            continue
        found = None if cache.is_empty() else cache.get(key)
        if found is None:
            todo.append((path, rel))
            keys[rel] = key
        else:
            hits.append(found)
    return hits, todo, keys


def _semgrep_to_cache(
    cache: ResultCache | None,
    keys: dict[str, str],
    results: list[FileResult],
    notes: list[Notification],
) -> None:
    """Store each file's Semgrep result, unless the run or that file had a problem."""
    if cache is None or any(n.path is None for n in notes):
        return
    noted = {n.path for n in notes}
    merged: dict[str, FileResult] = {}
    for r in results:
        one = merged.setdefault(r.path, FileResult(r.path))
        one.analyzed = one.analyzed or r.analyzed
        one.findings += r.findings
        one.sites += r.sites
        one.notifications += r.notifications
    for rel, key in keys.items():
        if rel not in noted and rel in merged and merged[rel].analyzed:
            cache.put(key, merged[rel])


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Where two engines saw the same thing, keep one finding.

    A literal that a code engine followed to a crypto API (KG301, at the call, with the literal's
    assignment as a related location) is the same thing detect-secrets sees on the assignment line
    (KG302): the KG301 finding stays. Identical (path, line, rule) findings are kept once.
    """
    covered: set[tuple[str, int]] = set()
    for f in findings:
        if f.rule_id == "KG301":
            covered.add((f.location.path, f.location.line))
            covered.update((r.location.path, r.location.line) for r in f.related)
    unique: dict[tuple[str, int, int, str], Finding] = {}
    for f in findings:
        if f.rule_id == "KG302" and (f.location.path, f.location.line) in covered:
            continue
        unique.setdefault((f.location.path, f.location.line, f.location.column, f.rule_id), f)
    return list(unique.values())


def _finish(findings: list[Finding], policy: Policy, is_test: Callable[[str], bool]) -> None:
    catalogue = rules()
    for finding in findings:
        level = finding.level or catalogue[finding.rule_id].level
        finding.is_test = is_test(finding.location.path)
        if finding.is_test:
            level = "warning" if level == "error" else "note"
        finding.level = level  # type: ignore[assignment]
        if catalogue[finding.rule_id].category == "hardcoded-key":
            finding.snippet = redact_line(finding.snippet)


def scan(
    paths: list[Path],
    root: Path,
    policy: Policy,
    options: ScanOptions | None = None,
) -> ScanReport:
    """Scan ``paths`` (files or folders) and report relative to ``root``."""
    options = options or ScanOptions()
    report = ScanReport(root=root, policy=policy)
    candidates = list(discover(paths, root))
    if options.cache_dir is not None:
        cache_folder = options.cache_dir.absolute()
        candidates = [c for c in candidates if cache_folder not in c.path.absolute().parents]
    report.files_seen = len(candidates)
    works = [
        _Work(c.path, c.rel, python=is_python(c.rel), secrets=options.secrets) for c in candidates
    ]

    cache = ResultCache.open(options.cache_dir, policy) if options.cache_dir else None
    if cache is not None:
        cache.prune()
    ctx = _Context(root, policy, options.max_file_bytes, cache, options.file_timeout)

    semgrep_notes: list[Notification] = []
    thread: threading.Thread | None = None
    targets, languages = _semgrep_targets(candidates, options.max_file_bytes)
    if targets and not options.semgrep:
        report.notifications.append(
            Notification(
                f"Semgrep disabled (--no-semgrep): {len(targets)} "
                f"{', '.join(sorted(set(languages.values())))} files were not analysed",
                kind="engine-disabled",
            )
        )
        targets = []
    semgrep_results, targets, keys = _semgrep_from_cache(targets, cache)
    if targets:

        def _semgrep() -> None:
            results, notes = run_semgrep(
                targets,
                policy.thresholds,
                root=root,
                jobs=options.jobs or os.cpu_count() or 1,
                languages_of=languages,
            )
            if not any(n.kind == "engine-unavailable" for n in notes):
                results.extend(FileResult(rel, analyzed=True) for _, rel in targets)
            semgrep_results.extend(results)
            semgrep_notes.extend(notes)
            _semgrep_to_cache(cache, keys, results, notes)

        thread = threading.Thread(target=_semgrep, name="semgrep")
        thread.start()

    results, todo = _from_cache(works, ctx)
    results += _run_in_process(todo, ctx, options)
    if thread is not None:
        thread.join()
    results += semgrep_results
    report.notifications += semgrep_notes
    report.files_analyzed = len({r.path for r in results if r.analyzed or r.findings})

    findings = [f for r in results for f in r.findings if policy.rule_enabled(f.rule_id)]
    report.sites = sorted((s for r in results for s in r.sites), key=lambda s: (s.location, s.api))
    report.notifications += [n for r in results for n in r.notifications]
    findings += kms_findings(report.sites, policy)
    findings = _dedupe(findings)
    link_sites(report.sites, findings)
    _finish(findings, policy, lambda rel: matches(rel, policy.test_paths))

    texts: dict[str, list[str]] = {}

    def lines_of(rel: str) -> list[str]:
        if rel not in texts:
            try:
                raw = (root / rel).read_bytes()
                texts[rel] = raw.decode("utf-8", errors="replace").splitlines()
            except OSError:
                texts[rel] = []
        return texts[rel]

    today = options.today or dt.date.today()
    report.notifications += apply_policy(findings, policy, lines_of, today)
    findings.sort(key=Finding.sort_key)
    assign_fingerprints(findings)
    report.findings = findings
    report.notifications.sort(key=lambda n: (n.path or "", n.line or 0, n.kind, n.message))
    report.ended = dt.datetime.now(dt.UTC)
    return report
