"""Engine-neutral records: what every engine produces and every reporter consumes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Literal, TypeVar

Level = Literal["error", "warning", "note"]
Verdict = Literal["compliant", "violation", "unverified"]
LEVEL_ORDER: dict[str, int] = {"note": 1, "warning": 2, "error": 3}
# ``facts["context"]`` of a finding in documentation (prose, docstrings, doc comments): its level
# is the policy's ``documentation_level``, not the rule's.
DOCUMENTATION_CONTEXT = "documentation"
# Notifications that say a file was not (fully) analysed: such a file is counted as failed.
FAILURE_KINDS: frozenset[str] = frozenset(
    {
        "unreadable",
        "file-too-large",
        "file-timeout",
        "internal-error",
        "decode-error",
        "bad-encoding",
        "syntax-error",
        "parse-error",
        "too-complex",
        "semgrep-timeout",
        "semgrep-error",
    }
)


@dataclass(frozen=True, order=True)
class Location:
    """A region in a scanned file; ``path`` is POSIX and relative to the scan root, lines 1-based."""

    path: str
    line: int
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None


@dataclass(frozen=True)
class Related:
    """Another place that matters to a finding: the constant that held a size, the sink of a value."""

    location: Location
    message: str


@dataclass(frozen=True)
class Suppression:
    """Why a finding does not count: an inline comment or an approved policy exception."""

    kind: Literal["inSource", "external"]
    justification: str
    properties: dict[str, str] = field(default_factory=dict)


@dataclass
class Finding:
    """One rule violation at one location, as reported by any engine."""

    rule_id: str
    location: Location
    message: str
    engine: str
    related: list[Related] = field(default_factory=list)
    facts: dict[str, str | int] = field(default_factory=dict)
    snippet: str = ""
    level: Level | None = None
    is_test: bool = False
    fingerprint: str = ""
    suppression: Suppression | None = None

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.location.path, self.location.line, self.location.column, self.rule_id)


@dataclass
class KeySite:
    """An inventory entry: one place where key material or a key is generated or derived."""

    location: Location
    api: str
    library: str
    algorithm: str
    primitive: str
    size: int | None = None
    curve: str | None = None
    verdict: Verdict = "unverified"
    rule_ids: list[str] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)
    """Extra facts for the inventory, e.g. an infrastructure key's name, provider, protection."""


@dataclass
class DataStore:
    """A resource that keeps data at rest, and the key that encrypts it as far as the code says.

    ``reference`` is the expression naming its key as written (resolved in ``scope``: a Terraform
    folder or a CloudFormation file); the project step sets ``key`` (the key site's ``key_id``)
    and ``protection``.
    """

    location: Location
    address: str
    type: str
    reference: str = ""
    scope: str = ""
    key: str = ""
    protection: str = ""
    via: str = ""


@dataclass(frozen=True)
class Binding:
    """A name infrastructure code defines that a key reference can go through: a local, a
    variable's default, an alias's target, a module's source or output, a provider's tags."""

    scope: str
    name: str
    value: str


def key_id(location: Location) -> str:
    """How a data store names the key site declared at ``location``."""
    return f"{location.path}:{location.line}"


@dataclass(frozen=True)
class Notification:
    """A problem with the scan itself (unparseable file, engine missing), never silent."""

    message: str
    kind: str
    level: Level = "warning"
    path: str | None = None
    line: int | None = None


@dataclass
class FileResult:
    """What one engine found in one file."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    sites: list[KeySite] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    stores: list[DataStore] = field(default_factory=list)
    bindings: list[Binding] = field(default_factory=list)
    analyzed: bool = False
    """True when an engine looked at the file (it passed a prefilter)."""


P = TypeVar("P")


@dataclass
class ScanReport(Generic[P]):
    """Everything a reporter needs, and nothing it must compute; ``P`` is the policy's type
    (the policy layer sits above this one)."""

    root: Path
    policy: P
    findings: list[Finding] = field(default_factory=list)
    sites: list[KeySite] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    stores: list[DataStore] = field(default_factory=list)
    files_seen: int = 0  # found by discovery
    files_analyzed: int = 0  # read by at least one engine, and none failed on it
    files_skipped: int = 0  # passed over by every prefilter: no crypto, random or key material
    files_failed: int = 0  # not (fully) analysed, with a notification that says why
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    ended: dt.datetime | None = None

    def active(self) -> list[Finding]:
        """Findings that are not suppressed."""
        return [f for f in self.findings if f.suppression is None]

    def count_at_or_above(self, level: str) -> int:
        floor = LEVEL_ORDER[level]
        return sum(1 for f in self.active() if LEVEL_ORDER[f.level or "warning"] >= floor)
