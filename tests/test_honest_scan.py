"""Honest counts, and deep but legal code analysed rather than called "too deep"."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.findings.model import FileResult, Notification
from analyzer.pipeline.run import ScanOptions, scan
from analyzer.policy import default_policy
from tests.gitrepos import SYNTAX_ERROR, WEAK_RSA

OPTIONS = ScanOptions(jobs=1, without=("semgrep",))


def _topics_like(parts: int) -> str:
    """A module shaped like the standard library's ``pydoc_data/topics.py``: a flat dict whose
    values are long implicit concatenations of string literals, and one weak key at the end."""
    body = "\n".join(
        f"           'line {i} of the topic text, long enough to read\\n'" for i in range(parts)
    )
    return (
        "from cryptography.hazmat.primitives.asymmetric import rsa\n"
        f"topics = {{'first': {body.lstrip()},\n 'second': 'short'}}\n"
        "key = rsa.generate_private_key(public_exponent=65537, key_size=1024)\n"
    )


def test_counts_tell_analysed_skipped_and_failed_apart(
    tmp_path: Path, validate_sarif: Callable[[Any], None]
) -> None:
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
    sarif = json.loads(
        CliRunner()
        .invoke(main, ["scan", str(tmp_path), "--no-cache", "--no-semgrep", "--format", "sarif"])
        .stdout
    )
    validate_sarif(sarif)
    counts = sarif["runs"][0]["invocations"][0]["properties"]
    assert counts == {"filesSeen": 4, "filesAnalyzed": 1, "filesSkipped": 2, "filesFailed": 1}
    assert "filesSeen" not in sarif["runs"][0]["properties"]


def test_a_topics_like_module_is_analysed_not_called_too_deep(tmp_path: Path) -> None:
    (tmp_path / "topics.py").write_text(_topics_like(3000))
    compile((tmp_path / "topics.py").read_text(), "topics.py", "exec")  # CPython accepts it
    report = scan([tmp_path], tmp_path, default_policy(), OPTIONS)
    assert [n.kind for n in report.notifications] == []
    assert [(f.location.line, f.rule_id) for f in report.findings] == [(3003, "KG201")]
    assert report.files_analyzed == 1 and report.files_failed == 0


def test_the_time_limit_still_holds_for_deep_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second, deep-stack try is interrupted by the per-file limit like the first."""
    import analyzer.engines.python.engine as engine

    calls: list[int] = []

    def deep_then_slow(source: bytes, path: str, *_args: object) -> FileResult:
        calls.append(1)
        if len(calls) == 1:
            note = Notification(f"{path} is nested too deeply", "too-complex", "warning", path)
            return FileResult(path, notifications=[note])
        end = time.monotonic() + 3
        while time.monotonic() < end:
            pass
        return FileResult(path)

    monkeypatch.setattr(engine, "analyze_python", deep_then_slow)
    (tmp_path / "deep.py").write_text(WEAK_RSA)
    options = ScanOptions(jobs=1, without=("semgrep", "secrets"), file_timeout=0.5)
    started = time.monotonic()
    report = scan([tmp_path], tmp_path, default_policy(), options)
    assert time.monotonic() - started < 2.5
    assert [n.kind for n in report.notifications] == ["file-timeout"]
    assert len(calls) == 2 and report.files_failed == 1
