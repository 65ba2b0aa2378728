"""Diff scope: which files and lines changed since a base revision, read from ``git diff``.

Whole files are still analysed (so a flow through unchanged lines is seen); only the reporting is
narrowed to the changed lines, and only changed files are handed to the scan.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from analyzer.findings.model import Finding
from analyzer.knowledge.languages import SKIP_DIRS

GIT_TIMEOUT = 60


class DiffError(Exception):
    """The diff scope could not be computed; the message is one line for the user."""


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    env.pop("GIT_EXTERNAL_DIFF", None)
    try:
        return subprocess.run(
            ["git", "-c", "core.quotepath=off", *args],
            cwd=cwd,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
            env=env,
        )
    except FileNotFoundError:
        raise DiffError("git is not installed or not on PATH") from None
    except subprocess.TimeoutExpired:
        raise DiffError(f"git {args[0]} took longer than {GIT_TIMEOUT}s") from None


def _first_line(data: bytes) -> str:
    lines = data.decode("utf-8", errors="replace").strip().splitlines()
    return lines[0] if lines else "no message"


@dataclass
class DiffScope:
    """Changed lines per file; a file mapped to None is new (every line counts as changed)."""

    toplevel: Path
    base: str
    merge_base: str
    changed: dict[str, set[int] | None] = field(default_factory=dict)

    def files(self) -> list[Path]:
        """Changed files that exist in the working tree, in a stable order."""
        return [
            self.toplevel / rel for rel in sorted(self.changed) if (self.toplevel / rel).is_file()
        ]

    def targets(self, paths: Iterable[Path]) -> list[Path]:
        """The changed files that lie within ``paths``, minus folders a scan always skips."""
        roots = [p.resolve() for p in paths]
        kept = []
        for file in self.files():
            rel_parts = PurePosixPath(file.relative_to(self.toplevel).as_posix()).parts[:-1]
            if any(part in SKIP_DIRS for part in rel_parts):
                continue
            resolved = file.resolve()
            if any(resolved == r or r in resolved.parents for r in roots):
                kept.append(file)
        return kept

    def lines_for(self, path: Path) -> set[int] | None:
        """Changed lines of ``path``; None for a new file; an empty set for an unchanged one."""
        try:
            rel = path.resolve().relative_to(self.toplevel).as_posix()
        except ValueError:
            return set()
        return self.changed.get(rel, set())

    def touches(self, finding: Finding, root: Path) -> bool:
        """Whether the finding's region, or a related place in the same file, is on a changed line."""
        changed = self.lines_for(root / finding.location.path)
        if changed is None:
            return True
        spans = [finding.location] + [
            r.location for r in finding.related if r.location.path == finding.location.path
        ]
        return any(
            line in changed
            for loc in spans
            for line in range(loc.line, (loc.end_line or loc.line) + 1)
        )


def parse_diff(text: str) -> dict[str, set[int] | None]:
    """Added or changed target lines of each file in a unified diff (paths after ``b/``)."""
    try:
        patch = PatchSet(text)
    except UnidiffParseError as exc:
        raise DiffError(f"cannot parse git diff output: {exc}") from None
    changed: dict[str, set[int] | None] = {}
    for patched in patch:
        if patched.is_removed_file:
            continue
        target = patched.target_file
        rel = target[2:] if target.startswith("b/") else target
        lines = {
            line.target_line_no
            for hunk in patched
            for line in hunk
            if line.is_added and line.target_line_no is not None
        }
        if patched.is_added_file:
            changed[rel] = None
        elif lines:
            changed[rel] = lines
    return changed


def diff_scope(cwd: Path, base: str) -> DiffScope:
    """Lines changed in the working tree (staged and unstaged) since ``merge-base BASE HEAD``.

    Untracked files that git does not ignore count as wholly added.
    """
    top = _git(cwd, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise DiffError(f"{cwd.absolute()} is not inside a git repository; --diff needs git")
    toplevel = Path(top.stdout.decode().strip()).resolve()
    verified = _git(toplevel, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    if verified.returncode != 0:
        raise DiffError(f"--diff {base}: not a commit in this repository")
    merged = _git(toplevel, "merge-base", base, "HEAD")
    if merged.returncode != 0:
        raise DiffError(
            f"--diff {base}: no merge base with HEAD ({_first_line(merged.stderr)}); "
            "a shallow clone needs more history (fetch-depth: 0)"
        )
    merge_base = merged.stdout.decode().strip()
    diff = _git(
        toplevel,
        "diff",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--unified=0",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        "--find-renames",
        merge_base,
        "--",
    )
    if diff.returncode != 0:
        raise DiffError(f"git diff {merge_base[:12]} failed: {_first_line(diff.stderr)}")
    changed = parse_diff(diff.stdout.decode("utf-8", errors="surrogateescape"))
    others = _git(toplevel, "ls-files", "--others", "--exclude-standard", "-z")
    if others.returncode == 0:
        for name in others.stdout.decode("utf-8", errors="surrogateescape").split("\0"):
            if name:
                changed[name] = None
    return DiffScope(toplevel=toplevel, base=base, merge_base=merge_base, changed=changed)


def restrict(findings: list[Finding], scope: DiffScope, root: Path) -> list[Finding]:
    """The findings a diff-aware scan reports: those touching a changed line."""
    return [f for f in findings if scope.touches(f, root)]
