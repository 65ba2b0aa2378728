"""Module facts shared by a scan's worker processes: made once, read back whole, and never a
stall or a lost value when a maker fails."""

from __future__ import annotations

import os
import tempfile
import textwrap
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import analyzer.engines.python.resolver as resolver_module
from analyzer.engines.python.module_store import SharedModules
from analyzer.pipeline.run import ScanOptions, scan
from analyzer.policy import default_policy


def _make_in_worker(directory: str, file: str, log: str) -> str:
    def make() -> str:
        with open(log, "a") as out:
            out.write(f"{os.getpid()}\n")
        return f"facts of {file}"

    return SharedModules(Path(directory)).get_or_make(Path(file), make)


def test_a_module_is_made_once_by_all_processes(tmp_path: Path) -> None:
    log = tmp_path / "made.log"
    with ProcessPoolExecutor(2) as pool:
        answers = list(
            pool.map(
                _make_in_worker,
                [str(tmp_path)] * 8,
                ["/p/a.py"] * 4 + ["/p/b.py"] * 4,
                [str(log)] * 8,
            )
        )
    assert answers == ["facts of /p/a.py"] * 4 + ["facts of /p/b.py"] * 4
    assert len(log.read_text().split()) == 2


def test_a_failed_make_releases_its_claim(tmp_path: Path) -> None:
    store = SharedModules(tmp_path, wait=0.5)

    def fail() -> int:
        raise ValueError("broken module")

    with pytest.raises(ValueError):
        store.get_or_make(Path("/p/a.py"), fail)
    assert store.get_or_make(Path("/p/a.py"), lambda: 7) == 7
    assert store.get_or_make(Path("/p/a.py"), lambda: 8) == 7


def test_a_claim_never_published_is_made_after_the_wait(tmp_path: Path) -> None:
    store = SharedModules(tmp_path, wait=0.05)
    assert store.get_or_make(Path("/p/a.py"), lambda: 1) == 1
    for stale in tmp_path.glob("*.facts"):
        stale.unlink()  # a claim left by a worker that died before it published
    assert store.get_or_make(Path("/p/a.py"), lambda: 2) == 2


def test_none_is_a_value_shared_like_any_other(tmp_path: Path) -> None:
    store = SharedModules(tmp_path)
    assert store.get_or_make(Path("/p/broken.py"), lambda: None) is None
    assert store.get_or_make(Path("/p/broken.py"), lambda: 5) is None


def _services_calling_a_helper(root: Path, sizes: list[int]) -> None:
    """A package whose modules each generate a key through one helper module, one size each."""
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "helpers.py").write_text(
        textwrap.dedent(
            """\
            from cryptography.hazmat.primitives.asymmetric import rsa
            def make_key(bits):
                return rsa.generate_private_key(public_exponent=65537, key_size=bits)
            """
        )
    )
    for n, bits in enumerate(sizes):
        (root / "app" / f"service{n}.py").write_text(
            "from cryptography.hazmat.primitives.asymmetric import rsa\n"
            f"from .helpers import make_key\nkey = make_key({bits})\n"
        )


def _findings(root: Path, jobs: int) -> set[tuple[str, int, str]]:
    options = ScanOptions(jobs=jobs, without=("semgrep", "secrets"), cache_dir=None)
    report = scan([root], root, default_policy(), options)
    return {(f.location.path, f.location.line, f.rule_id) for f in report.findings}


def test_a_parallel_scan_parses_each_project_module_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thirty modules that all call the same helpers: the helpers' module is parsed by one
    worker only, and the findings are those of a one-process scan."""
    root = tmp_path / "project"
    _services_calling_a_helper(root, [1024 if n % 2 else 4096 for n in range(30)])
    log = tmp_path / "parsed.log"
    real = resolver_module._parse

    def counting(source: bytes) -> Any:
        with log.open("a") as out:
            out.write(f"{os.getpid()} {b'def make_key' in source}\n")
        return real(source)

    monkeypatch.setattr(resolver_module, "_parse", counting)

    parallel = _findings(root, 2)
    parses = log.read_text().split()
    assert parses[1::2].count("True") == 1, "helpers.py parsed by one worker only"
    assert len(set(parses[0::2]) - {str(os.getpid())}) >= 1, "the scan ran in workers"
    assert parallel == _findings(root, 1)
    assert parallel == {(f"app/service{n}.py", 3, "KG201") for n in range(1, 30, 2)}


def test_a_parallel_scan_without_a_writable_temporary_folder_still_scans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No shared folder (the temporary folder unwritable): each worker reads modules on its
    own, with the same findings."""
    root = tmp_path / "project"
    _services_calling_a_helper(root, [1024] * 26)

    def unwritable(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied", "/tmp")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", unwritable)
    assert _findings(root, 2) == {(f"app/service{n}.py", 3, "KG201") for n in range(26)}
