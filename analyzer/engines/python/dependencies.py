"""The other files a module's analysis read, so a cached result is checked by ``stat``, not redone.

A result that used a constant, a function summary or a re-export of another module depends on
two kinds of fact: which file an import names (existence of files, answered by ``stat``) and what
that file holds (its bytes). Both are recorded while the file is analysed; on a re-scan the
import answers are asked again (``stat`` only) and each file read is compared by size,
modification time and inode, and by its content hash only when those changed or when it was
modified too close to its reading to trust them (git's "racily clean" rule). Nothing is parsed.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

# A file modified this close before it was read may change again within the clock's resolution
# without its status showing it: its status is not trusted, its content is hashed.
RACY_NS = 2_000_000_000

MODULE = "module"
FILE = "file"
# The row of a file that could not be read: it never matches, so the result is always redone.
UNREADABLE: list[Any] = [-1, -1, -1, 0, ""]


def file_row(data: bytes, status: os.stat_result) -> list[Any]:
    """What identifies the bytes read from a file: size, mtime, inode, read time, hash."""
    return [
        status.st_size,
        status.st_mtime_ns,
        status.st_ino,
        time.time_ns(),
        hashlib.sha256(data).hexdigest(),
    ]


def unchanged(path: Path, row: list[Any]) -> bool:
    """Whether ``path`` still holds the bytes ``row`` describes (stat first, hash when unsure)."""
    size, mtime_ns, inode, read_ns, digest = row
    try:
        status = path.stat()
        if (status.st_size, status.st_mtime_ns, status.st_ino) == (size, mtime_ns, inode):
            if mtime_ns < read_ns - RACY_NS:
                return True
        elif status.st_size != size:
            return False
        return hashlib.sha256(path.read_bytes()).hexdigest() == digest
    except OSError:
        return False


class Dependencies:
    """The import answers and file contents one module's analysis used."""

    def __init__(self) -> None:
        self.modules: dict[tuple[str, int, str], list[Any]] = {}
        self.files: dict[str, list[Any]] = {}

    def module(self, key: tuple[str, int, str], from_path: str, answer: str | None) -> None:
        if key not in self.modules:
            self.modules[key] = [MODULE, from_path, key[1], key[2], answer]

    def file(self, rel: str, row: list[Any] | None) -> None:
        if row is not None and rel not in self.files:
            self.files[rel] = [FILE, rel, *row]

    def update(self, other: Dependencies | None) -> None:
        """Add what another answer depended on (a cached answer's own dependencies)."""
        if other is not None:
            for key, record in other.modules.items():
                self.modules.setdefault(key, record)
            for rel, record in other.files.items():
                self.files.setdefault(rel, record)

    def records(self) -> list[list[Any]]:
        """As the cache entry keeps them (JSON lists)."""
        return [*self.modules.values(), *self.files.values()]
