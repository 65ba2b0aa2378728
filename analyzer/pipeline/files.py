"""Per-file engines over many files: read, prefilter, analyse, cache; in worker processes."""

from __future__ import annotations

import gc
import os
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.engines.base import EngineContext, FileEngine, ProjectPrefilter, Target
from analyzer.engines.registry import FILE_ENGINES
from analyzer.findings.model import FileResult, Notification
from analyzer.findings.redact import redact_line
from analyzer.knowledge.languages import engines_for, is_source, language_name
from analyzer.pipeline.cache import ResultCache, content_hash, stat_row
from analyzer.pipeline.discover import Candidate
from analyzer.pipeline.timelimit import TimeLimitExceeded, time_limit
from analyzer.policy import Policy

PARALLEL_MIN_FILES = 24
# The cyclic collector's thresholds while files are analysed. A parse makes hundreds of thousands
# of nodes that live until the file is done; at CPython's default (700 allocations) they are
# traversed again and again, about a third of the Python engine's CPU. The trees' own cycles
# (scopes and their bindings) are still collected, only less often.
ANALYSIS_GC_THRESHOLDS = (100_000, 50, 50)


@dataclass(frozen=True)
class _Work:
    """A unit handed to a worker: one file."""

    path: Path
    rel: str


@dataclass
class _Context:
    """What every worker needs for the whole scan; sent once per worker process."""

    root: Path
    policy: Policy
    limit: int
    cache: ResultCache | None
    timeout: float = 0
    without: frozenset[str] = frozenset()
    jobs: int = 1
    # This process's stat rows of files whose result is in the cache (see ``from_cache``).
    rows: dict[str, list[Any]] = field(default_factory=dict)
    index: dict[str, list[Any]] = field(default_factory=dict)  # the stat index as it was read
    _engine: EngineContext | None = field(default=None, repr=False)

    @property
    def engine(self) -> EngineContext:
        """The engines' view of the scan (made on demand, kept for the process)."""
        if self._engine is None:
            self._engine = EngineContext(
                self.root, self.policy.thresholds, self.jobs, file_timeout=self.timeout
            )
        return self._engine

    def engines(self, rel: str, data: bytes) -> list[FileEngine]:
        """The per-file engines that read this file, in the order they run."""
        wanted = engines_for(rel, data)
        return [
            e for name, e in FILE_ENGINES.items() if name in wanted and name not in self.without
        ]

    def engine_names(self, rel: str, data: bytes) -> str:
        """The names of the per-file engines that read this file, as the cache key holds them."""
        return ",".join(e.name for e in self.engines(rel, data))

    def key(self, rel: str, data: bytes) -> str | None:
        """The cache key of a file's combined per-file result (None without a cache)."""
        if self.cache is None:
            return None
        return self.cache.key(rel, content_hash(data), self.engine_names(rel, data))

    def lookups_hold(self, lookups: dict[str, list[list[Any]]]) -> bool:
        """Whether every engine's recorded look-ups for a cached result still hold."""
        for name, recorded in lookups.items():
            engine = FILE_ENGINES.get(name)
            if engine is None or not engine.still_holds(recorded, self.engine):
                return False
        return True


_WORKER: list[_Context] = []


def _read(
    candidate: Candidate, limit: int
) -> tuple[bytes | None, Notification | None, os.stat_result | None]:
    """The file's bytes (None when over the limit or unreadable, with a notification for a file
    some engine reads for sure), and its status from before the read."""
    try:
        status = candidate.path.stat()
        size = status.st_size
        if size > limit:
            if not is_source(candidate.rel):
                return None, None, None
            return (
                None,
                Notification(
                    f"{candidate.rel}: skipped, {size:,} bytes is over the {limit:,}-byte limit "
                    "(raise it with --max-file-size)",
                    kind="file-too-large",
                    path=candidate.rel,
                ),
                None,
            )
        return candidate.path.read_bytes(), None, status
    except OSError as exc:
        return (
            None,
            Notification(
                f"{candidate.rel}: cannot be read ({exc.strerror or exc})",
                kind="unreadable",
                path=candidate.rel,
            ),
            None,
        )


def _absorb(result: FileResult, found: FileResult) -> None:
    """Add one engine's result for a file to the file's combined result."""
    result.analyzed = True
    result.findings += found.findings
    result.sites += found.sites
    result.notifications += found.notifications
    result.stores += found.stores
    result.bindings += found.bindings


def _run_engines(work: _Work, data: bytes, ctx: _Context, result: FileResult) -> None:
    """Each engine that wants the file and whose prefilter passes it, within the time limit."""
    language = language_name(work.rel, data)
    target = Target(work.path, work.rel, language)
    with time_limit(ctx.timeout), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a SyntaxWarning would print the scanned line
        for engine in ctx.engines(work.rel, data):
            if engine.prefilter(data, language) or (
                isinstance(engine, ProjectPrefilter)
                and engine.prefilter_project(target, data, ctx.engine)
            ):
                _absorb(result, engine.analyze(target, data, ctx.engine))


def _timed_out(work: _Work, ctx: _Context, result: FileResult) -> FileResult:
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


def _failed(work: _Work, exc: Exception, result: FileResult) -> FileResult:
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


def _analyze(work: _Work, ctx: _Context) -> FileResult:
    """Run the per-file engines on one file and store the result in the cache; never raises."""
    result = FileResult(work.rel)
    data, problem, status = _read(Candidate(work.path, work.rel), ctx.limit)
    if problem is not None or data is None or status is None:
        result.notifications.extend([problem] if problem else [])
        return result
    ctx.engine.lookups.clear()
    try:
        _run_engines(work, data, ctx, result)
    except TimeLimitExceeded:
        return _timed_out(work, ctx, result)
    except Exception as exc:  # an engine bug must not cost the other files
        return _failed(work, exc, result)
    if ctx.cache is not None:
        digest, names = content_hash(data), ctx.engine_names(work.rel, data)
        ctx.cache.put(ctx.cache.key(work.rel, digest, names), result, dict(ctx.engine.lookups))
        empty = _empty_mark(result) if not ctx.engine.lookups else NOT_EMPTY
        ctx.rows[work.rel] = [*stat_row(status), digest, names, empty]
    return result


# How a stat-index row says what its file's cached result is, when that needs no entry read:
# an empty result that depended on no other file, of a file no engine analysed or one analysed.
NOT_EMPTY, EMPTY_SKIPPED, EMPTY_ANALYSED = 0, 1, 2


def _empty_mark(result: FileResult) -> int:
    if any((result.findings, result.sites, result.notifications, result.stores, result.bindings)):
        return NOT_EMPTY
    return EMPTY_ANALYSED if result.analyzed else EMPTY_SKIPPED


def _analyze_unit(unit: list[_Work]) -> tuple[list[FileResult], dict[str, list[Any]]]:
    """A worker's results for one unit, and the stat rows of the files it cached."""
    ctx = _WORKER[0]
    ctx.rows.clear()
    return [_analyze(work, ctx) for work in unit], dict(ctx.rows)


def _init_worker(ctx: _Context) -> None:
    _WORKER[:] = [ctx]
    gc.set_threshold(*ANALYSIS_GC_THRESHOLDS)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """The analysis thresholds of the cyclic collector, and the previous ones back afterwards."""
    previous = gc.get_threshold()
    gc.set_threshold(*ANALYSIS_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


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


def from_cache(works: list[_Work], ctx: _Context) -> tuple[list[FileResult], list[_Work]]:
    """Split work into results found in the cache and files still to analyse.

    A file whose size, modification time and inode are those the stat index recorded is looked
    up by the content hash recorded with them, without being read (and an empty result the row
    marks as such is not even read from the cache); any other file is read and hashed.
    """
    if ctx.cache is None or ctx.cache.is_empty():
        return [], works
    index = ctx.index = ctx.cache.load_index()
    hits: list[FileResult] = []
    todo: list[_Work] = []
    for work in works:
        try:
            status = work.path.stat()
            if status.st_size > ctx.limit:
                todo.append(work)
                continue
            row = index.get(work.rel)
            if row is None or row[:3] != stat_row(status):
                data = work.path.read_bytes()
                digest = content_hash(data)
                row = [*stat_row(status), digest, ctx.engine_names(work.rel, data), NOT_EMPTY]
        except OSError:
            todo.append(work)
            continue
        if row[5] != NOT_EMPTY:
            hits.append(FileResult(work.rel, analyzed=row[5] == EMPTY_ANALYSED))
            ctx.rows[work.rel] = row
            continue
        found = ctx.cache.get(ctx.cache.key(work.rel, row[3], row[4]), ctx.lookups_hold)
        if found is None:
            todo.append(work)
        else:
            hits.append(found)
            ctx.rows[work.rel] = row
    return hits, todo


def analyze_files(works: list[_Work], ctx: _Context, jobs: int) -> list[FileResult]:
    """Each file's combined per-file result, in a pool of worker processes when it pays."""
    with _fewer_collections():
        if jobs <= 1 or len(works) < PARALLEL_MIN_FILES:
            return [_analyze(work, ctx) for work in works]
        return _in_pool(works, ctx, jobs)


def _in_pool(works: list[_Work], ctx: _Context, jobs: int) -> list[FileResult]:
    """The results of worker processes, each with the whole scan's context."""
    for engine in FILE_ENGINES.values():
        engine.preload()  # imported once here and inherited by the forked workers
    results: list[FileResult] = []
    from concurrent.futures import ProcessPoolExecutor

    with _shared_folder() as shared:
        ctx.engine.shared = shared
        try:
            with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(ctx,)) as pool:
                for unit_results, rows in pool.map(_analyze_unit, _units(works, jobs)):
                    results.extend(unit_results)
                    ctx.rows.update(rows)
        finally:
            ctx.engine.shared = None
    return results


@contextmanager
def _shared_folder() -> Iterator[Path | None]:
    """A private temporary folder the workers share work through, removed afterwards; None
    (each worker on its own) when the temporary folder cannot be written."""
    try:
        folder = tempfile.TemporaryDirectory(prefix="keyguard-shared-", ignore_cleanup_errors=True)
    except OSError:
        yield None
        return
    with folder as name:
        yield Path(name)


def cpu_jobs(jobs: int) -> int:
    """The number of worker processes: as asked, or one per core."""
    return jobs or os.cpu_count() or 1
