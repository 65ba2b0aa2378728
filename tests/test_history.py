"""The SQLite history: atomic per repository, resumable after a kill, changes since a date,
and merging CI shards (idempotently)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from analyzer.org.history import open_history, parse_since
from analyzer.org.records import Outcome
from analyzer.policy import default_policy


def outcome(repo: str, commit: str, fingerprints: list[str]) -> Outcome:
    return Outcome(
        repo=repo,
        source=repo,
        status="scanned",
        commit=commit,
        policy_sha256=default_policy().sha256,
        findings=[
            {
                "fingerprint": fp,
                "rule_id": "KG201",
                "category": "short-key",
                "level": "error",
                "clause": "KGS-2",
                "path": "k.py",
                "line": i + 1,
                "message": "short",
                "engine": "python",
                "is_test": False,
                "suppressed": None,
                "justification": None,
            }
            for i, fp in enumerate(fingerprints)
        ],
    )


def test_kill_mid_batch_keeps_what_was_written(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    script = textwrap.dedent(
        f"""
        import os, sys
        sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
        from tests.test_history import outcome
        from analyzer.org.history import open_history
        from analyzer.policy import default_policy
        h = open_history(__import__('pathlib').Path({str(db)!r}))
        b = h.start_batch("test", default_policy())
        h.record(b, outcome("repo-a", "c1", ["f1", "f2"]))
        h.conn.execute("BEGIN IMMEDIATE")
        h.conn.execute("INSERT INTO scans (uid, repo, source, commit_sha, policy_sha256,"
                       " scanned_at, seconds, files_seen, files_analyzed, notifications_json)"
                       " VALUES ('x', 'repo-b', 'repo-b', 'c9', 'p', 't', 0, 0, 0, '[]')")
        os._exit(9)  # killed in the middle of repo-b's transaction
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 9, done.stderr
    with open_history(db) as history:
        assert history.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert [s.repo for s in history.latest_scans()] == ["repo-a"]
        assert len(history.findings(history.latest_scans()[0].id)) == 2
        assert history.scanned_commits("repo-a", default_policy().sha256) == {"c1"}
        assert history.scanned_commits("repo-b", "p") == frozenset()
        assert history.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_changes_since(tmp_path: Path) -> None:
    with open_history(tmp_path / "h.sqlite") as history:
        b = history.start_batch("one", default_policy())
        history.record(b, outcome("r", "c1", ["keep", "gone"]))
        moment = parse_since("2999-01-01")
        history.conn.execute("UPDATE scans SET scanned_at = '2000-01-01T00:00:00+00:00'")
        b = history.start_batch("two", default_policy())
        history.record(b, outcome("r", "c2", ["keep", "fresh"]))
        history.conn.execute(
            "UPDATE scans SET scanned_at = '3000-01-01T00:00:00+00:00' WHERE commit_sha = 'c2'"
        )
        changes = history.changes_since(moment)
        assert {(c.kind, c.finding["fingerprint"]) for c in changes} == {
            ("new", "fresh"),
            ("fixed", "gone"),
        }
        assert all(c.before == "c1" and c.after == "c2" for c in changes)
        assert [p.total for p in history.trend()] == [2, 2]


def test_merge_shards_is_idempotent(tmp_path: Path) -> None:
    shards = []
    for i in range(2):
        path = tmp_path / f"shard{i}.sqlite"
        with open_history(path) as history:
            b = history.start_batch("shard", default_policy(), label="ci-run-7")
            history.record(b, outcome(f"repo{i}", "c1", [f"f{i}"]))
        shards.append(path)
    with open_history(tmp_path / "all.sqlite") as merged:
        assert merged.merge_from(shards[0]) == (1, 1)
        assert merged.merge_from(shards[1]) == (1, 1)
        assert merged.merge_from(shards[1]) == (0, 0)
        assert [s.repo for s in merged.latest_scans()] == ["repo0", "repo1"]
        trend = merged.trend()
        assert len(trend) == 1 and trend[0].repos == 2 and trend[0].total == 2
        assert json.loads(merged.conn.execute("SELECT policy_json FROM batches").fetchone()[0])
