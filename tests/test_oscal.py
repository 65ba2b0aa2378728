"""``keyguard report --oscal``: an OSCAL assessment-results document that trestle validates, with
the clauses and PCI DSS requirements as reviewed controls, findings traced to file and line,
the applied exception as an approved deviation and the key inventory's verdict counts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from tests.gitrepos import CURVES, WEAK_RSA, make_repo

trestle = pytest.importorskip("trestle")

POLICY = """
[[exceptions]]
rule = "KG201"
paths = ["legacy/**"]
justification = "Legacy interface decommissioned in Q1; keys never leave the test HSM."
approved_by = "ciso@example.com"
expires = "2099-03-31"
ticket = "SEC-1234"
"""


@pytest.fixture
def oscal(tmp_path: Path) -> dict[str, Any]:
    repo = make_repo(
        tmp_path / "src" / "alpha",
        {"app/keys.py": WEAK_RSA, "legacy/old.py": WEAK_RSA, "app/curves.py": CURVES},
    )
    (tmp_path / "policy.toml").write_text(POLICY, encoding="utf-8")
    db = tmp_path / "r.sqlite"
    common = ["--db", str(db)]
    batch = CliRunner().invoke(
        main,
        [
            "batch",
            str(repo),
            "--config",
            str(tmp_path / "policy.toml"),
            *common,
            "--no-semgrep",
            "--no-progress",
            "--out",
            str(tmp_path / "out"),
            "--workdir",
            str(tmp_path / "w"),
        ],
    )
    assert batch.exit_code == 0, batch.stderr
    out = tmp_path / "ar.json"
    report = CliRunner().invoke(main, ["report", *common, "--oscal", str(out)])
    assert report.exit_code == 0, report.stderr
    return {"path": out, "doc": json.loads(out.read_text()), "repo": str(repo)}


def test_trestle_validates_it(oscal: dict[str, Any], tmp_path: Path) -> None:
    from trestle.oscal import OSCAL_VERSION
    from trestle.oscal.assessment_results import AssessmentResults

    assert OSCAL_VERSION.startswith("1.1.")  # the pinned trestle validates OSCAL 1.1
    metadata = oscal["doc"]["assessment-results"]["metadata"]
    assert metadata["oscal-version"] == OSCAL_VERSION
    AssessmentResults.oscal_read(oscal["path"])  # the models parse it back
    ws = tmp_path / "ws"
    ws.mkdir()
    trestle_cli = [sys.executable, "-m", "trestle"]
    for args in (
        ["init"],
        ["import", "-f", str(oscal["path"]), "-o", "kg"],
        ["validate", "-t", "assessment-results", "-n", "kg"],
    ):
        done = subprocess.run([*trestle_cli, *args], cwd=ws, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    assert "VALID" in done.stdout + done.stderr


def _props(item: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in item.get("props", []):
        out.setdefault(p["name"], []).append(p["value"])
    return out


def test_contents_trace_back_to_file_and_line(oscal: dict[str, Any]) -> None:
    doc = oscal["doc"]["assessment-results"]
    (result,) = doc["results"]
    controls = {
        c["control-id"]
        for s in result["reviewed-controls"]["control-selections"]
        for c in s["include-controls"]
    }
    assert {"kgs-1", "kgs-2", "kgs-3", "pci-dss-3.7.1", "pci-dss-3.6.1"} <= controls
    observations = {o["uuid"]: o for o in result["observations"]}
    traced = {
        _props(observations[f["related-observations"][0]["observation-uuid"]])["file"][0]: f
        for f in result["findings"]
        if f["target"]["target-id"] == "pci-dss-3.7.1_obj"
    }
    finding = traced["app/keys.py"]
    assert finding["target"]["status"]["state"] == "not-satisfied"
    props = _props(observations[finding["related-observations"][0]["observation-uuid"]])
    assert props["repository"] == [Path(oscal["repo"]).name]  # portable: no path of this machine
    assert props["file"] == ["app/keys.py"] and props["line"] == ["3"]
    assert props["rule"] == ["KG201"] and props["category"] == ["short-key"]
    assert props["clause"] == ["KGS-2"] and "3.7.1" in props["pci-dss-requirement"]
    assert len(props["commit"][0]) == 40
    # The finding under the exception is no finding but an approved deviation.
    assert all(
        _props(observations[f["related-observations"][0]["observation-uuid"]])["file"]
        != ["legacy/old.py"]
        for f in result["findings"]
    )
    (risk,) = result["risks"]
    risk_props = _props(risk)
    assert risk["status"] == "deviation-approved"
    assert risk["statement"].startswith("Legacy interface decommissioned")
    assert risk_props["approved-by"] == ["ciso@example.com"]
    assert risk_props["ticket"] == ["SEC-1234"] and risk_props["expires"] == ["2099-03-31"]
    assert _props(observations[risk["related-observations"][0]["observation-uuid"]])["file"] == [
        "legacy/old.py"
    ]
    inventory = next(o for o in result["observations"] if o["title"].startswith("Key inventory"))
    assert any(name.startswith("sites-") for name in _props(inventory))


def test_no_history_is_a_clear_error(tmp_path: Path) -> None:
    done = CliRunner().invoke(
        main, ["report", "--db", str(tmp_path / "x.sqlite"), "--oscal", "o.json"]
    )
    assert done.exit_code == 2 and "no such results database" in done.stderr


def test_a_trestle_that_writes_another_oscal_release_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from analyzer.reporters.oscal import OscalUnavailable, render_oscal

    monkeypatch.setattr("trestle.oscal.OSCAL_VERSION", "1.2.1")
    with pytest.raises(OscalUnavailable, match=r"OSCAL 1\.1\.x.*writes OSCAL 1\.2\.1"):
        render_oscal([])
