"""``keyguard batch`` end to end: ten repositories (one unreachable, one with a syntax error),
skipping on rerun, history of fixes, SARIF per repository and combined, summaries, failures."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.org.history import open_history
from analyzer.org.repos import RepoSpec
from analyzer.org.run import BatchSettings, run_batch
from analyzer.policy import default_policy
from tests.gitrepos import CURVES, STRONG_RSA, SYNTAX_ERROR, WEAK_RSA, bare_copy, commit, make_repo


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def org(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Ten repositories: six local checkouts, three bare ones by file:// URL, one unreachable."""
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "src"
    local = [make_repo(src / f"local{i}", {"app/keys.py": WEAK_RSA}) for i in range(5)]
    broken = make_repo(src / "broken", {"app/keys.py": CURVES, "app/bad.py": SYNTAX_ERROR})
    origins = [make_repo(src / f"origin{i}", {"svc/keys.py": WEAK_RSA}) for i in range(3)]
    urls = [bare_copy(o, tmp_path / "bare" / f"svc{i}.git") for i, o in enumerate(origins)]
    unreachable = (tmp_path / "bare" / "gone.git").as_uri()
    listing = tmp_path / "repos.txt"
    listing.write_text(
        "\n".join([*(str(p) for p in [*local, broken]), *urls, unreachable]) + "\n",
        encoding="utf-8",
    )
    return {"local": local, "broken": broken, "urls": urls, "list": listing, "root": tmp_path}


BATCH = ("batch", "repos.txt", "--db", "r.sqlite", "--out", "out", "--workdir", "work")


def test_done_when(org: dict[str, Any], validate_sarif: Callable[[Any], None]) -> None:
    code, out, err = run(*BATCH, "--jobs", "2", "--no-semgrep", "--format", "json")
    assert code == 1, err  # one repository failed
    summary = json.loads(out)
    assert summary["totals"]["repositories"] == 10
    assert summary["totals"]["scanned"] == 9
    assert summary["totals"]["failed"] == 1
    failed = [r for r in summary["repositories"] if r["status"] == "failed"]
    assert failed[0]["repo"].endswith("gone.git") and "ls-remote" in failed[0]["reason"]
    assert err.count("scanned  ") == 9 and err.count("failed   ") == 1
    broken = next(r for r in summary["repositories"] if r["repo"] == org["broken"].name)
    assert broken["notifications"] >= 1 and broken["by_level"]["error"] == 1

    out_dir = org["root"] / "out"
    per_repo = sorted((out_dir / "sarif").glob("*.sarif"))
    assert len(per_repo) == 9
    for path in per_repo:
        validate_sarif(path.read_text(encoding="utf-8"))
    combined = json.loads((out_dir / "combined.sarif").read_text(encoding="utf-8"))
    validate_sarif(combined)
    assert len(combined["runs"]) == 9
    uris = {run["versionControlProvenance"][0]["repositoryUri"] for run in combined["runs"]}
    assert set(org["urls"]) <= uris
    assert all(run["versionControlProvenance"][0].get("revisionId") for run in combined["runs"])

    rows = list(csv.DictReader(io.StringIO((out_dir / "summary.csv").read_text())))
    assert sum(int(r["count"]) for r in rows) == summary["totals"]["findings"]
    assert "FAILED" in (out_dir / "summary.txt").read_text()

    # Second run: nothing changed, all nine skipped, the failure reported again.
    code, out, err = run(*BATCH, "--no-semgrep", "--format", "json")
    assert code == 1
    assert err.count("skipped  ") == 9 and err.count("scanned  ") == 0
    assert json.loads(out)["totals"] == summary["totals"]

    # A commit that fixes a finding shows up as fixed.
    moment = dt.datetime.now(dt.UTC).isoformat()
    commit(org["local"][0], {"app/keys.py": STRONG_RSA}, "use 3072-bit keys")
    code, _, err = run(*BATCH, "--no-semgrep")
    assert err.count("scanned  ") == 1 and err.count("skipped  ") == 8
    code, out, _ = run("report", "--db", "r.sqlite", "--since", moment, "--format", "json")
    changes = json.loads(out)
    assert changes["fixed"] == 1 and changes["new"] == 0
    change = changes["changes"][0]
    assert change["repo"] == str(org["local"][0]) and change["finding"]["rule_id"] == "KG201"
    code, out, _ = run("report", "--db", "r.sqlite", "--since", moment)
    assert "fixed" in out and "0 new, 1 fixed" in out

    # --force rescans everything reachable.
    code, _, err = run(*BATCH, "--no-semgrep", "--force")
    assert err.count("scanned  ") == 9


def test_failures_are_reported_and_the_others_go_on(tmp_path: Path) -> None:
    good = make_repo(tmp_path / "good", {"k.py": WEAK_RSA})
    slow = make_repo(tmp_path / "slow", {"k.py": WEAK_RSA})
    history = open_history(tmp_path / "h.sqlite")
    policy = default_policy()
    crash = (sys.executable, "-c", "import os; os.abort()")
    settings = BatchSettings(workdir=tmp_path / "work", jobs=2, progress=False, semgrep=False)
    lines: list[str] = []
    result = run_batch(
        [RepoSpec(str(good), False)],
        policy,
        history,
        BatchSettings(**{**settings.__dict__, "worker_command": crash}),
        lines.append,
    )
    assert result.outcomes[0].status == "failed"
    assert "worker process ended abnormally" in result.outcomes[0].reason
    result = run_batch(
        [RepoSpec(str(good), False), RepoSpec(str(slow), False)],
        policy,
        history,
        BatchSettings(**{**settings.__dict__, "timeout": 0.001}),
        lines.append,
    )
    assert {o.status for o in result.outcomes} == {"failed"}
    assert all("timed out" in o.reason for o in result.outcomes)
    result = run_batch(
        [RepoSpec(str(good), False), RepoSpec(str(tmp_path / "gone"), False)],
        policy,
        history,
        settings,
        lines.append,
    )
    assert [o.status for o in result.outcomes] == ["scanned", "failed"]
    assert result.outcomes[1].reason == "no such folder"
    assert any(line.startswith("failed   ") for line in lines)
    history.close()


def test_unknown_shard_and_missing_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run("batch", ".", "--shard", "5/4")
    assert code == 2 and "--shard" in err
    code, _, err = run("report", "--db", "nothing.sqlite")
    assert code == 2 and "no such results database" in err
