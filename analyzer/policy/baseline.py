"""Baselines: today's findings recorded by fingerprint, so that only new ones block new work.

The file is sorted JSON without timestamps: re-creating it on unchanged code gives the same bytes,
and a review sees exactly which findings were added to or removed from it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from analyzer.findings.model import Finding

FORMAT = "keyguard-baseline"
VERSION = 1
DEFAULT_FILE = ".keyguard-baseline.json"


class BaselineError(Exception):
    """A baseline file that cannot be read or is not a keyguard baseline; names the file."""


@dataclass(frozen=True, order=True)
class Entry:
    """One recorded finding; ``line`` and ``message`` are hints for people, not for matching."""

    path: str
    rule: str
    fingerprint: str
    line: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "path": self.path,
            "line": self.line,
            "fingerprint": self.fingerprint,
            "message": self.message,
        }


@dataclass
class Outcome:
    """What applying a baseline did: how many findings it hid and which entries are now fixed."""

    source: str
    known: int = 0
    fixed: list[Entry] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.source,
            "unchanged": self.known,
            "fixed": [e.as_dict() for e in self.fixed],
        }


def entries_for(findings: Iterable[Finding]) -> list[Entry]:
    """Baseline entries for the active (unsuppressed) findings, sorted."""
    return sorted(
        Entry(
            path=f.location.path,
            rule=f.rule_id,
            fingerprint=f.fingerprint,
            line=f.location.line,
            message=f.message,
        )
        for f in findings
        if f.suppression is None
    )


def dump(entries: list[Entry]) -> str:
    """The baseline file's text: stable key order, one entry per object, trailing newline."""
    data = {
        "format": FORMAT,
        "version": VERSION,
        "findings": [e.as_dict() for e in sorted(entries)],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def load(path: Path) -> list[Entry]:
    """Read a baseline; any problem becomes a BaselineError naming ``path``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"baseline {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BaselineError(
            f"{path} is not a keyguard baseline (create one with `keyguard baseline create`)"
        )
    if data.get("version") != VERSION:
        raise BaselineError(
            f"baseline {path} has version {data.get('version')!r}; this keyguard reads {VERSION}"
        )
    items = data.get("findings")
    if not isinstance(items, list):
        raise BaselineError(f"baseline {path}: 'findings' must be a list")
    entries = []
    for i, item in enumerate(items):
        try:
            entries.append(
                Entry(
                    path=_text(item, "path"),
                    rule=_text(item, "rule"),
                    fingerprint=_text(item, "fingerprint"),
                    line=int(item.get("line", 0)),
                    message=str(item.get("message", "")),
                )
            )
        except (AttributeError, TypeError, ValueError) as exc:
            raise BaselineError(f"baseline {path}: entry {i + 1} is malformed ({exc})") from None
    return entries


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"'{key}' must be a non-empty string")
    return value


def _within(path: str, scopes: Iterable[str]) -> bool:
    pure = PurePosixPath(path)
    return any(
        s in ("", ".") or pure == PurePosixPath(s) or PurePosixPath(s) in pure.parents
        for s in scopes
    )


def apply(
    findings: list[Finding], entries: list[Entry], source: str, scopes: Iterable[str]
) -> tuple[list[Finding], Outcome]:
    """Drop active findings recorded in the baseline; entries within ``scopes`` not seen are fixed.

    ``scopes`` are the root-relative paths the scan covered (files or folders), so an entry for
    a file this scan did not look at is never called fixed.
    """
    recorded = {(e.rule, e.path, e.fingerprint) for e in entries}
    seen: set[tuple[str, str, str]] = set()
    kept: list[Finding] = []
    outcome = Outcome(source=source)
    for f in findings:
        key = (f.rule_id, f.location.path, f.fingerprint)
        seen.add(key)
        if f.suppression is None and key in recorded:
            outcome.known += 1
        else:
            kept.append(f)
    scopes = list(scopes)
    outcome.fixed = sorted(
        e
        for e in entries
        if (e.rule, e.path, e.fingerprint) not in seen and _within(e.path, scopes)
    )
    return kept, outcome


def text_lines(outcome: Outcome) -> list[str]:
    """Lines for the text report: the fixed entries and what the baseline hid."""
    out = [
        f"fixed: {e.path}:{e.line}: {e.rule} {e.message} (in baseline {outcome.source}, "
        "no longer found)"
        for e in outcome.fixed
    ]
    out.append(
        f"baseline {outcome.source}: {outcome.known} known finding"
        f"{'s' if outcome.known != 1 else ''} not shown, {len(outcome.fixed)} fixed"
    )
    return out


def without_file(findings: list[Finding], root: Path, file: Path) -> list[Finding]:
    """Findings outside ``file`` (the baseline's own hex fingerprints must never count)."""
    target = file.absolute()
    return [f for f in findings if (root / f.location.path).absolute() != target]


def scopes(paths: Iterable[Path], root: Path) -> list[str]:
    """Root-relative POSIX forms of the scanned paths, for deciding what counts as fixed."""
    out = []
    for p in paths:
        try:
            out.append(p.absolute().relative_to(root.absolute()).as_posix())
        except ValueError:
            out.append(p.as_posix())
    return out


def decorate(fmt: str, text: str, outcome: Outcome) -> str:
    """Add the baseline's outcome to a rendered report (a section, a property, or text lines)."""
    if fmt == "text":
        lines = text.rstrip("\n").split("\n")
        return "\n".join([*lines[:-1], *text_lines(outcome), "", lines[-1]]) + "\n"
    if fmt == "json":
        data = json.loads(text)
        data["baseline"] = outcome.as_dict()
        return json.dumps(data, indent=2) + "\n"
    if fmt == "sarif":
        log = json.loads(text)
        for run in log["runs"]:
            for result in run.get("results", []):
                result["baselineState"] = "new"
            run.setdefault("properties", {})["baseline"] = outcome.as_dict()
        return json.dumps(log, indent=2) + "\n"
    return text
