"""Records of past batch scans as reporters read them: each repository's latest state, the
findings that changed, the trend of counts. The results database (``analyzer.org.history``)
produces them; the summary, change and HTML reporters read them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RepoSummary:
    """One repository's latest state in the results database."""

    repo: str
    status: str
    reason: str = ""
    commit: str | None = None
    scan_id: int | None = None
    scanned_at: str | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    suppressed: list[dict[str, Any]] = field(default_factory=list)
    sites: list[dict[str, Any]] = field(default_factory=list)
    notifications: int = 0

    def cells(self) -> Counter[tuple[str, str]]:
        return Counter((f["category"], f["level"]) for f in self.findings)


@dataclass(frozen=True)
class Change:
    """A finding that appeared or disappeared in a repository since a date."""

    repo: str
    kind: str  # "new" | "fixed"
    finding: dict[str, Any]
    before: str | None
    after: str | None


@dataclass
class TrendPoint:
    """One batch run (or several shards under one label): counts of active findings."""

    label: str
    started: str
    repos: int = 0
    failed: int = 0
    by_level: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_level.values())
