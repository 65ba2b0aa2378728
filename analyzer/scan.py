"""One scan from paths to a report: discover, prefilter, run engines, apply the policy."""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from analyzer.catalogue import rules
from analyzer.discover import Candidate, discover
from analyzer.fingerprint import assign_fingerprints
from analyzer.iac import analyze_iac, could_be_iac, iac_kind, iac_prefilter, link_sites
from analyzer.languages import is_python, is_source, semgrep_language
from analyzer.model import LEVEL_ORDER, FileResult, Finding, KeySite, Notification
from analyzer.policy import Policy, apply_policy, kms_findings
from analyzer.policy.paths import matches
from analyzer.python import analyze_python, python_prefilter
from analyzer.python.resolver import ModuleResolver
from analyzer.redact import redact_line
from analyzer.secrets import scan_secrets, secrets_prefilter
from analyzer.semgrep import run_semgrep, semgrep_prefilter

DEFAULT_MAX_FILE_BYTES = 2_000_000
DEFAULT_FILE_TIMEOUT = 30.0
PARALLEL_MIN_FILES = 24


@dataclass(frozen=True)
class ScanOptions:
    """How to scan, independent of what the standard says."""

    jobs: int = 0
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    file_timeout: float = DEFAULT_FILE_TIMEOUT
    semgrep: bool = True
    secrets: bool = True
    today: dt.date | None = None


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


@cache
def _resolver(root: Path) -> ModuleResolver:
    """One resolver per process and root, so module constants are read once."""
    return ModuleResolver(root)


class _FileTimeout(BaseException):
    """Raised by the alarm in the middle of an engine; a BaseException so engines cannot eat it."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise ``_FileTimeout`` after ``seconds`` of wall time; a no-op outside the main thread."""
    usable = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def _expired(_signum: int, _frame: object) -> None:
        raise _FileTimeout

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _analyze(work: _Work, root: Path, policy: Policy, limit: int, timeout: float = 0) -> FileResult:
    """Run the in-process engines on one file within ``timeout`` seconds; never raises."""
    result = FileResult(work.rel)
    data, problem = _read(Candidate(work.path, work.rel), limit)
    if problem is not None or data is None:
        result.notifications.extend([problem] if problem else [])
        return result
    try:
        with _time_limit(timeout), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a SyntaxWarning would print the scanned line
            if work.python and python_prefilter(data):
                found = analyze_python(data, work.rel, policy.thresholds, _resolver(root))
                result.analyzed = True
                result.findings += found.findings
                result.sites += found.sites
                result.notifications += found.notifications
            if iac_kind(work.rel, data) is not None and iac_prefilter(data):
                found = analyze_iac(data, work.rel, policy.thresholds)
                result.analyzed = True
                result.findings += found.findings
                result.sites += found.sites
                result.notifications += found.notifications
            if work.secrets and b"\0" not in data[:8192] and secrets_prefilter(data):
                found = scan_secrets(data, work.rel)
                result.analyzed = True
                result.findings += found.findings
                result.notifications += found.notifications
    except _FileTimeout:
        result.findings.clear()
        result.sites.clear()
        result.notifications.append(
            Notification(
                f"{work.rel}: abandoned after {timeout:g} s, analysis took too long "
                "(raise the limit with --file-timeout)",
                kind="file-timeout",
                path=work.rel,
            )
        )
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


def _analyze_batch(
    batch: list[_Work], root: Path, policy: Policy, limit: int, timeout: float = 0
) -> list[FileResult]:
    return [_analyze(work, root, policy, limit, timeout) for work in batch]


def _balanced(works: list[_Work], parts: int) -> list[list[_Work]]:
    """Split work into ``parts`` batches of similar total size (largest first, greedy)."""
    sized = sorted(works, key=lambda w: _size(w.path), reverse=True)
    batches: list[list[_Work]] = [[] for _ in range(parts)]
    totals = [0] * parts
    for work in sized:
        i = totals.index(min(totals))
        batches[i].append(work)
        totals[i] += _size(work.path) + 4096
    return [b for b in batches if b]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _run_in_process(
    works: list[_Work], root: Path, policy: Policy, options: ScanOptions
) -> Iterable[FileResult]:
    jobs = options.jobs or os.cpu_count() or 1
    if jobs <= 1 or len(works) < PARALLEL_MIN_FILES:
        return _analyze_batch(works, root, policy, options.max_file_bytes, options.file_timeout)
    batches = _balanced(works, jobs * 4)
    results: list[FileResult] = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [
            pool.submit(
                _analyze_batch, batch, root, policy, options.max_file_bytes, options.file_timeout
            )
            for batch in batches
        ]
        for future in futures:
            results.extend(future.result())
    return results


def _semgrep_targets(
    candidates: list[Candidate], limit: int
) -> tuple[list[tuple[Path, str]], dict[str, str]]:
    """Non-Python files Semgrep should read, and the language of each (by name or content)."""
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
    report.files_seen = len(candidates)
    works = [
        _Work(c.path, c.rel, python=is_python(c.rel), secrets=options.secrets) for c in candidates
    ]

    semgrep_results: list[FileResult] = []
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

        thread = threading.Thread(target=_semgrep, name="semgrep")
        thread.start()

    results = list(_run_in_process(works, root, policy, options))
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
