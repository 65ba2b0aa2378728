"""Module facts shared by the worker processes of one scan: the first worker that needs a
module parses it and leaves its facts in a private folder of the scan; the others read them."""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# How long a worker waits for another to finish a module before making it itself (a worker
# that died mid-way must not stall the scan).
WAIT_SECONDS = 30.0
_POLL_SECONDS = 0.002


class SharedModules:
    """Facts by module file, made once across processes: claimed by an exclusive create,
    published by an atomic rename. The folder is the scan's own (made private by
    ``tempfile``), so what is read back is what a worker of this scan wrote."""

    def __init__(self, directory: Path, wait: float = WAIT_SECONDS) -> None:
        self.directory = directory
        self.wait = wait

    def get_or_make(self, file: Path, make: Callable[[], T]) -> T:
        stem = self.directory / hashlib.sha256(os.fsencode(file)).hexdigest()
        facts, claim = stem.with_suffix(".facts"), stem.with_suffix(".claim")
        deadline = time.monotonic() + self.wait
        while True:
            found = _load(facts)
            if found is not None:
                return found[0]  # type: ignore[no-any-return]
            try:
                os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            except FileExistsError:
                if time.monotonic() > deadline:
                    return make()
                time.sleep(_POLL_SECONDS)
                continue
            except OSError:
                return make()
            break
        try:
            value = make()
        except BaseException:
            claim.unlink(missing_ok=True)
            raise
        if not _store(facts, value):
            claim.unlink(missing_ok=True)
        return value


def _load(path: Path) -> tuple[object] | None:
    try:
        with path.open("rb") as handle:
            found = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        return None  # not published yet, or not whole
    return found if isinstance(found, tuple) and len(found) == 1 else None


def _store(path: Path, value: object) -> bool:
    """Publish ``value`` at ``path`` whole or not at all; False when it could not be."""
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(handle, "wb") as out:
            pickle.dump((value,), out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except (OSError, pickle.PicklingError, RecursionError):
        return False
    return True
