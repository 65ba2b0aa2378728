"""Portable evidence (issue 19): no output format names a path of the scanning machine or the
credentials of the remote; locations are relative to the repository root, and the reports name
the repository by its remote URL and commit."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.reporters.cbom import validate_cbom
from tests.conftest import FIXTURES
from tests.gitrepos import WEAK_RSA, commit, git, make_repo

REMOTE = "https://ci-bot:Zq9vTOKENxY7@git.example.com/acme/payments.git"
CLEAN_REMOTE = "https://git.example.com/acme/payments.git"


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout


def test_no_output_names_the_scanning_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "checkouts" / "payments", {"app/keys.py": WEAK_RSA})
    shutil.copytree(FIXTURES / "inventory", repo / "infra")
    commit(repo, {}, "infrastructure")
    git(repo, "remote", "add", "origin", REMOTE)
    monkeypatch.chdir(repo)
    out = tmp_path / "out"
    outputs: dict[str, str] = {}
    for fmt in ("text", "json", "sarif"):
        outputs[f"scan {fmt}"] = _run("scan", ".", "--no-semgrep", "--format", fmt)
    for fmt in ("text", "json", "cbom"):
        outputs[f"inventory {fmt}"] = _run("inventory", ".", "--no-semgrep", "--format", fmt)
    monkeypatch.chdir(tmp_path)
    _run("batch", str(repo), "--db", "h.sqlite", "--out", "out", "--workdir", "w", "--no-semgrep")
    _run("report", "--db", "h.sqlite", "--html", "report.html", "--format", "csv")
    outputs["report csv"] = _run("report", "--db", "h.sqlite", "--format", "csv")
    outputs["report html"] = (tmp_path / "report.html").read_text(encoding="utf-8")
    if importlib.util.find_spec("trestle") is not None:
        _run("report", "--db", "h.sqlite", "--oscal", "oscal.json")
        outputs["report oscal"] = (tmp_path / "oscal.json").read_text(encoding="utf-8")
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        outputs[f"batch {path.relative_to(out)}"] = path.read_text(encoding="utf-8")
    assert {"batch cbom.cdx.json", "batch summary.csv", "batch combined.sarif"} <= set(outputs)

    machine = {str(tmp_path), str(tmp_path.resolve()), tmp_path.resolve().as_uri()}
    for name, text in outputs.items():
        for path in machine:
            assert path not in text, f"{name} names {path}"
        assert "Zq9vTOKENxY7" not in text, f"{name} holds the remote's credentials"

    for name in ("inventory cbom", "batch cbom.cdx.json"):
        assert validate_cbom(outputs[name]) is None, name
    bom = json.loads(outputs["inventory cbom"])
    meta = bom["metadata"]["component"]
    assert meta["externalReferences"] == [{"type": "vcs", "url": CLEAN_REMOTE}]
    assert meta["version"] == git(repo, "rev-parse", "HEAD")
    locations = {
        o["location"]
        for c in bom["components"]
        for o in c.get("evidence", {}).get("occurrences", [])
    }
    assert {"app/keys.py", "infra/aws/keys.tf", "infra/aws/stores.tf"} <= locations
    batch_bom = json.loads(outputs["batch cbom.cdx.json"])
    assert {"keyguard:repository": CLEAN_REMOTE}.items() <= {
        p["name"]: p["value"] for c in batch_bom["components"] for p in c.get("properties", [])
    }.items()
    sarif = json.loads(outputs["scan sarif"])
    assert sarif["runs"][0]["versionControlProvenance"][0]["repositoryUri"] == CLEAN_REMOTE
    if "report oscal" in outputs:
        results = json.loads(outputs["report oscal"])["assessment-results"]["results"]
        key = next(
            o
            for o in results[-1]["observations"]
            if o["title"] == "Key aws_kms_key.orders_db at infra/aws/keys.tf:2"
        )
        assert [p["value"] for p in key["props"] if p["name"] == "protects"] == [
            "aws_db_instance.orders (infra/aws/stores.tf:1)",
            "aws_rds_cluster.reports (infra/aws/stores.tf:8)",
        ]
        assert {"name": "repository", "value": CLEAN_REMOTE, "ns": key["props"][0]["ns"]} in key[
            "props"
        ]
    assert "Keys and what they protect" in outputs["report html"]
    assert "aws_db_instance.orders" in outputs["report html"]
