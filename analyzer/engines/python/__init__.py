"""The Python engine as the pipeline sees it (``ENGINE``); LibCST loads on the first parse."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from analyzer.engines.base import EngineContext, Target
from analyzer.findings.model import FileResult
from analyzer.knowledge.languages import languages_of_engine

_RESOLVER = "python.resolver"
# Legal code can nest deeper than the default stack allows a walk (a dict of long implicitly
# concatenated strings, a long elif chain): such a file is analysed again in a thread with a large
# stack and a high recursion limit. The per-file time limit still interrupts the wait, and putting
# the limit back ends a walk left running.
_DEEP_STACK_BYTES = 512 * 1024 * 1024
_DEEP_RECURSION_LIMIT = 100_000


def _too_deep(result: FileResult) -> bool:
    return any(n.kind == "too-complex" for n in result.notifications)


def _with_deep_stack(call: Callable[[], FileResult]) -> FileResult | None:
    """``call()`` in a thread with a large stack and a high recursion limit (None if it died)."""
    out: list[FileResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            out.append(call())
        except BaseException as exc:  # handed to the caller's thread
            errors.append(exc)

    limit = sys.getrecursionlimit()
    previous = threading.stack_size(_DEEP_STACK_BYTES)
    try:
        thread = threading.Thread(target=run, name="keyguard-deep", daemon=True)
        thread.start()
    finally:
        threading.stack_size(previous)
    sys.setrecursionlimit(max(limit, _DEEP_RECURSION_LIMIT))
    try:
        thread.join()
    finally:
        sys.setrecursionlimit(limit)
    if errors:
        raise errors[0]
    return out[0] if out else None


def _resolver(context: EngineContext) -> Any:
    """One module resolver per scan and process (it keeps module constants as they were read),
    sharing the modules it reads with the scan's other worker processes."""
    if _RESOLVER not in context.state:
        from analyzer.engines.python.resolver import ModuleResolver

        context.state[_RESOLVER] = ModuleResolver(context.root)
    resolver = context.state[_RESOLVER]
    resolver.share(context.shared)
    return resolver


class PythonEngine:
    """Per-file engine: one LibCST parse and walk; constants of sibling modules are looked up."""

    name = "python"
    languages: frozenset[str] | None = languages_of_engine("python")

    def prefilter(self, data: bytes, language: str | None) -> bool:
        from analyzer.engines.python import prefilter

        return prefilter.python_prefilter(data)

    def prefilter_project(self, target: Target, data: bytes, context: EngineContext) -> bool:
        """A file the byte test drops is still read when it names a prohibited algorithm
        (``python_rc4.new(key)``) and imports a module of the scanned project that imports a
        crypto library (the answers are recorded for the cache)."""
        from analyzer.engines.python.dependencies import Dependencies
        from analyzer.engines.python.project_imports import second_look

        resolver = _resolver(context)
        resolver.uses = uses = Dependencies()
        try:
            found = second_look(target.rel, data, resolver)
        finally:
            resolver.uses = None
        if uses.records():
            context.lookups.setdefault(self.name, []).extend(uses.records())
        return found

    def analyze(self, target: Target, data: bytes, context: EngineContext) -> FileResult:
        from analyzer.engines.python import engine
        from analyzer.engines.python.dependencies import Dependencies

        resolver = _resolver(context)
        resolver.uses = uses = Dependencies()
        try:
            result = engine.analyze_python(data, target.rel, context.thresholds, resolver)
            if _too_deep(result):
                deep = _with_deep_stack(
                    lambda: engine.analyze_python(data, target.rel, context.thresholds, resolver)
                )
                result = deep or result
        finally:
            resolver.uses = None
        if uses.records():
            context.lookups.setdefault(self.name, []).extend(uses.records())
        return result

    def still_holds(self, lookups: list[list[Any]], context: EngineContext) -> bool:
        """Whether the other files a cached result read are unchanged (no parse, no hash
        unless a file's status changed)."""
        return _resolver(context).holds(lookups)

    def preload(self) -> None:
        """Import the parser and the rules once, before worker processes fork."""
        import analyzer.engines.python.checks.run
        import analyzer.engines.python.evaluate.consts
        import analyzer.engines.python.walk.visitor  # noqa: F401


ENGINE = PythonEngine()
