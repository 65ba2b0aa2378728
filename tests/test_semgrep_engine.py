"""The Semgrep engine over its fixtures: exact findings, thresholds from the policy, inventory,
and a plain notification (never an exception) when Semgrep is missing."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from analyzer.engines.semgrep import runner as semgrep_runner
from analyzer.engines.semgrep.engine import render_mapping, render_rules, run_semgrep
from analyzer.engines.semgrep.timeouts import retry_timeout, rule_timeout, run_bound
from analyzer.knowledge.languages import language_name, languages_of_engine
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


def language_for(path: str | Path) -> str | None:
    """The Semgrep language of a file by its name, or None."""
    name = language_name(str(path))
    return name if name in languages_of_engine("semgrep") else None


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
def test_jwt_literal_key_region_is_the_signing_call(default_scan) -> None:
    """The region reaches the call that takes the key, not the builder call at its start."""
    results, _ = default_scan
    findings = {(r.path, f.location.line, f.rule_id): f for r in results for f in r.findings}
    lines = (FIXTURES / "java/AuthTokens.java").read_text(encoding="utf-8").splitlines()
    for line, call in (
        (35, 'signWith(SignatureAlgorithm.HS256, "not-so-secret-key")'),
        (55, 'setSigningKey("not-so-secret-key")'),
    ):
        location = findings[("java/AuthTokens.java", line, "KG301")].location
        assert location.end_line == line
        region = lines[line - 1][location.column - 1 : location.end_column - 1]
        assert region.endswith(call), region


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
    assert languages_of_engine("semgrep") == {*LANGUAGE_DIRS, "terraform", "cloudformation"}


# A stand-in for Semgrep that needs, per file, the seconds its env table gives (by file name):
# a file whose need exceeds --timeout gets three Timeout errors (Semgrep's threshold); every other
# file one KG201 finding on its first line. Each start is logged (its --timeout and its files).
_FAKE_SEMGREP = """
import json, os, sys
args = sys.argv[1:]
limit = float(args[args.index("--timeout") + 1])
files = [a for a in args if a.endswith(".js")]
needs = json.loads(os.environ["FAKE_SEMGREP_NEEDS"])
with open(os.environ["FAKE_SEMGREP_LOG"], "a") as log:
    log.write(json.dumps({"timeout": limit, "files": files}) + "\\n")
results, errors = [], []
for path in files:
    need = needs.get(os.path.basename(path), 0)
    if limit and need > limit:
        for rule in ("KG205-js-a", "KG403-js-b", "KG205-js-a"):
            message = f"Timeout when running {rule} on {path}:"
            errors.append({"type": "Timeout", "rule_id": rule, "path": path, "message": message})
        continue
    start, end = {"line": 1, "col": 1, "offset": 0}, {"line": 1, "col": 6, "offset": 5}
    extra = {"message": "weak", "metadata": {"keyguard_rule": "KG201"}}
    results.append({"check_id": "KG201-js-fake", "path": path, "start": start, "end": end,
                    "extra": extra})
print(json.dumps({"results": results, "errors": errors}))
"""
_KEY_LINE = "crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });\n"


@pytest.fixture
def fake_semgrep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Install the stand-in; returns (set the seconds each file needs, the logged starts)."""
    script = tmp_path / "fake-semgrep.py"
    script.write_text(_FAKE_SEMGREP)
    log = tmp_path / "starts.jsonl"
    command = semgrep_runner.SemgrepCommand("native", (sys.executable, str(script)))
    monkeypatch.setattr(semgrep_runner, "find_semgrep", lambda: [sys.executable])
    monkeypatch.setattr(semgrep_runner, "commands", lambda _launcher: [command])
    monkeypatch.setenv("FAKE_SEMGREP_LOG", str(log))

    def needs(**seconds: float) -> None:
        monkeypatch.setenv("FAKE_SEMGREP_NEEDS", json.dumps(seconds))

    def starts() -> list[dict]:
        lines = log.read_text().splitlines() if log.exists() else []
        return [json.loads(line) for line in lines]

    return needs, starts


def _bundle_project(root: Path) -> list[tuple[Path, str]]:
    """A small module and a 250 kB bundle (a minified library shipped beside the code)."""
    (root / "lib").mkdir(parents=True)
    small = root / "lib" / "keys.js"
    small.write_text(_KEY_LINE)
    bundle = root / "lib" / "bundle.js"
    bundle.write_text(_KEY_LINE + "/*" + "x" * 249_000 + "*/\n")
    return [(small, "lib/keys.js"), (bundle, "lib/bundle.js")]


def test_time_limit_grows_with_the_largest_file_up_to_a_ceiling() -> None:
    assert rule_timeout([], 30) == 30
    assert rule_timeout([4_000, 90_000], 30) == 30
    assert rule_timeout([4_000, 342_301], 30) == 103
    assert rule_timeout([2_000_000], 30) == 300
    assert rule_timeout([342_301], 0) == 0  # --file-timeout 0: no limit
    assert retry_timeout(103, 30) == 206
    assert retry_timeout(300, 30) == 300
    assert run_bound(2, 103) == 613
    assert run_bound(2, 0) == run_bound(10_000, 300) == 1800


def test_no_timeout_is_one_process_with_the_scaled_limit(fake_semgrep, tmp_path: Path) -> None:
    needs, starts = fake_semgrep
    needs(**{"bundle.js": 60})
    results, notes = run_semgrep(_bundle_project(tmp_path), Thresholds(), root=tmp_path)
    assert notes == []
    assert _triples(results) == {("lib/keys.js", 1, "KG201"), ("lib/bundle.js", 1, "KG201")}
    (start,) = starts()
    assert start["timeout"] == 75 and len(start["files"]) == 2


def test_timed_out_file_is_run_again_alone_with_a_longer_limit(
    fake_semgrep, tmp_path: Path
) -> None:
    needs, starts = fake_semgrep
    needs(**{"bundle.js": 100})
    results, notes = run_semgrep(_bundle_project(tmp_path), Thresholds(), root=tmp_path)
    assert notes == []
    assert _triples(results) == {("lib/keys.js", 1, "KG201"), ("lib/bundle.js", 1, "KG201")}
    first, second = starts()
    assert first["timeout"] == 75 and len(first["files"]) == 2
    assert second["timeout"] == 150 and second["files"] == [str(tmp_path / "lib" / "bundle.js")]


def test_file_that_times_out_again_is_named_once_and_counted_failed(
    fake_semgrep, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from analyzer.cli import main

    needs, starts = fake_semgrep
    needs(**{"bundle.js": 1000})
    _bundle_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["scan", "--format", "json", "--no-cache", "lib"])
    assert result.exit_code == 1, result.output  # the finding in keys.js; a notice never fails
    report = json.loads(result.output)
    found = [(f["location"]["path"], f["rule_id"]) for f in report["findings"]]
    assert found == [("lib/keys.js", "KG201")]
    (note,) = [n for n in report["notifications"] if n["kind"] == "semgrep-timeout"]
    assert note["path"] == "lib/bundle.js" and note["level"] == "warning"
    assert "lib/bundle.js" in note["message"] and "KG205-js-a, KG403-js-b" in note["message"]
    assert "150 s" in note["message"] and str(tmp_path) not in note["message"]
    assert (report["summary"]["files_failed"], report["summary"]["files_analyzed"]) == (1, 1)
    assert [s["timeout"] for s in starts()] == [75, 150]

    result = CliRunner().invoke(
        main, ["scan", "--format", "json", "--no-cache", "--file-timeout", "0", "lib"]
    )
    report = json.loads(result.output)
    assert {f["location"]["path"] for f in report["findings"]} == {"lib/keys.js", "lib/bundle.js"}
    assert report["notifications"] == [] and starts()[-1]["timeout"] == 0


@needs_semgrep
def test_file_over_semgreps_own_size_limit_is_analysed(tmp_path: Path) -> None:
    """Semgrep skips files over 1 MB without a word; keyguard's --max-file-size (2 MB) decides."""
    bundle = tmp_path / "vendor.js"
    bundle.write_text("/*" + "x" * 1_100_000 + "*/\n" + _KEY_LINE)
    results, notes = run_semgrep([(bundle, "vendor.js")], Thresholds(), root=tmp_path)
    assert notes == []
    assert ("vendor.js", 2, "KG201") in _triples(results)
