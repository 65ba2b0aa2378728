"""Beyond one machine: ``--dask-scheduler`` against a LocalCluster, ``--shard K/N`` and
``keyguard merge`` of the shards' databases and SARIF logs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.org.history import open_history
from tests.gitrepos import WEAK_RSA, bare_copy, make_repo


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def repos(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(tmp_path)
    local = [str(make_repo(tmp_path / f"r{i}", {"k.py": WEAK_RSA})) for i in range(5)]
    url = bare_copy(Path(local[0]), tmp_path / "remote.git")
    return [*local, url]


def test_dask_local_cluster(repos: list[str]) -> None:
    import distributed

    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        code, out, err = run(
            "batch",
            *repos,
            "--dask-scheduler",
            cluster.scheduler_address,
            "--db",
            "d.sqlite",
            "--out",
            "o",
            "--workdir",
            "w",
            "--no-semgrep",
            "--format",
            "json",
        )
    assert code == 0, err
    totals = json.loads(out)["totals"]
    assert totals["scanned"] == 6 and totals["failed"] == 0 and totals["findings"] == 6


def test_shards_and_merge(repos: list[str], validate_sarif: Callable[[Any], None]) -> None:
    for k in (1, 2, 3):
        code, _, err = run(
            "batch",
            *repos,
            "--shard",
            f"{k}/3",
            "--label",
            "ci-1",
            "--db",
            f"s{k}.sqlite",
            "--out",
            f"o{k}",
            "--workdir",
            f"w{k}",
            "--no-semgrep",
            "--jobs",
            "2",
        )
        assert code == 0, err
    code, _, err = run(
        "merge",
        "s1.sqlite",
        "s2.sqlite",
        "s3.sqlite",
        "o1/combined.sarif",
        "o2/combined.sarif",
        "o3/combined.sarif",
        "--db",
        "all.sqlite",
        "--sarif",
        "all.sarif",
    )
    assert code == 0, err
    combined = json.loads(Path("all.sarif").read_text(encoding="utf-8"))
    validate_sarif(combined)
    assert len(combined["runs"]) == 6
    with open_history(Path("all.sqlite")) as history:
        assert len(history.latest_scans()) == 6
        assert len(history.trend()) == 1
    code, out, _ = run("report", "--db", "all.sqlite", "--format", "json")
    assert json.loads(out)["totals"]["scanned"] == 6
