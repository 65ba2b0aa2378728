"""The GitHub Action: metadata and example workflow against GitHub's schemas, and the scan step
run locally on a two-commit repository with a simulated runner environment."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from analyzer.findings.model import Finding, Location
from analyzer.reporters.github import annotation, escape_data, escape_property, plan_annotations
from tests.conftest import REPO
from tests.gitrepos import commit_head, init

RSA = "from cryptography.hazmat.primitives.asymmetric import rsa\n"
LEGACY = "legacy = rsa.generate_private_key(public_exponent=65537, key_size=1024)\n"
FRESH = "fresh = rsa.generate_private_key(public_exponent=65537, key_size=512)\n"
ODD = "app/odd,name:v2.py"


def check_jsonschema(schema: str, file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(file)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_action_metadata_is_valid() -> None:
    done = check_jsonschema("vendor.github-actions", REPO / "action.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_schema_check_rejects_a_broken_action(tmp_path: Path) -> None:
    """The schema check can fail: a composite step without ``shell`` is refused."""
    action = yaml.safe_load((REPO / "action.yml").read_text())
    del action["runs"]["steps"][-1]["shell"]
    broken = tmp_path / "action.yml"
    broken.write_text(yaml.safe_dump(action))
    assert check_jsonschema("vendor.github-actions", broken).returncode == 1


def test_action_declares_inputs_outputs_and_steps() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert set(action["inputs"]) == {
        "paths",
        "config",
        "fail-on",
        "format",
        "sarif-file",
        "annotate",
        "only-changed",
        "checks",
        "token",
        "python-version",
    }
    assert action["inputs"]["annotate"]["default"] == "true"
    assert set(action["outputs"]) == {"findings", "sarif-file"}
    steps = action["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    assert '"$GITHUB_ACTION_PATH"' in steps[1]["run"]
    assert "-m analyzer.cli.action" in steps[2]["run"]
    passed = set(steps[2]["env"])
    assert {f"INPUT_{name.upper().replace('-', '_')}" for name in action["inputs"]} - passed == {
        "INPUT_PYTHON_VERSION"
    }


def _usage_workflow() -> str:
    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
    workflows = [b for b in blocks if "upload-sarif" in b]
    assert len(workflows) == 1
    return workflows[0]


def test_example_workflow_is_valid_and_matches_the_docs(tmp_path: Path) -> None:
    example = REPO / "docs" / "example-workflow.yml"
    assert _usage_workflow() == example.read_text()
    done = check_jsonschema("vendor.github-workflows", example)
    assert done.returncode == 0, done.stdout + done.stderr
    workflow = yaml.safe_load(example.read_text())
    job = next(iter(workflow["jobs"].values()))
    assert job["permissions"]["security-events"] == "write"
    assert any(
        s.get("uses", "").startswith("github/codeql-action/upload-sarif@v3") for s in job["steps"]
    )


def test_escaping_follows_the_workflow_command_rules() -> None:
    assert escape_data("100%\r\nnext: a, b") == "100%25%0D%0Anext: a, b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    note = Finding("KG402", Location("x.py", 4, end_line=6), "line1\nline2", "t", level="note")
    assert annotation(note, "x.py") == (
        "::notice file=x.py,line=4,endLine=6,title=KG402::line1%0Aline2"
    )


@pytest.fixture
def pr_repo(tmp_path: Path) -> tuple[Path, str]:
    """Base commit with a legacy weak key; head commit adds weak keys and a clean change."""
    repo = init(tmp_path / "work space")
    base = commit_head(
        repo,
        {"app/keys.py": RSA + LEGACY, "app/util.py": "x = 1\n", "tests/test_k.py": RSA},
        "base",
    )
    commit_head(
        repo,
        {
            "app/keys.py": RSA + LEGACY + FRESH,
            "app/util.py": "x = 2\n",
            ODD: RSA + LEGACY,
            "tests/test_k.py": RSA + LEGACY,
        },
        "head",
    )
    return repo, base


def run_step(
    repo: Path,
    tmp_path: Path,
    event_name: str,
    event: dict,
    extra_env: dict[str, str] | None = None,
    **inputs: str,
) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(event))
    summary = tmp_path / "summary.md"
    outputs = tmp_path / "outputs.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))} | {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(event_file),
        "GITHUB_WORKSPACE": str(repo),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "PYTHONPATH": str(REPO),
        "INPUT_PATHS": ".",
        "INPUT_FAIL_ON": "error",
        "INPUT_FORMAT": "text",
        "INPUT_SARIF_FILE": "out/keyguard.sarif",
        "INPUT_ANNOTATE": "true",
        "INPUT_ONLY_CHANGED": "auto",
    }
    env |= {f"INPUT_{k.upper()}": v for k, v in inputs.items()} | (extra_env or {})
    done = subprocess.run(
        [sys.executable, "-m", "analyzer.cli.action"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    return done, summary, outputs


def commands(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if re.match(r"::(error|warning|notice) ", line)]


MSG = "RSA key of {} bits generated by `rsa.generate_private_key`; the standard requires at least 2048"
MSG_1024 = MSG.format(1024)
MSG_512 = MSG.format(512)


def test_pull_request_annotates_only_changed_lines(
    pr_repo: tuple[Path, str], tmp_path: Path, validate_sarif
) -> None:
    repo, base = pr_repo
    event = {"pull_request": {"number": 7, "base": {"sha": base}}}
    done, summary, outputs = run_step(repo, tmp_path, "pull_request", event)
    assert done.returncode == 1, done.stdout + done.stderr
    assert commands(done.stdout) == [
        f"::error file=app/keys.py,line=3,endLine=3,title=KG201::{MSG_512}",
        f"::error file=app/odd%2Cname%3Av2.py,line=2,endLine=2,title=KG201::{MSG_1024}",
        f"::warning file=tests/test_k.py,line=2,endLine=2,title=KG201::{MSG_1024} (test code)",
    ]
    assert "::group::keyguard report" in done.stdout

    assert summary.read_text() == (
        "## keyguard\n"
        "\n"
        f"**3** findings (2 error, 1 warning, 0 note) in lines changed since `{base[:12]}`; "
        "0 suppressed, 3 of 4 files analysed (1 skipped by the prefilter, 0 failed).\n"
        "\n"
        "| Level | Rule | Location | Message |\n"
        "| --- | --- | --- | --- |\n"
        f"| error | KG201 | `app/keys.py:3` | {MSG_512} |\n"
        f"| error | KG201 | `{ODD}:2` | {MSG_1024} |\n"
        f"| warning | KG201 | `tests/test_k.py:2` | {MSG_1024} |\n"
    )
    assert outputs.read_text() == "findings=3\nsarif-file=out/keyguard.sarif\n"
    log = json.loads((repo / "out" / "keyguard.sarif").read_text())
    validate_sarif(log)
    assert len(log["runs"][0]["results"]) == 3


def test_push_scans_everything_and_annotate_false_is_silent(
    pr_repo: tuple[Path, str], tmp_path: Path, validate_sarif
) -> None:
    repo, _ = pr_repo
    done, summary, outputs = run_step(
        repo, tmp_path, "push", {"before": "0" * 40}, annotate="false", fail_on="never"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert commands(done.stdout) == []
    assert "**4** findings" in summary.read_text() and "in all files" in summary.read_text()
    assert "findings=4\n" in outputs.read_text()
    validate_sarif(json.loads((repo / "out" / "keyguard.sarif").read_text()))


def test_shallow_history_falls_back_to_a_full_scan(
    pr_repo: tuple[Path, str], tmp_path: Path
) -> None:
    repo, _ = pr_repo
    event = {"pull_request": {"base": {"sha": "1" * 40}}}
    done, _, outputs = run_step(repo, tmp_path, "pull_request", event)
    assert done.stdout.splitlines()[0].startswith("::warning title=keyguard::--diff 1111")
    assert "scanning every file" in done.stdout
    assert "findings=4\n" in outputs.read_text()


def test_bad_input_is_an_error_annotation(pr_repo: tuple[Path, str], tmp_path: Path) -> None:
    repo, _ = pr_repo
    done, _, _ = run_step(repo, tmp_path, "push", {}, fail_on="sometimes")
    assert done.returncode == 2
    assert done.stdout.startswith("::error title=keyguard::input fail-on must be one of")


def test_a_pull_request_with_forty_findings_annotates_its_own_three_first(
    tmp_path: Path,
) -> None:
    repo = init(tmp_path / "big")
    weak = "k{} = rsa.generate_private_key(public_exponent=65537, key_size=1024)\n"
    old = RSA + "".join(weak.format(i) for i in range(37))
    base = commit_head(repo, {"app/legacy.py": old}, "base")
    new = RSA + "".join(f"n{i} = rsa.generate_private_key(65537, 512)\n" for i in range(3))
    commit_head(repo, {"app/legacy.py": old, "app/zz_new.py": new}, "head")
    event = {"pull_request": {"number": 9, "base": {"sha": base}}}
    done, summary, outputs = run_step(repo, tmp_path, "pull_request", event, only_changed="false")
    assert "findings=40\n" in outputs.read_text(), done.stdout + done.stderr
    shown = commands(done.stdout)
    assert len(shown) == 10
    assert [line.split(",")[:2] for line in shown[:3]] == [
        ["::error file=app/zz_new.py", f"line={n}"] for n in (2, 3, 4)
    ]
    assert all("file=app/legacy.py" in line for line in shown[3:])
    held = "30 more findings not annotated (GitHub shows at most 10 annotations of each level"
    assert held in done.stdout
    assert "every finding is in the SARIF file out/keyguard.sarif and code scanning" in done.stdout
    assert held in summary.read_text()


def test_annotation_plan_orders_by_change_level_and_code_kind_and_caps_each_kind() -> None:
    def finding(path: str, line: int, level: str, is_test: bool = False) -> Finding:
        return Finding(
            "KG201", Location(path, line, 1), "m", "keyguard-python", level=level, is_test=is_test
        )

    findings = (
        [finding("a.py", n, "warning") for n in range(1, 13)]
        + [finding("tests/t.py", 1, "error", is_test=True), finding("b.py", 5, "error")]
        + [finding("c.py", 1, "note"), finding("z.py", 99, "warning")]
    )
    plan = plan_annotations(findings, lambda f: f.location.path == "z.py")
    assert [(f.location.path, f.location.line) for f in plan.shown[:3]] == [
        ("z.py", 99),
        ("b.py", 5),
        ("tests/t.py", 1),
    ]
    assert sum(f.level == "warning" for f in plan.shown) == 10
    assert plan.shown[-1].level == "note"
    assert plan.held_back == 3
    assert plan_annotations(findings[:3]).notice() is None
