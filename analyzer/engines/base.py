"""The shape every engine has, so the pipeline runs engines it does not know by name.

An engine reads the languages the table in ``analyzer.knowledge.languages`` gives it, skips a file
its cheap ``prefilter`` rules out, and returns engine-neutral ``FileResult`` records: per file
(``analyze``, run in worker processes and cached per file) or for the whole run at once
(``analyze_batch``, Semgrep: one process per scan). An optional ``link`` step sees the whole
project once every file's result is in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from analyzer.findings.model import Binding, DataStore, FileResult, Finding, KeySite, Notification
from analyzer.policy.thresholds import Thresholds


@dataclass(frozen=True)
class Target:
    """One file for an engine: absolute path, POSIX path relative to the scan root, language."""

    path: Path
    rel: str
    language: str | None = None


@dataclass
class EngineContext:
    """What an engine may know about the scan; one per process, sent once to each worker."""

    root: Path
    thresholds: Thresholds
    jobs: int = 1
    # The per-file time limit in seconds (``--file-timeout``; 0: none).
    file_timeout: float = 0
    # An engine's own per-scan state in this process (the Python engine's module resolver).
    state: dict[str, Any] = field(default_factory=dict)
    # Answers about other files that the current file's result depended on, by engine name: a
    # cached result is used again only while its engine says they still hold (``still_holds``).
    lookups: dict[str, list[list[Any]]] = field(default_factory=dict)
    # A private folder the worker processes of this scan share work through (None: one process).
    shared: Path | None = None


@runtime_checkable
class Engine(Protocol):
    """What every engine has: a name, its languages and a cheap byte test."""

    name: str
    # The languages it reads (names from the language table); None: every file.
    languages: frozenset[str] | None

    def prefilter(self, data: bytes, language: str | None) -> bool:
        """False when the file certainly holds nothing the engine reports."""
        ...


@runtime_checkable
class FileEngine(Engine, Protocol):
    """An engine that looks at one file at a time (in a worker process; cached per file)."""

    def analyze(self, target: Target, data: bytes, context: EngineContext) -> FileResult:
        """The engine's findings, key sites and notifications for one file."""
        ...

    def still_holds(self, lookups: list[list[Any]], context: EngineContext) -> bool:
        """Whether the look-ups a cached result depended on still give the same answers."""
        ...

    def preload(self) -> None:
        """Import what every file needs once, before worker processes fork."""
        ...


@runtime_checkable
class ProjectPrefilter(Protocol):
    """A per-file engine whose prefilter can take a second look, knowing the file's place in the
    project (a file that imports the project's own crypto module)."""

    def prefilter_project(self, target: Target, data: bytes, context: EngineContext) -> bool:
        """True when the file is worth analysing although the byte test dropped it."""
        ...


@runtime_checkable
class BatchEngine(Engine, Protocol):
    """An engine that looks at all its files in one run (one Semgrep process per scan)."""

    label: str  # how the engine is named to the user ("Semgrep")
    switch: str  # the command-line option that turns it off

    def analyze_batch(
        self, targets: list[Target], context: EngineContext
    ) -> tuple[list[FileResult], list[Notification]]:
        """Results for the targets; a problem of the whole run is a notification without a path."""
        ...


@runtime_checkable
class LinkingEngine(Protocol):
    """An engine with a project step, run once after every file's result is in."""

    def link(
        self, findings: list[Finding], sites: list[KeySite], context: EngineContext
    ) -> list[Finding] | None:
        """Annotate ``sites`` in place from ``findings``; return findings only the whole project
        shows (None when there are none)."""
        ...


@runtime_checkable
class StoreEngine(Protocol):
    """An engine whose project step says which key protects which data store."""

    def resolve_stores(
        self,
        stores: list[DataStore],
        bindings: list[Binding],
        sites: list[KeySite],
        context: EngineContext,
    ) -> list[Finding]:
        """Set each store's key and protection in place; return findings about the keys that
        only the whole project shows (their tags, with a provider's default tags)."""
        ...
