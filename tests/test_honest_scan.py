"""Honest counts: files analysed, skipped by the prefilter, and failed are told apart."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from analyzer.cli import main
from analyzer.pipeline.run import ScanOptions, scan
from analyzer.policy import default_policy
from tests.gitrepos import SYNTAX_ERROR, WEAK_RSA

OPTIONS = ScanOptions(jobs=1, without=("semgrep",))


def test_counts_tell_analysed_skipped_and_failed_apart(tmp_path: Path) -> None:
    (tmp_path / "keys.py").write_text(WEAK_RSA)
    (tmp_path / "broken.py").write_text(SYNTAX_ERROR)
    (tmp_path / "plain.py").write_text("x = 1\n")
    (tmp_path / "notes.txt").write_text("nothing to see\n")
    report = scan([tmp_path], tmp_path, default_policy(), OPTIONS)
    assert (report.files_seen, report.files_analyzed) == (4, 1)
    assert (report.files_skipped, report.files_failed) == (2, 1)

    result = CliRunner().invoke(main, ["scan", str(tmp_path), "--no-cache", "--no-semgrep"])
    assert "1 of 4 files analysed (2 skipped by the prefilter, 1 failed)" in result.output
    data = json.loads(
        CliRunner()
        .invoke(main, ["scan", str(tmp_path), "--no-cache", "--no-semgrep", "--format", "json"])
        .stdout
    )
    summary = data["summary"]
    assert (summary["files_seen"], summary["files_analyzed"]) == (4, 1)
    assert (summary["files_skipped"], summary["files_failed"]) == (2, 1)
