"""The SARIF log: schema validity, rule metadata, taxonomies, fingerprints, referential integrity."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from analyzer.catalogue.rules import rules
from analyzer.pipeline.run import scan
from analyzer.policy import default_policy
from analyzer.reporters.run import RunInfo
from analyzer.reporters.sarif import render_sarif
from analyzer.reporters.vcs import remote_uri
from tests.conftest import FIXTURES

CATEGORIES = {
    "weak-rng",
    "short-key",
    "weak-algorithm",
    "hardcoded-key",
    "unapproved-library",
    "key-governance",
}
SOURCE = (
    "import random\n"
    "from cryptography.hazmat.primitives.asymmetric import rsa\n"
    "KEY_BITS = 1024\n"
    "def make():\n"
    "    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)\n"
)


def sarif_for(root: Path, paths: list[Path] | None = None) -> dict:
    report = scan(paths or [root], root, default_policy())
    return json.loads(render_sarif(report, RunInfo(command_line="keyguard scan .", exit_code=1)))


@pytest.fixture(scope="module")
def fixture_log() -> dict:
    return sarif_for(FIXTURES / "python")


def test_fixture_log_is_valid(fixture_log: dict, validate_sarif) -> None:
    validate_sarif(fixture_log)
    assert fixture_log["runs"][0]["results"]


def test_rules_carry_required_metadata(fixture_log: dict) -> None:
    driver = fixture_log["runs"][0]["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == list(rules())
    for rule in driver["rules"]:
        props = rule["properties"]
        assert props["category"] in CATEGORIES
        assert any(t.startswith("external/cwe/cwe-") for t in props["tags"])
        assert 0.0 < float(props["security-severity"]) <= 10.0
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert "### What it does" in rule["help"]["markdown"]
        assert "Use instead" in rule["help"]["text"]
        assert rule["helpUri"].startswith("https://")
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}


def test_referential_integrity(fixture_log: dict) -> None:
    run = fixture_log["runs"][0]
    rules_ = run["tool"]["driver"]["rules"]
    taxonomies = run["taxonomies"]
    for result in run["results"]:
        assert rules_[result["ruleIndex"]]["id"] == result["ruleId"]
        loc = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert loc["uriBaseId"] == "%SRCROOT%" and not loc["uri"].startswith("/")
        assert "%SRCROOT%" in run["originalUriBaseIds"]
    for rule in rules_:
        for rel in rule["relationships"]:
            comp = rel["target"]["toolComponent"]
            taxonomy = taxonomies[comp["index"]]
            assert taxonomy["name"] == comp["name"]
            assert rel["target"]["id"] in {t["id"] for t in taxonomy["taxa"]}
    names = [t["name"] for t in taxonomies]
    assert names == ["KGS", "PCI DSS", "CWE"]
    assert {t["id"] for t in taxonomies[1]["taxa"]} >= {"3.7.1"}


def test_fingerprint_stable_when_lines_added_above(tmp_path: Path) -> None:
    (tmp_path / "k.py").write_text(SOURCE)
    before = sarif_for(tmp_path)["runs"][0]["results"]
    (tmp_path / "k.py").write_text("# a comment\nimport os\n\n" + SOURCE)
    after = sarif_for(tmp_path)["runs"][0]["results"]
    assert len(before) == len(after) == 1
    assert before[0]["partialFingerprints"] == after[0]["partialFingerprints"]
    assert (
        before[0]["locations"][0]["physicalLocation"]["region"]["startLine"] + 3
        == after[0]["locations"][0]["physicalLocation"]["region"]["startLine"]
    )


def test_related_location_points_at_the_constant(tmp_path: Path) -> None:
    (tmp_path / "k.py").write_text(SOURCE)
    result = sarif_for(tmp_path)["runs"][0]["results"][0]
    lines = {r["physicalLocation"]["region"]["startLine"] for r in result["relatedLocations"]}
    assert 3 in lines


def test_version_control_provenance(tmp_path: Path, validate_sarif) -> None:
    (tmp_path / "k.py").write_text(SOURCE)
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "trunk"], check=True)
    subprocess.run(
        [*git, "remote", "add", "origin", "https://user:token@example.com/org/repo.git"],
        check=True,
    )
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    log = sarif_for(tmp_path)
    validate_sarif(log)
    vcp = log["runs"][0]["versionControlProvenance"][0]
    assert vcp["repositoryUri"] == "https://example.com/org/repo.git"
    assert vcp["branch"] == "trunk" and len(vcp["revisionId"]) == 40


@pytest.mark.parametrize(
    ("remote", "uri"),
    [
        ("git@github.com:org/repo.git", "ssh://github.com/org/repo.git"),
        ("https://user:token@example.com/org/repo.git", "https://example.com/org/repo.git"),
        ("/srv/git/repo.git", "file:///srv/git/repo.git"),
    ],
)
def test_remote_becomes_a_uri_without_credentials(remote: str, uri: str) -> None:
    assert remote_uri(remote) == uri


def test_run_properties_record_policy(fixture_log: dict) -> None:
    props = fixture_log["runs"][0]["properties"]
    assert props["standard"]["id"] == "KGS"
    assert props["thresholds"]["rsa_min_bits"] == 2048
    inv = fixture_log["runs"][0]["invocations"][0]
    assert inv["commandLine"] == "keyguard scan ." and inv["exitCode"] == 1
    assert inv["startTimeUtc"].endswith("Z")


def test_suppressions_are_kept_with_justification(tmp_path: Path, validate_sarif) -> None:
    (tmp_path / "k.py").write_text(
        SOURCE.replace(
            "    return rsa",
            "    # keyguard: ignore[KG201] reason: interop test vector from RFC 8017\n    return rsa",
        )
    )
    log = sarif_for(tmp_path)
    validate_sarif(log)
    (result,) = log["runs"][0]["results"]
    assert result["suppressions"] == [
        {
            "kind": "inSource",
            "status": "accepted",
            "justification": "interop test vector from RFC 8017",
        }
    ]
