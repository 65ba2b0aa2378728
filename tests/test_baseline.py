"""Baselines: recorded findings stay quiet, new ones are reported, fixed ones are listed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.policy import baseline as baselines
from tests.conftest import FIXTURES

RSA = "from cryptography.hazmat.primitives.asymmetric import rsa\n"
WEAK = "key = rsa.generate_private_key(public_exponent=65537, key_size=1024)\n"
WEAK_512 = "small = rsa.generate_private_key(public_exponent=65537, key_size=512)\n"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "a.py").write_text(RSA + WEAK + WEAK_512)
    (tmp_path / "app" / "b.py").write_text(RSA + WEAK)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def create(*args: str) -> None:
    code, _, err = run("baseline", "create", *args)
    assert code == 0, err


def test_baseline_file_is_sorted_readable_and_stable(project: Path) -> None:
    create("app", "-o", "kg-base.json")
    first = (project / "kg-base.json").read_bytes()
    data = json.loads(first)
    assert data["format"] == "keyguard-baseline" and data["version"] == 1
    assert [(e["path"], e["rule"], e["line"]) for e in data["findings"]] == [
        ("app/a.py", "KG201", 2),
        ("app/a.py", "KG201", 3),
        ("app/b.py", "KG201", 2),
    ]
    assert set(data["findings"][0]) == {"rule", "path", "line", "fingerprint", "message"}
    assert "1024" in data["findings"][0]["message"]
    create("app", "-o", "kg-base.json")
    assert (project / "kg-base.json").read_bytes() == first


def test_default_output_and_count_message(project: Path) -> None:
    code, _, err = run("baseline", "create", "app")
    assert code == 0
    assert err.strip() == "keyguard: recorded 3 findings in .keyguard-baseline.json"
    assert (project / ".keyguard-baseline.json").is_file()


def test_rescan_is_clean_and_survives_moved_lines(project: Path) -> None:
    create("app")
    (project / "app" / "a.py").write_text("# moved down\n\n" + RSA + WEAK + WEAK_512)
    code, out, _ = run("scan", "app", "--baseline", ".keyguard-baseline.json", "--no-color")
    assert code == 0, out
    lines = out.strip().splitlines()
    assert lines[-1].startswith("keyguard: 0 findings")
    assert "baseline .keyguard-baseline.json: 3 known findings not shown, 0 fixed" in lines


def test_new_line_is_the_only_finding(project: Path) -> None:
    create("app")
    (project / "app" / "b.py").write_text(RSA + WEAK + "again = " + WEAK_512)
    code, out, _ = run("scan", "app", "--baseline", ".keyguard-baseline.json", "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert [(f["location"]["path"], f["location"]["line"]) for f in data["findings"]] == [
        ("app/b.py", 3)
    ]
    assert data["baseline"] == {"file": ".keyguard-baseline.json", "unchanged": 3, "fixed": []}


def test_fixed_entries_in_text_json_and_sarif(project: Path, validate_sarif) -> None:
    create("app")
    (project / "app" / "a.py").write_text(RSA + WEAK)
    (project / "app" / "c.py").write_text(RSA + WEAK_512)

    code, out, _ = run("scan", "app", "--baseline", ".keyguard-baseline.json", "--no-color")
    assert code == 1
    fixed = [line for line in out.splitlines() if line.startswith("fixed:")]
    assert len(fixed) == 1
    assert fixed[0].startswith("fixed: app/a.py:3: KG201 ")
    assert "app/c.py:2:" in out

    _, out, _ = run("scan", "app", "--baseline", ".keyguard-baseline.json", "--format", "json")
    section = json.loads(out)["baseline"]
    assert section["unchanged"] == 2
    assert [(e["path"], e["line"]) for e in section["fixed"]] == [("app/a.py", 3)]

    _, out, _ = run("scan", "app", "--baseline", ".keyguard-baseline.json", "--format", "sarif")
    log = json.loads(out)
    validate_sarif(log)
    run_ = log["runs"][0]
    assert [
        (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["baselineState"])
        for r in run_["results"]
    ] == [("app/c.py", "new")]
    assert run_["properties"]["baseline"]["unchanged"] == 2
    assert [e["path"] for e in run_["properties"]["baseline"]["fixed"]] == ["app/a.py"]


def test_entries_outside_the_scanned_paths_are_not_fixed(project: Path) -> None:
    create("app")
    code, out, _ = run("scan", "app/b.py", "--baseline", ".keyguard-baseline.json", "--no-color")
    assert code == 0
    assert "1 known finding not shown, 0 fixed" in out


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "is not valid JSON"),
        ('{"findings": []}', "is not a keyguard baseline"),
        ('{"format": "keyguard-baseline", "version": 9, "findings": []}', "has version 9"),
        (
            '{"format": "keyguard-baseline", "version": 1, "findings": [{"rule": "KG201"}]}',
            "entry 1 is malformed",
        ),
    ],
)
def test_broken_baseline_is_usage_error(project: Path, content: str, reason: str) -> None:
    (project / "broken.json").write_text(content)
    code, out, err = run("scan", "app", "--baseline", "broken.json")
    assert code == 2
    assert "broken.json" in err and reason in err
    assert out == ""


def test_missing_baseline_is_usage_error(project: Path) -> None:
    code, _, err = run("scan", "app", "--baseline", "nowhere.json")
    assert code == 2
    assert "cannot read baseline nowhere.json" in err


def test_fixtures_baseline_then_one_new_bad_line(tmp_path: Path, monkeypatch) -> None:
    """The issue's acceptance check, on a copy of the project's fixtures."""
    tree = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, tree)
    monkeypatch.chdir(tmp_path)
    create("fixtures", "--no-semgrep")
    recorded = json.loads((tmp_path / baselines.DEFAULT_FILE).read_text())["findings"]
    assert len(recorded) > 10

    args = ("scan", "fixtures", "--baseline", baselines.DEFAULT_FILE, "--no-semgrep")
    code, out, _ = run(*args, "--format", "json")
    assert code == 0
    assert json.loads(out)["findings"] == []

    victim = sorted(tree.rglob("*.py"))[0]
    before = victim.read_text()
    victim.write_text(before.rstrip("\n") + "\n" + RSA + "new_bad = " + WEAK)
    added_line = before.rstrip("\n").count("\n") + 3
    code, out, _ = run(*args, "--format", "json")
    data = json.loads(out)
    rel = victim.relative_to(tmp_path).as_posix()
    assert [
        (f["location"]["path"], f["location"]["line"], f["rule_id"])
        for f in data["findings"]
        if f["suppression"] is None
    ] == [(rel, added_line, "KG201")]
    assert data["baseline"]["fixed"] == []
    assert code == 1
