"""Content-hash cache of per-file engine results, so that an unchanged tree re-scans in a blink.

The cache lives outside the scanned tree: in the user's cache folder (``KEYGUARD_CACHE_DIR`` or
``--cache-dir`` override it), one folder per scan root, so a scan writes nothing into what it
scans. An entry holds the FileResult the engines produced for one file. Its key is the hash of the
file's bytes, its path, the engines that ran, the tool (version and a digest of its code and data)
and the policy; entries of another tool build or policy live in another namespace folder and are
never read. A result that used a fact of another file (a constant of another Python module)
records those look-ups by engine, and the entry is only used while its engine says every look-up
still gives the same answer.

A cache must not be a way to tell keyguard "no findings": every entry carries an HMAC made with a
per-user secret kept in the cache folder, and an entry that fails it is ignored (and counted, so
the scan can say so once). Entries are JSON (never pickle), written atomically; an entry that
cannot be read or decoded is a miss and is rewritten.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import analyzer
from analyzer.findings.model import (
    Binding,
    DataStore,
    FileResult,
    Finding,
    KeySite,
    Location,
    Notification,
    Related,
    Suppression,
)
from analyzer.knowledge.files import rules_dir

FORMAT = 5
ENV_VAR = "KEYGUARD_CACHE_DIR"
# Where the cache was kept under the scan root before it moved out of the tree: a repository that
# commits files there is trying to supply its own scan results.
LEGACY_DIR = Path(".keyguard") / "cache"
SECRET_FILE = "secret.key"
INDEX_FILE = "stat.index"
INDEX_KEY = "stat-index"
# A file modified within this long before the index was written may have changed again within
# the clock's resolution after it was read: its row is not trusted (git's "racily clean" rule).
RACY_NS = 2_000_000_000
STALE_NAMESPACE_SECONDS = 7 * 24 * 3600


def default_cache_dir() -> Path:
    """``KEYGUARD_CACHE_DIR``, else the user's cache folder (``~/.cache/keyguard`` on Linux)."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("keyguard", appauthor=False))


def root_folder(root: Path) -> str:
    """The cache folder of one scan root: its name (for people) and a hash of its full path."""
    resolved = root.resolve()
    name = re.sub(r"[^A-Za-z0-9._-]", "_", resolved.name)[:40] or "root"
    return f"{name}-{hashlib.sha256(str(resolved).encode()).hexdigest()[:16]}"


def _is_root_folder(name: str) -> bool:
    """Whether a folder name is one ``root_folder`` makes: a name, a dash, 16 hex digits."""
    head, dash, digest = name.rpartition("-")
    return (
        bool(head and dash) and len(digest) == 16 and all(c in "0123456789abcdef" for c in digest)
    )


def root_folders(base: Path) -> list[Path]:
    """The scan roots' folders in a cache folder (nothing else there is keyguard's to remove)."""
    try:
        return sorted(p for p in base.iterdir() if p.is_dir() and _is_root_folder(p.name))
    except OSError:
        return []


def usage(base: Path) -> tuple[int, int, int]:
    """(scan roots, entries, bytes) held in a cache folder."""
    entries = size = 0
    folders = root_folders(base)
    for folder in folders:
        for file in folder.rglob("*"):
            try:
                if file.is_file():
                    entries += file.suffix == ".json"
                    size += file.stat().st_size
            except OSError:
                continue
    return len(folders), entries, size


def clean(base: Path) -> int:
    """Remove every scan root's cached results (the secret stays); the number of folders removed."""
    folders = root_folders(base)
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    return len(folders)


def user_secret(base: Path) -> bytes | None:
    """The per-user HMAC secret of a cache folder, made on first use (readable by the user only);
    None when it can be neither read nor made (then nothing is cached)."""
    path = base / SECRET_FILE
    try:
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    except OSError:
        pass
    try:
        base.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".secret.", dir=base)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)  # the first writer wins; a racing scan reads the winner's secret
        except FileExistsError:
            pass
        finally:
            Path(tmp).unlink(missing_ok=True)
        data = path.read_bytes()
    except OSError:
        return None
    return data if len(data) >= 32 else None


def tracked_cache_files(root: Path, cache_dir: Path | None) -> list[str]:
    """Cache files inside the scanned tree that git tracks (the legacy ``.keyguard/cache`` and the
    cache folder in use, when it is inside the tree): results a repository tries to supply."""
    root = root.resolve()
    places = [root / LEGACY_DIR]
    if cache_dir is not None:
        places.append(cache_dir.resolve())
    inside = [p for p in places if (p == root or root in p.parents) and p.is_dir()]
    if not inside:
        return []
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--", *(str(p) for p in inside)],
            capture_output=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    if done.returncode != 0:
        return []
    return sorted(name for name in done.stdout.decode("utf-8", "replace").split("\0") if name)


@cache
def tool_digest() -> str:
    """Version, Python and the name, size and modification time of every file of the package's
    code and rule data: any change is a new tool (stat only: every scan with a cache asks)."""
    digest = hashlib.sha256(f"{FORMAT}|{analyzer.__version__}|{sys.version}".encode())
    package = Path(analyzer.__file__).resolve().parent
    for base in dict.fromkeys((package, rules_dir())):
        rows: list[str] = []
        for folder, dirs, names in os.walk(base):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            rel = os.path.relpath(folder, base).replace(os.sep, "/")
            for name in names:
                if name.endswith(".pyc"):
                    continue
                try:
                    status = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                if stat.S_ISREG(status.st_mode):
                    path = name if rel == "." else f"{rel}/{name}"
                    rows.append(f"{path}|{status.st_size}|{status.st_mtime_ns}\0")
        digest.update("".join(sorted(rows)).encode())
    return digest.hexdigest()


def policy_digest(policy: Any) -> str:
    """A digest of every field of the effective policy (its file hash and thresholds included)."""
    data = dataclasses.asdict(policy) if dataclasses.is_dataclass(policy) else policy
    text = json.dumps(data, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stat_row(status: os.stat_result) -> list[int]:
    """What tells a file unchanged without reading it: size, modification time, inode."""
    return [status.st_size, status.st_mtime_ns, status.st_ino]


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
    data["stores"] = [
        DataStore(**(s | {"location": _location(s["location"])})) for s in data.get("stores", [])
    ]
    data["bindings"] = [Binding(**b) for b in data.get("bindings", [])]
    return FileResult(**data)


# ----------------------------------------------------------------------------------------------
# The store


@dataclasses.dataclass(frozen=True)
class ResultCache:
    """One namespace (scan root, tool build and policy) of the cache; all methods swallow I/O
    errors. ``rejected`` counts entries that failed their HMAC in this process."""

    directory: Path
    namespace: str
    secret: bytes = dataclasses.field(repr=False, default=b"")
    _rejected: list[int] = dataclasses.field(default_factory=lambda: [0], compare=False)

    @classmethod
    def open(cls, base: Path, policy: Any, root: Path | None = None) -> ResultCache | None:
        """The cache of ``root`` under ``base`` (``base`` itself without a root); None when the
        per-user secret can be neither read nor made."""
        secret = user_secret(base)
        if secret is None:
            return None
        namespace = hashlib.sha256(f"{tool_digest()}|{policy_digest(policy)}".encode())
        directory = base / root_folder(root) if root is not None else base
        return cls(directory, namespace.hexdigest()[:24], secret)

    @functools.cached_property
    def folder(self) -> Path:
        return self.directory / self.namespace

    @functools.cached_property
    def _folder_text(self) -> str:
        return str(self.folder)

    @property
    def rejected(self) -> int:
        return self._rejected[0]

    def is_empty(self) -> bool:
        """True when nothing was ever stored in this namespace (a cold scan skips look-ups)."""
        return not self.folder.is_dir()

    def key(self, rel: str, digest: str, engines: str) -> str:
        return hashlib.sha256(f"{rel}\0{digest}\0{engines}".encode()).hexdigest()

    def _entry(self, key: str) -> Path:
        return Path(f"{self._folder_text}{os.sep}{key[:2]}{os.sep}{key[2:]}.json")

    def seal(self, key: str, body: bytes) -> bytes:
        """An entry's bytes: the HMAC of its key and body under the user's secret, then the body."""
        mac = hmac.new(self.secret, key.encode() + b"\0" + body, hashlib.sha256).hexdigest()
        return mac.encode() + b"\n" + body

    def _open_seal(self, key: str, sealed: bytes) -> bytes | None:
        mac, _, body = sealed.partition(b"\n")
        if hmac.compare_digest(self.seal(key, body), sealed) and mac:
            return body
        self._rejected[0] += 1
        return None

    def get(
        self, key: str, holds: Callable[[dict[str, Any]], bool] | None = None
    ) -> FileResult | None:
        """The stored result, or None when absent, forged, unreadable, corrupt or stale (``holds``
        says whether the look-ups of other files the result depended on still give the same
        answers)."""
        try:
            sealed = self._entry(key).read_bytes()
        except OSError:
            return None
        body = self._open_seal(key, sealed)
        if body is None:
            return None
        try:
            data = json.loads(body)
            if data.get("format") != FORMAT or data.get("entry") != key:
                return None
            lookups = data.get("lookups") or {}
            if lookups and (holds is None or not holds(lookups)):
                return None
            return result_from_json(data["result"])
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        except Exception:  # a resolver or decoding surprise costs a miss, never the scan
            return None

    def put(
        self, key: str, result: FileResult, lookups: dict[str, list[list[Any]]] | None = None
    ) -> None:
        """Store atomically (temporary file and rename); failures are ignored."""
        entry = self._entry(key)
        payload = {
            "format": FORMAT,
            "entry": key,
            "lookups": lookups or {},
            "result": result_to_json(result),
        }
        try:
            body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
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
            with os.fdopen(fd, "wb") as fh:
                fh.write(self.seal(key, body))
            os.replace(tmp, entry)
        except OSError:
            Path(tmp).unlink(missing_ok=True)

    def load_index(self) -> dict[str, list[Any]]:
        """The stat index: path -> [size, mtime_ns, inode, content hash, engines, empty mark]
        (``files.NOT_EMPTY`` ...); rows that may be racily clean are left out, and a forged or
        unreadable index is empty."""
        try:
            sealed = (self.folder / INDEX_FILE).read_bytes()
        except OSError:
            return {}
        body = self._open_seal(INDEX_KEY, sealed)
        if body is None:
            return {}
        try:
            data = json.loads(body)
            trusted_before = int(data["written_ns"]) - RACY_NS
            return {
                rel: row
                for rel, row in data["rows"].items()
                if isinstance(row, list) and len(row) == 6 and row[1] < trusted_before
            }
        except (ValueError, TypeError, KeyError, AttributeError):
            return {}

    def save_index(self, rows: dict[str, list[Any]]) -> None:
        """Replace the stat index atomically; failures are ignored."""
        body = json.dumps(
            {"written_ns": time.time_ns(), "rows": rows}, separators=(",", ":")
        ).encode()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".index.", suffix=".tmp", dir=self.folder)
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(self.seal(INDEX_KEY, body))
            os.replace(tmp, self.folder / INDEX_FILE)
        except OSError:
            Path(tmp).unlink(missing_ok=True)

    def _create_root(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for folder in (self.directory.parent, self.directory.parent.parent):
            marker = folder / ".gitignore"
            if folder.name == ".keyguard" and not marker.exists():
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
