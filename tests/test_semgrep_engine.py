"""The Semgrep engine over its fixtures: exact findings, thresholds from the policy, inventory,
and a plain notification (never an exception) when Semgrep is missing."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pytest

from analyzer.engines.semgrep import runner as semgrep_runner
from analyzer.engines.semgrep.engine import language_for, render_mapping, render_rules, run_semgrep
from analyzer.engines.semgrep.languages import LANGUAGES
from analyzer.policy.thresholds import Thresholds
from tests.labels import read_labels

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LANGUAGE_DIRS = ["java", "kotlin", "go", "javascript", "typescript", "csharp"]

HAVE_SEMGREP = importlib.util.find_spec("semgrep") is not None or bool(
    shutil.which("semgrep") or shutil.which("semgrep", path=str(Path(sys.executable).parent))
)
needs_semgrep = pytest.mark.skipif(
    not HAVE_SEMGREP, reason="semgrep is neither importable nor on PATH (CI installs it)"
)


def _targets(directory: str) -> list[tuple[Path, str]]:
    return [
        (path, path.relative_to(FIXTURES).as_posix())
        for path in sorted((FIXTURES / directory).rglob("*"))
        if path.is_file() and language_for(path) is not None
    ]


def _triples(results) -> set[tuple[str, int, str]]:
    return {(r.path, f.location.line, f.rule_id) for r in results for f in r.findings}


@pytest.fixture(scope="module")
def default_scan():
    targets = [t for d in LANGUAGE_DIRS for t in _targets(d)]
    return run_semgrep(targets, Thresholds(), root=FIXTURES)


@needs_semgrep
@pytest.mark.parametrize("language", LANGUAGE_DIRS)
def test_exact_findings(default_scan, language: str) -> None:
    results, notifications = default_scan
    assert notifications == []
    labels = read_labels(FIXTURES)
    prefix = f"{language}/"
    expected = {t for t in labels.expected if t[0].startswith(prefix)}
    forbidden = {t for t in labels.forbidden if t[0].startswith(prefix)}
    found = {t for t in _triples(results) if t[0].startswith(prefix)}
    assert len({(p, n) for p, n, _ in expected | forbidden}) >= 15
    assert found == expected, f"missing {sorted(expected - found)} extra {sorted(found - expected)}"
    assert not found & forbidden


@needs_semgrep
def test_findings_carry_engine_snippet_and_facts(default_scan) -> None:
    results, _ = default_scan
    findings = {(r.path, f.location.line, f.rule_id): f for r in results for f in r.findings}
    rsa = findings[("java/KeyService.java", 26, "KG201")]
    assert rsa.engine == "semgrep"
    assert rsa.snippet.startswith("kpg.initialize(1024);")
    assert rsa.facts["bits"] == 1024
    assert rsa.facts["semgrep_rule"] == "KG201-java-keypairgenerator"
    assert "2048" in rsa.message
    assert findings[("go/keys.go", 57, "KG203")].facts["curve"] == "P224"


@needs_semgrep
def test_inventory_covers_compliant_and_violating_sites(default_scan) -> None:
    results, _ = default_scan
    sites = {(s.location.path, s.location.line): s for r in results for s in r.sites}
    strong = sites[("go/keys.go", 35)]
    assert (strong.algorithm, strong.size, strong.verdict) == ("RSA", 4096, "compliant")
    weak = sites[("java/KeyService.java", 26)]
    assert (weak.size, weak.verdict, weak.rule_ids) == (1024, "violation", ["KG201"])
    assert sites[("csharp/KeyService.cs", 27)].verdict == "compliant"


@needs_semgrep
def test_rsa_minimum_from_the_policy_changes_every_language(default_scan) -> None:
    targets = [t for d in ("java", "go", "javascript", "csharp") for t in _targets(d)]
    languages = ("java/", "go/", "javascript/", "csharp/")
    before = {
        t for t in _triples(default_scan[0]) if t[2] == "KG201" and t[0].startswith(languages)
    }
    results, notifications = run_semgrep(targets, Thresholds(rsa_min_bits=3072), root=FIXTURES)
    assert notifications == []
    after = {t for t in _triples(results) if t[2] == "KG201"}
    added = after - before
    assert before <= after
    assert {p.split("/")[0] for p, _, _ in added} == {"java", "go", "javascript", "csharp"}
    assert ("java/KeyService.java", 44, "KG201") in added
    assert ("go/keys.go", 39, "KG201") in added


def test_missing_semgrep_is_a_notification(monkeypatch) -> None:
    monkeypatch.setattr(semgrep_runner.shutil, "which", lambda *a, **k: None)
    targets = _targets("go") + _targets("csharp")
    results, notifications = run_semgrep(targets, Thresholds(), root=FIXTURES)
    assert results == []
    (note,) = notifications
    assert (note.kind, note.level) == ("engine-unavailable", "warning")
    assert "csharp" in note.message and "go" in note.message
    assert "not found" in note.message


def test_semgrep_that_fails_to_start_is_a_notification(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(semgrep_runner, "find_semgrep", lambda: [str(tmp_path / "no-semgrep")])
    results, notifications = run_semgrep(_targets("java"), Thresholds(), root=FIXTURES)
    assert results == []
    assert [n.kind for n in notifications] == ["engine-unavailable"]
    assert "java" in notifications[0].message


def test_no_targets_starts_no_process(monkeypatch) -> None:
    def boom(*args, **kwargs):
        raise AssertionError("semgrep must not start without targets")

    monkeypatch.setattr(semgrep_runner.subprocess, "run", boom)
    assert run_semgrep([], Thresholds(), root=FIXTURES) == ([], [])


def test_every_template_renders_and_follows_the_thresholds(tmp_path) -> None:
    default = render_rules(Thresholds(), tmp_path)
    assert {p.name.split("-")[0] for p in default} >= {
        "java",
        "kotlin",
        "go",
        "javascript",
        "csharp",
    }
    for path in default:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\$\{[a-z_]+\}", text)
        assert re.search(r"keyguard_rule: KG\d{3}", text)
    strict = render_mapping(Thresholds(rsa_min_bits=3072, ec_curves=("secp384r1",)))
    assert strict["rsa_min_bits"] == "3072"
    assert re.search(strict["ec_curves_regex"], '"P-256"')
    assert not re.search(strict["ec_curves_regex"], '"P-384"')
    assert not re.search(render_mapping(Thresholds())["ec_curves_regex"], '"prime256v1"')


def test_language_table() -> None:
    assert language_for("src/App.kts") == "kotlin"
    assert language_for("web/app.tsx") == "typescript"
    assert language_for("main.py") is None
    assert set(LANGUAGES.values()) == {*LANGUAGE_DIRS, "terraform"}
