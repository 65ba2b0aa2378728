"""A batch killed with SIGKILL at a random point and run again ends as an uninterrupted one."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.conftest import REPO
from tests.gitrepos import CURVES, STRONG_RSA, SYNTAX_ERROR, WEAK_RSA, make_repo

SOURCES = [WEAK_RSA, CURVES, STRONG_RSA, SYNTAX_ERROR, WEAK_RSA, CURVES]


def _org(root: Path) -> Path:
    """Six repositories (one whose only file does not parse) and their list."""
    repos = [
        make_repo(root / "src" / f"repo{i}", {"app/keys.py": text, "README.md": f"repo {i}\n"})
        for i, text in enumerate(SOURCES)
    ]
    listing = root / "repos.txt"
    listing.write_text("".join(f"{r}\n" for r in repos), encoding="utf-8")
    return listing


def _batch(root: Path) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "analyzer", "batch", "repos.txt", "--db", "r.sqlite"]
    argv += ["--out", "out", "--workdir", "work", "--jobs", "1", "--no-semgrep"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        argv, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _scans(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM scans").fetchone()[0])
    except sqlite3.Error:
        return 0


def _database(db: Path) -> dict[str, Any]:
    """What the database says, without ids, uids and times."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        scans = conn.execute(
            "SELECT repo, commit_sha, policy_sha256, files_seen, files_analyzed FROM scans"
        ).fetchall()
        findings = conn.execute(
            "SELECT s.repo, f.fingerprint, f.rule_id, f.path, f.line, f.level, f.suppressed"
            " FROM findings f JOIN scans s ON s.id = f.scan_id"
        ).fetchall()
        sites = conn.execute(
            "SELECT s.repo, t.path, t.line, t.api, t.verdict FROM sites t"
            " JOIN scans s ON s.id = t.scan_id"
        ).fetchall()
        latest = conn.execute(
            "SELECT repo, status, commit_sha FROM batch_repos b WHERE batch_id ="
            " (SELECT max(batch_id) FROM batch_repos c WHERE c.repo = b.repo)"
        ).fetchall()
    repos = [row[0] for row in scans]
    assert len(repos) == len(set(repos)), "one row per repository and commit"
    # The run after the kill records the repositories scanned before it as skipped: already scanned
    # at that commit. Either way the repository is done, at that commit.
    done = [
        (repo, "done" if status in {"scanned", "skipped"} else status, sha)
        for repo, status, sha in latest
    ]
    return {
        "scans": sorted(scans),
        "findings": sorted(findings),
        "sites": sorted(sites),
        "latest": sorted(done),
    }


def _slug(name: str) -> str:
    """An output file's name without the hash of the repository's location."""
    return re.sub(r"-[0-9a-f]{8}\.sarif$", ".sarif", name)


def _outputs(out: Path) -> dict[str, Any]:
    """The output folder: its files, each SARIF file's results, and the summary's numbers (a
    repository skipped as already scanned at its commit is as done as one scanned)."""
    summary = json.loads((out / "summary.json").read_text())
    sarif = {
        _slug(p.relative_to(out).as_posix()): [
            r for run in json.loads(p.read_text())["runs"] for r in run["results"]
        ]
        for p in sorted(out.rglob("*.sarif"))
    }
    repositories = [
        {k: v for k, v in r.items() if k not in {"scanned_at", "seconds", "reason", "status"}}
        | {"done": r["status"] in {"scanned", "skipped"}}
        for r in summary["repositories"]
    ]
    return {
        "files": sorted(_slug(p.relative_to(out).as_posix()) for p in out.rglob("*")),
        "sarif": sarif,
        "totals": summary["totals"],
        "repositories": repositories,
    }


def _relative(data: dict[str, Any], root: Path) -> dict[str, Any]:
    """The same data with the organisation's folder written as ``<root>``."""
    text = json.dumps(data).replace(root.as_uri(), "<root-uri>").replace(str(root), "<root>")
    return dict(json.loads(text))


def test_killed_and_resumed_batch_equals_an_uninterrupted_one(tmp_path: Path) -> None:
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    _org(whole)
    shutil.copytree(whole, broken, symlinks=True)  # the same commits
    (broken / "repos.txt").write_text(
        (whole / "repos.txt").read_text().replace(str(whole), str(broken))
    )
    assert _batch(whole).wait(timeout=600) in (0, 1)

    kill_after = random.Random().randint(1, len(SOURCES) - 1)
    proc = _batch(broken)
    deadline = time.monotonic() + 600
    while _scans(broken / "r.sqlite") < kill_after and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert _batch(broken).wait(timeout=600) in (0, 1)

    resumed = _relative(_database(broken / "r.sqlite"), broken)
    assert resumed == _relative(_database(whole / "r.sqlite"), whole), kill_after
    assert _relative(_outputs(broken / "out"), broken) == _relative(_outputs(whole / "out"), whole)
