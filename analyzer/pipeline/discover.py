"""File discovery: a git-aware, loop-safe walk that yields the files a scan should look at."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from analyzer.knowledge.languages import SKIP_DIRS

if TYPE_CHECKING:
    import pathspec

OWN_OUTPUTS: frozenset[str] = frozenset({".keyguard-baseline.json"})
OWN_OUTPUT_SUFFIXES: tuple[str, ...] = (".sarif", ".sarif.json")


def _own_output(name: str) -> bool:
    """keyguard's own reports and baselines hold fingerprints, not key material."""
    return name in OWN_OUTPUTS or name.endswith(OWN_OUTPUT_SUFFIXES)


@dataclass(frozen=True)
class Candidate:
    """A file to consider: its absolute path and its POSIX path relative to the scan root."""

    path: Path
    rel: str
    explicit: bool = False


@dataclass
class _Ignores:
    """The .gitignore files met on the way down, each with the directory it applies to."""

    specs: list[tuple[str, pathspec.PathSpec]] = field(default_factory=list)

    def add(self, directory: Path, rel_dir: str) -> None:
        gitignore = directory / ".gitignore"
        try:
            lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return
        import pathspec  # only a tree with a .gitignore pays for it (a hook on five files does not)

        self.specs.append((rel_dir, pathspec.GitIgnoreSpec.from_lines(lines)))

    def ignored(self, rel: str, is_dir: bool) -> bool:
        for base, spec in self.specs:
            if base and not rel.startswith(base + "/"):
                continue
            sub = rel[len(base) + 1 :] if base else rel
            if spec.match_file(sub + "/" if is_dir else sub):
                return True
        return False


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file()


def _rel(path: Path, root: Path) -> str:
    text, base = str(path), str(root)
    if text.startswith(base) and text[len(base) : len(base) + 1] == os.sep and base != os.sep:
        # the common case as plain text (pathlib's relative_to costs more than the stat calls
        # of a scan of thousands of files named on the command line)
        return text[len(base) + 1 :].replace(os.sep, "/")
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def walk(root: Path, start: Path) -> Iterator[Candidate]:
    """Every regular file below ``start`` that is not ignored, skipped or behind a symlink."""
    ignores = _Ignores()
    for parent in reversed([start, *start.parents]):
        if parent == root or root in parent.parents:
            ignores.add(parent, _rel(parent, root) if parent != root else "")
    for dirpath, dirnames, filenames in os.walk(start, followlinks=False):
        here = Path(dirpath)
        rel_here = _rel(here, root) if here != root else ""
        if here != start:
            ignores.add(here, rel_here)
        kept = []
        for name in sorted(dirnames):
            sub = here / name
            rel = f"{rel_here}/{name}" if rel_here else name
            if name in SKIP_DIRS or name.endswith(".egg-info") or sub.is_symlink():
                continue
            if _is_virtualenv(sub) or ignores.ignored(rel, is_dir=True):
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            file = here / name
            rel = f"{rel_here}/{name}" if rel_here else name
            if _own_output(name) or file.is_symlink() or not file.is_file():
                continue
            if ignores.ignored(rel, is_dir=False):
                continue
            yield Candidate(file, rel)


def discover(paths: list[Path], root: Path) -> Iterator[Candidate]:
    """Files for a scan: directories walked, files named on the command line always kept."""
    seen: set[Path] = set()
    cwd = os.getcwd()
    for given in paths:
        # one lstat and one path object per named file: a hook or a batch names thousands
        text = os.fspath(given)
        try:
            mode = os.lstat(text).st_mode
        except OSError:
            mode = 0
        if stat.S_ISLNK(mode):
            absolute = given.resolve()
            is_dir = absolute.is_dir()
        else:
            absolute = given if given.is_absolute() else Path(os.path.join(cwd, text))
            is_dir = stat.S_ISDIR(mode)
        if is_dir:
            for candidate in walk(root, absolute):
                if candidate.path not in seen:
                    seen.add(candidate.path)
                    yield candidate
        elif absolute not in seen:
            seen.add(absolute)
            yield Candidate(absolute, _rel(absolute, root), explicit=True)


def scan_root(paths: list[Path]) -> Path:
    """The folder SARIF URIs are relative to: the working directory if it holds every path."""
    cwd = os.getcwd()
    # as text: Path.absolute() and Path.parents cost more than a scan of thousands of files
    # named on the command line does otherwise (both are lexical, so are these)
    absolute = [os.path.join(cwd, os.fspath(p)) for p in paths]
    inside = cwd.rstrip(os.sep) + os.sep
    if all(p == cwd or p.startswith(inside) for p in absolute):
        return Path(cwd)
    common = Path(os.path.commonpath(absolute))
    return common if common.is_dir() else common.parent
