"""The plain records of a batch: a job for one repository, and what became of it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from analyzer.org.gitauth import GitAuth
from analyzer.org.repos import RepoSpec
from analyzer.policy import Policy

Status = str  # "scanned" | "skipped" | "failed"


@dataclass(frozen=True)
class Job:
    """Everything a worker needs; picklable, so it travels to a subprocess or a Dask worker."""

    spec: RepoSpec
    policy: Policy
    workdir: Path
    timeout: float | None = None
    scanned_commits: frozenset[str] = frozenset()
    force: bool = False
    semgrep: bool = True
    max_file_bytes: int = 2_000_000
    command_line: str = "keyguard batch"
    worker_command: tuple[str, ...] = ()
    auth: GitAuth | None = None  # platform token for HTTPS clones; travels by pickle, never argv


@dataclass
class Outcome:
    """What became of one repository, as plain data (JSON-ready)."""

    repo: str
    source: str
    status: Status
    reason: str = ""
    commit: str | None = None
    policy_sha256: str = ""
    started: str = ""
    seconds: float = 0.0
    files_seen: int = 0
    files_analyzed: int = 0
    run: dict[str, Any] | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    sites: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        return cls(**data)
