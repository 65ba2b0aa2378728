"""Whole-run engines (Semgrep): pick their targets, reuse cached results, run the rest in a thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from analyzer.engines.base import BatchEngine, EngineContext, Target
from analyzer.engines.registry import BATCH_ENGINES
from analyzer.findings.model import FileResult, Notification
from analyzer.knowledge.languages import could_be, language_name
from analyzer.pipeline.cache import ResultCache, content_hash
from analyzer.pipeline.discover import Candidate


def targets_of(engine: BatchEngine, candidates: list[Candidate], limit: int) -> list[Target]:
    """The files a whole-run engine should read: of its languages (by name or content) and passed
    by its prefilter."""
    wanted = engine.languages
    targets: list[Target] = []
    for c in candidates:
        if wanted is not None and not any(lang.name in wanted for lang in could_be(c.rel)):
            continue
        try:
            if c.path.stat().st_size > limit:
                continue
            with c.path.open("rb") as fh:
                head = fh.read(limit)
        except OSError:
            continue
        language = language_name(c.rel, head)
        if wanted is not None and language not in wanted:
            continue
        if engine.prefilter(head, language):
            targets.append(Target(c.path, c.rel, language))
    return targets


def disabled_note(engine: BatchEngine, targets: list[Target]) -> Notification:
    """What a user who turned an engine off did not get."""
    languages = ", ".join(sorted({t.language or "?" for t in targets}))
    return Notification(
        f"{engine.label} disabled ({engine.switch}): {len(targets)} "
        f"{languages} files were not analysed",
        kind="engine-disabled",
    )


@dataclass
class BatchRun:
    """One whole-run engine's run over its targets, cached per file, in a thread of its own."""

    engine: BatchEngine
    targets: list[Target]
    cache: ResultCache | None
    results: list[FileResult] = field(default_factory=list)
    notes: list[Notification] = field(default_factory=list)
    _keys: dict[str, str] = field(default_factory=dict)
    _thread: threading.Thread | None = None

    def start(self, context: EngineContext) -> None:
        """Take what the cache holds and run the engine on the rest in the background."""
        todo = self._from_cache()
        if not todo:
            return

        def run() -> None:
            results, notes = self.engine.analyze_batch(todo, context)
            if not any(n.kind == "engine-unavailable" for n in notes):
                results.extend(FileResult(t.rel, analyzed=True) for t in todo)
            self.results.extend(results)
            self.notes.extend(notes)
            self._to_cache(results, notes)

        self._thread = threading.Thread(target=run, name=self.engine.name)
        self._thread.start()

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def _from_cache(self) -> list[Target]:
        """Cached results (the engine's rules see one file at a time); the targets still to run."""
        if self.cache is None:
            return self.targets
        todo: list[Target] = []
        for target in self.targets:
            try:
                key = self.cache.key(
                    target.rel, content_hash(target.path.read_bytes()), self.engine.name
                )
            except OSError:
                todo.append(target)
                continue
            found = None if self.cache.is_empty() else self.cache.get(key)
            if found is None:
                todo.append(target)
                self._keys[target.rel] = key
            else:
                self.results.append(found)
        return todo

    def _to_cache(self, results: list[FileResult], notes: list[Notification]) -> None:
        """Store each file's result, unless the run or that file had a problem."""
        if self.cache is None or any(n.path is None for n in notes):
            return
        noted = {n.path for n in notes}
        merged: dict[str, FileResult] = {}
        for r in results:
            one = merged.setdefault(r.path, FileResult(r.path))
            one.analyzed = one.analyzed or r.analyzed
            one.findings += r.findings
            one.sites += r.sites
            one.notifications += r.notifications
        for rel, key in self._keys.items():
            if rel not in noted and rel in merged and merged[rel].analyzed:
                self.cache.put(key, merged[rel])


def start_batches(
    candidates: list[Candidate],
    limit: int,
    without: frozenset[str],
    cache: ResultCache | None,
    context: EngineContext,
) -> tuple[list[BatchRun], list[Notification]]:
    """Start every whole-run engine that has targets; a disabled one leaves a notification."""
    runs: list[BatchRun] = []
    notes: list[Notification] = []
    for engine in BATCH_ENGINES.values():
        targets = targets_of(engine, candidates, limit)
        if not targets:
            continue
        if engine.name in without:
            notes.append(disabled_note(engine, targets))
            continue
        run = BatchRun(engine, targets, cache)
        run.start(context)
        runs.append(run)
    return runs, notes
