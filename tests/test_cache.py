"""The result cache never changes what a scan reports; it only skips work it has already done."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import analyzer.engines.semgrep.runner as semgrep_runner
from analyzer.cli import main
from analyzer.findings.model import FileResult, Finding, KeySite, Location, Notification, Related
from analyzer.pipeline.cache import (
    FORMAT,
    ResultCache,
    result_from_json,
    result_to_json,
)
from analyzer.pipeline.run import ScanOptions, ScanReport, scan
from analyzer.policy import default_policy
from tests.conftest import FIXTURES

WEAK = (
    "from cryptography.hazmat.primitives.asymmetric import rsa\n"
    "key = rsa.generate_private_key(public_exponent=65537, key_size=1024)\n"
)
STRONG = WEAK.replace("1024", "4096")
SETTINGS = "KEY_BITS = 1024\n"
USES_SETTINGS = (
    "from cryptography.hazmat.primitives.asymmetric import rsa\n"
    "from .settings import KEY_BITS\n"
    "key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)\n"
)


def _options(cache_dir: Path | None) -> ScanOptions:
    return ScanOptions(jobs=1, without=("semgrep",), cache_dir=cache_dir)


def _snapshot(report: ScanReport) -> tuple[list, list, list]:
    return (
        [dataclasses.asdict(f) for f in report.findings],
        [dataclasses.asdict(s) for s in report.sites],
        [dataclasses.asdict(n) for n in report.notifications],
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / "app" / "weak.py").write_text(WEAK)
    (root / "app" / "strong.py").write_text(STRONG)
    (root / "app" / "settings.py").write_text(SETTINGS)
    (root / "app" / "uses_settings.py").write_text(USES_SETTINGS)
    (root / "README.md").write_text("nothing to see\n")
    return root


def _rules(report: ScanReport) -> set[tuple[str, int, str]]:
    return {(f.location.path, f.location.line, f.rule_id) for f in report.findings}


def test_cached_rescan_of_the_fixtures_is_identical(tmp_path: Path, analysed: list[str]) -> None:
    root = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, root)
    cache_dir = tmp_path / "cache"
    policy = default_policy()
    uncached = scan([root], root, policy, _options(None))
    cold = scan([root], root, policy, _options(cache_dir))
    analysed.clear()
    warm = scan([root], root, policy, _options(cache_dir))
    assert uncached.findings, "the fixtures must produce findings for this test to mean anything"
    assert _snapshot(warm) == _snapshot(cold) == _snapshot(uncached)
    assert analysed == [], "an unchanged tree must be served from the cache"


def test_changed_file_is_analysed_again(project: Path, tmp_path: Path, analysed: list[str]) -> None:
    cache_dir = tmp_path / "cache"
    first = scan([project], project, default_policy(), _options(cache_dir))
    assert ("app/strong.py", 2, "KG201") not in _rules(first)
    (project / "app" / "strong.py").write_text(WEAK)
    analysed.clear()
    second = scan([project], project, default_policy(), _options(cache_dir))
    assert analysed == ["app/strong.py"]
    assert ("app/strong.py", 2, "KG201") in _rules(second)


def test_change_in_an_imported_module_reanalyses_its_importer(
    project: Path, tmp_path: Path, analysed: list[str]
) -> None:
    cache_dir = tmp_path / "cache"
    first = scan([project], project, default_policy(), _options(cache_dir))
    assert ("app/uses_settings.py", 3, "KG201") in _rules(first)
    (project / "app" / "settings.py").write_text("KEY_BITS = 4096\n")
    analysed.clear()
    second = scan([project], project, default_policy(), _options(cache_dir))
    assert ("app/uses_settings.py", 3, "KG201") not in _rules(second)
    assert set(analysed) == {"app/settings.py", "app/uses_settings.py"}


def test_changed_policy_invalidates(project: Path, tmp_path: Path, analysed: list[str]) -> None:
    cache_dir = tmp_path / "cache"
    policy = default_policy()
    first = scan([project], project, policy, _options(cache_dir))
    assert ("app/strong.py", 2, "KG201") not in _rules(first)
    stricter = dataclasses.replace(
        policy, thresholds=dataclasses.replace(policy.thresholds, rsa_min_bits=8192)
    )
    analysed.clear()
    second = scan([project], project, stricter, _options(cache_dir))
    assert ("app/strong.py", 2, "KG201") in _rules(second)
    assert len(analysed) == second.files_seen


def test_corrupt_entries_are_survived_and_rewritten(
    project: Path, tmp_path: Path, analysed: list[str]
) -> None:
    cache_dir = tmp_path / "cache"
    first = scan([project], project, default_policy(), _options(cache_dir))
    entries = sorted(cache_dir.rglob("*.json"))
    assert entries
    garbage = [b"", b"{not json", b"\x80\x81\x82", b'{"format": 2, "entry": 5}', b"[]", b"null"]
    for i, entry in enumerate(entries):
        entry.write_bytes(garbage[i % len(garbage)])
    analysed.clear()
    second = scan([project], project, default_policy(), _options(cache_dir))
    notes = [n for n in second.notifications if n.kind == "cache-unverified"]
    assert len(notes) == 1 and f"{len(entries)} result cache entries" in notes[0].message
    second.notifications.remove(notes[0])
    assert _snapshot(second) == _snapshot(first)
    assert len(analysed) == len(entries)
    for entry in entries:
        assert json.loads(entry.read_bytes().partition(b"\n")[2])["format"] == FORMAT


def test_no_cache_dir_writes_nothing(project: Path, tmp_path: Path) -> None:
    scan([project], project, default_policy(), _options(None))
    assert not (project / ".keyguard").exists()


def test_cli_caches_outside_the_scan_root_and_no_cache_bypasses(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    monkeypatch.setenv("KEYGUARD_CACHE_DIR", str(tmp_path / "user-cache"))
    result = CliRunner().invoke(main, ["scan", ".", "--no-cache", "--format", "json"])
    assert result.exit_code == 1, result.output
    assert not (tmp_path / "user-cache").exists()
    cold = CliRunner().invoke(main, ["scan", ".", "--format", "json"])
    assert not (project / ".keyguard").exists()
    assert list((tmp_path / "user-cache").rglob("*.json"))
    warm = CliRunner().invoke(main, ["scan", ".", "--format", "json"])
    assert json.loads(warm.stdout)["findings"] == json.loads(cold.stdout)["findings"]
    assert json.loads(cold.stdout)["findings"] == json.loads(result.stdout)["findings"]


def test_file_result_round_trips_through_json() -> None:
    here = Location("a.py", 3, 5, 3, 20)
    result = FileResult(
        "a.py",
        [
            Finding(
                "KG201",
                here,
                "RSA key of 1024 bits",
                "keyguard-python",
                [Related(Location("b.py", 1), "size assigned here")],
                {"size": 1024, "algorithm": "RSA"},
                "key = rsa.generate_private_key(...)",
            )
        ],
        [KeySite(here, "rsa.generate_private_key", "cryptography", "RSA", "asymmetric", 1024)],
        [Notification("a.py: odd", "syntax-error", "warning", "a.py", 3)],
        analyzed=True,
    )
    assert result_from_json(json.loads(json.dumps(result_to_json(result)))) == result


def test_entries_are_namespaced_by_policy(tmp_path: Path) -> None:
    policy = default_policy()
    other = dataclasses.replace(policy, sha256="0" * 64)
    assert (
        ResultCache.open(tmp_path, policy).namespace == ResultCache.open(tmp_path, policy).namespace
    )
    assert (
        ResultCache.open(tmp_path, policy).namespace != ResultCache.open(tmp_path, other).namespace
    )


def test_semgrep_results_are_cached_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "java", root / "java")
    cache_dir = tmp_path / "cache"
    options = ScanOptions(jobs=1, cache_dir=cache_dir)
    cold = scan([root], root, default_policy(), options)
    assert any(f.engine == "semgrep" for f in cold.findings), "Semgrep must find something here"
    runs: list[object] = []
    real = semgrep_runner.run_semgrep

    def counting(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        runs.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(semgrep_runner, "run_semgrep", counting)
    warm = scan([root], root, default_policy(), options)
    assert runs == []
    assert _snapshot(warm) == _snapshot(cold)
    (root / "java" / "KeyService.java").write_text(
        (root / "java" / "KeyService.java")
        .read_text()
        .replace("initialize(512)", "initialize(4096)")
    )
    changed = scan([root], root, default_policy(), options)
    assert len(runs) == 1
    assert len(changed.findings) == len(cold.findings) - 1


def test_warm_rescan_reads_only_files_whose_status_changed(
    project: Path, tmp_path: Path, analysed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files with the size, mtime and inode the stat index recorded are not even read."""
    an_hour_ago = time.time() - 3600
    for path in project.rglob("*"):
        os.utime(path, (an_hour_ago, an_hour_ago))
    cache_dir = tmp_path / "cache"
    cold = scan([project], project, default_policy(), _options(cache_dir))
    read: list[str] = []
    real_read = Path.read_bytes

    def counting(self: Path) -> bytes:
        if project in self.parents:
            read.append(self.relative_to(project).as_posix())
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    analysed.clear()
    warm = scan([project], project, default_policy(), _options(cache_dir))
    assert _snapshot(warm) == _snapshot(cold)
    assert analysed == []
    # files with findings are read for their suppression comments; settings.py, whose constant
    # a cached result depends on, is checked by its status like the others, not read
    assert {f.location.path for f in cold.findings} == {"app/weak.py", "app/uses_settings.py"}
    assert set(read) == {"app/weak.py", "app/uses_settings.py"}

    weak = project / "app" / "weak.py"
    weak.write_text(WEAK.replace("1024", "4096"))
    os.utime(weak, (an_hour_ago + 60, an_hour_ago + 60))
    changed = scan([project], project, default_policy(), _options(cache_dir))
    assert "app/weak.py" in read and analysed == ["app/weak.py"]
    assert len(changed.findings) == len(cold.findings) - 1
