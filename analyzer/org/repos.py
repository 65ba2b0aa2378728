"""The repository list of a batch: local checkouts, git URLs, list files and folders of checkouts."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_SCP = re.compile(r"^[\w.-]+@[\w.-]+:[^/]")
_USERINFO = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@]+@", re.IGNORECASE)
_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class RepoSpec:
    """One repository to scan: where it is, and the identity it is recorded under."""

    source: str
    is_url: bool

    @property
    def identity(self) -> str:
        """Stable name in the database and in shards: the URL without credentials, or the path."""
        if self.is_url:
            return _USERINFO.sub(r"\g<scheme>", self.source).rstrip("/")
        return str(Path(self.source).expanduser().absolute())

    @property
    def slug(self) -> str:
        """A file-name-safe name, unique per identity (readable tail plus a short hash)."""
        tail = self.identity.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git") or "repo"
        digest = hashlib.sha256(self.identity.encode("utf-8")).hexdigest()[:8]
        return f"{_SLUG.sub('_', tail)[:40]}-{digest}"


def is_url(text: str) -> bool:
    return bool(_URL.match(text) or _SCP.match(text))


def _is_checkout(path: Path) -> bool:
    return (path / ".git").exists()


def _from_list(path: Path) -> list[RepoSpec]:
    """A list file: one path or URL a line; blank lines and ``#`` comments ignored.

    Relative paths are relative to the list file's folder.
    """
    specs = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not is_url(line):
            line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if is_url(line):
            specs.append(RepoSpec(line, is_url=True))
        else:
            target = Path(line).expanduser()
            specs.append(
                RepoSpec(str(target if target.is_absolute() else path.parent / target), False)
            )
    return specs


def expand(arguments: list[str]) -> list[RepoSpec]:
    """Turn command-line arguments into repositories, in order, without duplicates.

    An argument is a git URL, a checkout (a folder with ``.git``), a folder of checkouts (a folder
    whose sub-folders hold ``.git``), a list file, or any other folder (scanned as one repository).
    A missing path is kept, so that the batch reports it as a failure instead of dropping it.
    """
    specs: list[RepoSpec] = []
    for argument in arguments:
        if is_url(argument):
            specs.append(RepoSpec(argument, is_url=True))
            continue
        path = Path(argument).expanduser()
        if path.is_file():
            specs.extend(_from_list(path))
        elif path.is_dir() and not _is_checkout(path):
            subs = sorted(p for p in path.iterdir() if p.is_dir() and _is_checkout(p))
            specs.extend(RepoSpec(str(p), False) for p in subs or [path])
        else:
            specs.append(RepoSpec(str(path), False))
    unique: dict[str, RepoSpec] = {}
    for spec in (s if s.is_url else RepoSpec(s.identity, False) for s in specs):
        unique.setdefault(spec.identity, spec)
    return list(unique.values())


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` with 1 <= K <= N."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise ValueError(f"{text!r} is not K/N (e.g. 2/4)")
    k, n = int(match[1]), int(match[2])
    if not 1 <= k <= n:
        raise ValueError(f"shard {k}/{n}: K must be between 1 and N")
    return k, n


def in_shard(spec: RepoSpec, k: int, n: int) -> bool:
    """Deterministic split by a stable hash of the identity (same on every machine and run)."""
    digest = hashlib.sha256(spec.identity.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % n == k - 1


def shard(specs: list[RepoSpec], k: int, n: int) -> list[RepoSpec]:
    return [s for s in specs if in_shard(s, k, n)]
