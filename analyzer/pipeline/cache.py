"""Content-hash cache of per-file engine results, so that an unchanged tree re-scans in a blink.

An entry holds the FileResult the in-process engines produced for one file. Its key is the hash of
the file's bytes, its path, the engines that ran, the tool (version and a digest of its code and
data) and the policy; entries of another tool build or policy live in another namespace folder and
are never read. A Python result that used a constant of another module records those look-ups, and
the entry is only used while every look-up still gives the same answer. Entries are JSON (never
pickle: a cache folder may come from an untrusted checkout), written atomically; an entry that cannot
be read or decoded is a miss and is rewritten.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import Any

import analyzer
from analyzer.findings.model import (
    FileResult,
    Finding,
    KeySite,
    Location,
    Notification,
    Related,
    Suppression,
)
from analyzer.knowledge.files import rules_dir

FORMAT = 2
DEFAULT_DIR = Path(".keyguard") / "cache"
STALE_NAMESPACE_SECONDS = 7 * 24 * 3600


@cache
def tool_digest() -> str:
    """Version, Python and a digest of the package's code and rule data: any change is a new tool."""
    digest = hashlib.sha256(f"{FORMAT}|{analyzer.__version__}|{sys.version}".encode())
    package = Path(analyzer.__file__).resolve().parent
    for base in dict.fromkeys((package, rules_dir())):
        for file in sorted(base.rglob("*")):
            if "__pycache__" in file.parts or not file.is_file() or file.suffix == ".pyc":
                continue
            digest.update(file.relative_to(base).as_posix().encode())
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def policy_digest(policy: Any) -> str:
    """A digest of every field of the effective policy (its file hash and thresholds included)."""
    data = dataclasses.asdict(policy) if dataclasses.is_dataclass(policy) else policy
    text = json.dumps(data, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ----------------------------------------------------------------------------------------------
# Cross-module look-ups


class RecordingResolver:
    """Wraps a ModuleResolver and notes every answer a file's analysis depended on."""

    RECORDED = ("constant", "is_module", "function")

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.lookups: list[list[Any]] = []

    def constant(self, from_path: str, level: int, module: str, name: str) -> Any:
        found = self.inner.constant(from_path, level, module, name)
        self.lookups.append(["constant", [from_path, level, module, name], _answer(found)])
        return found

    def is_module(self, from_path: str, level: int, module: str) -> bool:
        found = self.inner.is_module(from_path, level, module)
        self.lookups.append(["is_module", [from_path, level, module], _answer(found)])
        return found

    def function(self, from_path: str, level: int, module: str, name: str) -> Any:
        found = self.inner.function(from_path, level, module, name)
        self.lookups.append(["function", [from_path, level, module, name], _answer(found)])
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _answer(value: Any) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:32]


def lookups_hold(lookups: list[list[Any]], resolver: Any) -> bool:
    """Whether each recorded look-up still gives the answer it gave when the entry was written."""
    for method, args, answer in lookups:
        if method not in RecordingResolver.RECORDED:
            return False
        if _answer(getattr(resolver, method)(*args)) != answer:
            return False
    return True


# ----------------------------------------------------------------------------------------------
# FileResult <-> JSON


def _location(data: dict[str, Any]) -> Location:
    return Location(**data)


def _finding(data: dict[str, Any]) -> Finding:
    data = dict(data)
    data["location"] = _location(data["location"])
    data["related"] = [Related(_location(r["location"]), r["message"]) for r in data["related"]]
    if data.get("suppression") is not None:
        data["suppression"] = Suppression(**data["suppression"])
    return Finding(**data)


def _site(data: dict[str, Any]) -> KeySite:
    data = dict(data)
    data["location"] = _location(data["location"])
    return KeySite(**data)


def result_to_json(result: FileResult) -> dict[str, Any]:
    return dataclasses.asdict(result)


def result_from_json(data: dict[str, Any]) -> FileResult:
    data = dict(data)
    data["findings"] = [_finding(f) for f in data["findings"]]
    data["sites"] = [_site(s) for s in data["sites"]]
    data["notifications"] = [Notification(**n) for n in data["notifications"]]
    return FileResult(**data)


# ----------------------------------------------------------------------------------------------
# The store


@dataclasses.dataclass(frozen=True)
class ResultCache:
    """One namespace (tool build and policy) of the cache folder; all methods swallow I/O errors."""

    directory: Path
    namespace: str

    @classmethod
    def open(cls, directory: Path, policy: Any) -> ResultCache:
        namespace = hashlib.sha256(f"{tool_digest()}|{policy_digest(policy)}".encode())
        return cls(directory, namespace.hexdigest()[:24])

    @property
    def folder(self) -> Path:
        return self.directory / self.namespace

    def is_empty(self) -> bool:
        """True when nothing was ever stored in this namespace (a cold scan skips look-ups)."""
        return not self.folder.is_dir()

    def key(self, rel: str, digest: str, engines: str) -> str:
        return hashlib.sha256(f"{rel}\0{digest}\0{engines}".encode()).hexdigest()

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key[2:]}.json"

    def get(self, key: str, resolver: Any = None) -> FileResult | None:
        """The stored result, or None when absent, unreadable, corrupt or stale."""
        try:
            data = json.loads(self._entry(key).read_bytes())
            if data.get("format") != FORMAT or data.get("entry") != key:
                return None
            lookups = data.get("lookups") or []
            if lookups and (resolver is None or not lookups_hold(lookups, resolver)):
                return None
            return result_from_json(data["result"])
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None
        except Exception:  # a resolver or decoding surprise costs a miss, never the scan
            return None

    def put(self, key: str, result: FileResult, lookups: list[list[Any]] | None = None) -> None:
        """Store atomically (temporary file and rename); failures are ignored."""
        entry = self._entry(key)
        payload = {
            "format": FORMAT,
            "entry": key,
            "lookups": lookups or [],
            "result": result_to_json(result),
        }
        try:
            text = json.dumps(payload, separators=(",", ":"))
        except (TypeError, ValueError):
            return
        try:
            if not self.directory.is_dir():
                self._create_root()
            entry.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=entry.parent)
        except OSError:
            return
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, entry)
        except OSError:
            Path(tmp).unlink(missing_ok=True)

    def _create_root(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        marker = self.directory.parent / ".gitignore"
        if self.directory.parent.name == ".keyguard" and not marker.exists():
            marker.write_text("# created by keyguard: the result cache is never committed\n*\n")

    def prune(self) -> None:
        """Mark this namespace as used; remove others untouched for a week (old builds, policies)."""
        now = time.time()
        try:
            if self.folder.is_dir():
                os.utime(self.folder)
            for other in self.directory.iterdir():
                if other.name == self.namespace or not other.is_dir():
                    continue
                if now - other.stat().st_mtime > STALE_NAMESPACE_SECONDS:
                    shutil.rmtree(other, ignore_errors=True)
        except OSError:
            return
