"""A cached result that used another module is reused while that module is unchanged (checked by
``stat``, nothing parsed) and redone as soon as it changes: never a stale finding."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import analyzer.engines.python.resolver as resolver_module
from analyzer.pipeline.run import ScanOptions, ScanReport, scan
from analyzer.policy import default_policy

GENERATE = "from cryptography.hazmat.primitives.asymmetric import rsa\n"
USES_CONSTANT = GENERATE + (
    "from .settings import KEY_BITS\n"
    "key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)\n"
)
HELPER = GENERATE + (
    "def make_key(bits):\n    return rsa.generate_private_key(public_exponent=65537, key_size=bits)\n"
)
USES_HELPER = GENERATE + "from .helpers import make_key\nkey = make_key(1024)\n"


def _rules(report: ScanReport) -> set[tuple[str, int, str]]:
    return {(f.location.path, f.location.line, f.rule_id) for f in report.findings}


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How often the resolver parsed another module."""
    count: list[int] = []
    real = resolver_module._parse

    def counting(source: bytes):  # type: ignore[no-untyped-def]
        count.append(len(source))
        return real(source)

    monkeypatch.setattr(resolver_module, "_parse", counting)
    return count


def _write(path: Path, text: str, age: float = 3600) -> None:
    """Write ``text`` and date the file ``age`` seconds back (old enough to trust its status)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    then = time.time() - age
    os.utime(path, (then, then))


def _scan(root: Path, cache: Path, *only: str) -> ScanReport:
    paths = [root / rel for rel in only] or [root]
    options = ScanOptions(jobs=1, without=("semgrep", "secrets"), cache_dir=cache)
    return scan(paths, root, default_policy(), options)


def test_a_constant_changed_in_module_a_changes_the_cached_finding_in_module_b(
    tmp_path: Path, analysed: list[str], parsed: list[int]
) -> None:
    root, cache = tmp_path / "project", tmp_path / "cache"
    _write(root / "app" / "settings.py", "KEY_BITS = 1024\n")
    _write(root / "app" / "keys.py", USES_CONSTANT)
    # only keys.py is scanned (as a hook would): settings.py is a dependency, not a target
    assert ("app/keys.py", 3, "KG201") in _rules(_scan(root, cache, "app/keys.py"))

    analysed.clear()
    parsed.clear()
    assert ("app/keys.py", 3, "KG201") in _rules(_scan(root, cache, "app/keys.py"))
    assert analysed == [] and parsed == [], "an unchanged dependency is checked by stat only"

    _write(root / "app" / "settings.py", "KEY_BITS = 4096\n", age=3000)
    warm = _scan(root, cache, "app/keys.py")
    assert analysed == ["app/keys.py"]
    assert ("app/keys.py", 3, "KG201") not in _rules(warm)


def test_a_dependency_rewritten_right_after_it_was_read_is_hashed_not_trusted(
    tmp_path: Path, analysed: list[str]
) -> None:
    """Same size, and possibly the same mtime within the clock's resolution: the content decides."""
    root, cache = tmp_path / "project", tmp_path / "cache"
    _write(root / "app" / "keys.py", USES_CONSTANT)
    settings = root / "app" / "settings.py"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text("KEY_BITS = 1024\n")
    status = settings.stat()
    assert ("app/keys.py", 3, "KG201") in _rules(_scan(root, cache, "app/keys.py"))
    settings.write_text("KEY_BITS = 4096\n")
    os.utime(settings, ns=(status.st_atime_ns, status.st_mtime_ns))
    analysed.clear()
    assert ("app/keys.py", 3, "KG201") not in _rules(_scan(root, cache, "app/keys.py"))
    assert analysed == ["app/keys.py"]


def test_a_helper_changed_in_another_module_changes_the_cached_finding(
    tmp_path: Path, analysed: list[str]
) -> None:
    root, cache = tmp_path / "project", tmp_path / "cache"
    _write(root / "app" / "helpers.py", HELPER)
    _write(root / "app" / "service.py", USES_HELPER)
    assert ("app/service.py", 3, "KG201") in _rules(_scan(root, cache, "app/service.py"))
    _write(root / "app" / "helpers.py", HELPER.replace("key_size=bits", "key_size=4096"), 3000)
    analysed.clear()
    assert ("app/service.py", 3, "KG201") not in _rules(_scan(root, cache, "app/service.py"))
    assert analysed == ["app/service.py"]


def test_a_new_module_that_an_import_now_names_is_followed(
    tmp_path: Path, analysed: list[str]
) -> None:
    """``from settings import KEY_BITS`` first finds app/settings.py; a settings.py at the root,
    created later, comes first on the search path and is the one read from then on."""
    root, cache = tmp_path / "project", tmp_path / "cache"
    _write(root / "app" / "settings.py", "KEY_BITS = 1024\n")
    _write(root / "app" / "keys.py", USES_CONSTANT.replace("from .settings", "from settings"))
    assert ("app/keys.py", 3, "KG201") in _rules(_scan(root, cache, "app/keys.py"))
    _write(root / "settings.py", "KEY_BITS = 4096\n")
    analysed.clear()
    assert ("app/keys.py", 3, "KG201") not in _rules(_scan(root, cache, "app/keys.py"))
    assert analysed == ["app/keys.py"]


def test_a_deleted_dependency_redoes_the_result(tmp_path: Path, analysed: list[str]) -> None:
    root, cache = tmp_path / "project", tmp_path / "cache"
    _write(root / "app" / "settings.py", "KEY_BITS = 1024\n")
    _write(root / "app" / "keys.py", USES_CONSTANT)
    assert ("app/keys.py", 3, "KG201") in _rules(_scan(root, cache, "app/keys.py"))
    (root / "app" / "settings.py").unlink()
    analysed.clear()
    assert ("app/keys.py", 3, "KG201") not in _rules(_scan(root, cache, "app/keys.py"))
    assert analysed == ["app/keys.py"]
