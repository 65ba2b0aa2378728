"""The result cache leaves no trace in the scanned tree and cannot be planted by what it scans."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.findings.model import ScanReport
from analyzer.pipeline.cache import ResultCache, root_folder
from analyzer.pipeline.run import ScanOptions, scan
from analyzer.policy import default_policy
from tests.gitrepos import WEAK_RSA, commit, git, make_repo

OPTIONS = {"jobs": 1, "without": ("semgrep",)}


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every path below ``root`` with its size and modification time."""
    return {
        p.relative_to(root).as_posix(): (p.lstat().st_size, p.lstat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
    }


def _kinds(report: ScanReport) -> list[str]:
    return [n.kind for n in report.notifications]


def _rules(report: ScanReport) -> list[tuple[str, int, str]]:
    return [(f.location.path, f.location.line, f.rule_id) for f in report.findings]


def _forge_empty(cache_dir: Path, root: Path, *, reseal: bool) -> int:
    """Rewrite every entry of ``root``'s cache to say "no findings"; with ``reseal`` the entry is
    signed again with the secret found in ``cache_dir`` (as a repository that commits both
    would); without, the old signature stays (as anyone without the secret must)."""
    cache = ResultCache.open(cache_dir, default_policy(), root)
    assert cache is not None
    entries = sorted(cache.folder.rglob("*.json"))
    for entry in entries:
        mac, _, body = entry.read_bytes().partition(b"\n")
        data = json.loads(body)
        data["result"]["findings"] = []
        data["result"]["sites"] = []
        forged = json.dumps(data, separators=(",", ":")).encode()
        key = entry.parent.name + entry.stem
        entry.write_bytes(cache.seal(key, forged) if reseal else mac + b"\n" + forged)
    return len(entries)


@pytest.fixture
def weak(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "app").mkdir(parents=True)
    (root / "app" / "keys.py").write_text(WEAK_RSA)
    return root


def test_default_cache_is_the_users_not_the_trees(
    weak: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KEYGUARD_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(weak)
    before = _tree(weak)
    result = CliRunner().invoke(main, ["scan", ".", "--format", "json"])
    assert result.exit_code == 1, result.output
    assert _tree(weak) == before
    namespace = tmp_path / "xdg" / "keyguard" / root_folder(weak)
    assert list(namespace.rglob("*.json")), sorted(tmp_path.rglob("*"))


def test_cache_dir_option_and_environment_override(
    weak: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(weak)
    monkeypatch.setenv("KEYGUARD_CACHE_DIR", str(tmp_path / "env"))
    CliRunner().invoke(main, ["scan", ".", "--format", "json"])
    assert list((tmp_path / "env" / root_folder(weak)).rglob("*.json"))
    CliRunner().invoke(main, ["scan", ".", "--format", "json", "--cache-dir", str(tmp_path / "o")])
    assert list((tmp_path / "o" / root_folder(weak)).rglob("*.json"))


def test_each_scan_root_has_its_own_namespace(tmp_path: Path) -> None:
    assert root_folder(tmp_path / "a" / "src") != root_folder(tmp_path / "b" / "src")
    assert root_folder(tmp_path / "a") == root_folder(tmp_path / "a" / ".." / "a")


def test_a_read_only_tree_is_scanned_and_left_untouched(
    weak: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(weak)
    monkeypatch.setenv("KEYGUARD_CACHE_DIR", str(tmp_path / "cache"))
    paths = [weak, *weak.rglob("*")]
    for path in paths:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        before = _tree(weak)
        runs = [CliRunner().invoke(main, ["scan", ".", "--format", "json"]) for _ in range(2)]
        assert _tree(weak) == before
    finally:
        for path in paths:
            path.chmod(stat.S_IRWXU)
    for run in runs:
        assert run.exit_code == 1, run.output
        out = json.loads(run.stdout)
        assert [f["rule_id"] for f in out["findings"]] == ["KG201"]
        assert not [n for n in out["notifications"] if "cache" in json.dumps(n).lower()]


def test_a_forged_entry_is_ignored_and_reported_once(weak: Path, tmp_path: Path) -> None:
    options = ScanOptions(**OPTIONS, cache_dir=tmp_path / "cache")  # type: ignore[arg-type]
    cold = scan([weak], weak, default_policy(), options)
    assert _rules(cold) == [("app/keys.py", 3, "KG201")]
    assert _forge_empty(tmp_path / "cache", weak, reseal=False) == 1
    warm = scan([weak], weak, default_policy(), options)
    assert _rules(warm) == _rules(cold)
    assert _kinds(warm).count("cache-unverified") == 1
    again = scan([weak], weak, default_policy(), options)  # the entry was rewritten
    assert _rules(again) == _rules(cold) and "cache-unverified" not in _kinds(again)


def test_a_repository_cannot_plant_its_own_results(tmp_path: Path) -> None:
    """A branch commits a cache, secret and all, that says its weak key has no finding."""
    repo = make_repo(tmp_path / "repo", {"app/keys.py": WEAK_RSA})
    planted = repo / ".keyguard" / "cache"
    options = ScanOptions(**OPTIONS, cache_dir=planted)  # type: ignore[arg-type]
    honest = scan([repo], repo, default_policy(), options)
    assert _rules(honest) == [("app/keys.py", 3, "KG201")]
    assert _forge_empty(planted, repo, reseal=True) == 1
    git(repo, "add", "-f", ".keyguard")
    commit(repo, {}, "cache with no findings")
    assert git(repo, "ls-files", ".keyguard")

    # Pointed at the planted folder, the scan ignores it ...
    fooled = scan([repo], repo, default_policy(), options)
    assert _rules(fooled) == _rules(honest)
    assert _kinds(fooled).count("cache-tracked") == 1
    # ... and with the cache in its default place, the planted one is still reported once.
    default = ScanOptions(**OPTIONS, cache_dir=tmp_path / "user")  # type: ignore[arg-type]
    for _ in range(2):
        report = scan([repo], repo, default_policy(), default)
        assert _rules(report) == _rules(honest)
        assert _kinds(report).count("cache-tracked") == 1


def test_cache_info_and_clean(weak: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(weak)
    monkeypatch.setenv("KEYGUARD_CACHE_DIR", str(tmp_path / "c"))
    CliRunner().invoke(main, ["scan", ".", "--format", "json"])
    info = CliRunner().invoke(main, ["cache", "info"])
    assert info.exit_code == 0 and "1 scan root(s), 1 entries" in info.output, info.output
    cleaned = CliRunner().invoke(main, ["cache", "clean"])
    assert "removed the cached results of 1 scan root(s)" in cleaned.output
    assert not list((tmp_path / "c").rglob("*.json"))
    assert (tmp_path / "c" / "secret.key").is_file()
