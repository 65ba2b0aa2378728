"""Microsoft's SARIF Multitool: the spec's rules and GitHub's ingestion rules, no error or warning."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from analyzer.pipeline.run import scan
from analyzer.policy import default_policy
from analyzer.reporters.run import RunInfo
from analyzer.reporters.sarif import render_sarif
from tests.conftest import FIXTURES

MULTITOOL = os.environ.get("SARIF_MULTITOOL", "")


@pytest.mark.skipif(
    not MULTITOOL, reason="SARIF_MULTITOOL not set: .ci/run installs the npm package and sets it"
)
def test_multitool_reports_no_error_or_warning(tmp_path: Path) -> None:
    report = scan([FIXTURES], FIXTURES, default_policy())
    log = tmp_path / "keyguard.sarif"
    log.write_text(
        render_sarif(report, RunInfo(command_line="keyguard scan fixtures", exit_code=1))
    )
    out = tmp_path / "validation.sarif"
    done = subprocess.run(
        [MULTITOOL, "validate", "--rule-kind", "Sarif;Gh", "-o", str(out), str(log)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"},
        check=False,
    )
    assert out.is_file(), done.stdout + done.stderr
    results = json.loads(out.read_text(encoding="utf-8-sig"))["runs"][0].get("results", [])
    problems = [
        f"{r.get('ruleId')}: {r['message'].get('text') or r['message'].get('arguments')}"
        for r in results
        if r.get("level", "warning") in {"error", "warning"}
    ]
    assert not problems, "\n".join(problems)
