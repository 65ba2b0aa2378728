"""Semgrep's native CLI (osemgrep) against its Python CLI on every Semgrep fixture: the same
findings, one process in the normal case, and a single note when the Python CLI has to take over."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from analyzer.engines.semgrep import cli as semgrep_cli
from analyzer.engines.semgrep import runner as semgrep_runner
from analyzer.engines.semgrep.parse import parse_output, rule_name
from analyzer.engines.semgrep.render import template_files
from analyzer.findings.model import FileResult, Notification
from analyzer.policy.thresholds import Thresholds

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
LANGUAGE_DIRS = [
    "java",
    "kotlin",
    "go",
    "javascript",
    "typescript",
    "csharp",
    "terraform",
    "cloudformation",
]
SUFFIXES = {".java", ".kt", ".kts", ".go", ".js", ".ts", ".cs", ".tf", ".json", ".yaml", ".yml"}

needs_semgrep = pytest.mark.skipif(
    semgrep_runner.find_semgrep() is None, reason="semgrep is not installed (CI installs it)"
)

Run = tuple[list[FileResult], list[Notification], list[dict[str, Any]], list[list[str]]]


def _targets() -> tuple[list[tuple[Path, str]], dict[str, str]]:
    targets: list[tuple[Path, str]] = []
    languages: dict[str, str] = {}
    for directory in LANGUAGE_DIRS:
        for path in sorted((FIXTURES / directory).rglob("*")):
            if path.is_file() and path.suffix in SUFFIXES:
                rel = path.relative_to(FIXTURES).as_posix()
                targets.append((path, rel))
                if directory == "cloudformation":
                    languages[rel] = "cloudformation"
    return targets, languages


def _scan(mp: pytest.MonkeyPatch, **kwargs: Any) -> Run:
    """run_semgrep on every fixture, recording each process it starts and the raw JSON it parsed."""
    argvs: list[list[str]] = []
    outputs: list[dict[str, Any]] = []
    real_run, real_parse = subprocess.run, semgrep_runner.parse_output

    def spy_run(argv: list[str], *args: Any, **kw: Any) -> Any:
        argvs.append(list(argv))
        return real_run(argv, *args, **kw)

    def spy_parse(output: dict[str, Any], paths: dict[str, str]) -> Any:
        outputs.append(output)
        return real_parse(output, paths)

    mp.setattr(semgrep_runner.subprocess, "run", spy_run)
    mp.setattr(semgrep_runner, "parse_output", spy_parse)
    targets, languages = _targets()
    results, notes = semgrep_runner.run_semgrep(
        targets, Thresholds(), root=FIXTURES, languages_of=languages, **kwargs
    )
    return results, notes, outputs, argvs


@pytest.fixture(scope="module")
def native_run() -> Iterator[Run]:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(semgrep_cli.CLI_ENV, raising=False)
        yield _scan(mp)


@pytest.fixture(scope="module")
def python_run() -> Iterator[Run]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(semgrep_cli.CLI_ENV, "python")
        yield _scan(mp)


def _comparable(output: dict[str, Any]) -> list[tuple[Any, ...]]:
    """A CLI's results with what may legitimately differ left out (rule-id prefix, timings)."""
    return sorted(
        (
            rule_name(r["check_id"]),
            r["path"],
            r["start"]["offset"],
            r["end"]["offset"],
            r["extra"].get("message"),
            json.dumps(r["extra"].get("metadata"), sort_keys=True),
        )
        for r in output["results"]
    )


def _is_native(argv: list[str]) -> bool:
    return "--experimental" in argv


@needs_semgrep
def test_native_cli_runs_by_default_in_one_process(native_run: Run) -> None:
    results, notes, outputs, argvs = native_run
    assert notes == []
    assert len(argvs) == 1 and _is_native(argvs[0])
    assert {"--metrics=off", "--disable-version-check", "--no-rewrite-rule-ids"} <= set(argvs[0])
    assert not any(a.startswith(("http:", "https:", "p/", "r/")) for a in argvs[0])
    assert outputs[0]["errors"] == []
    assert {r.path.split("/")[0] for r in results if r.findings} == set(LANGUAGE_DIRS)


@needs_semgrep
def test_native_and_python_cli_find_the_same_on_every_language(
    native_run: Run, python_run: Run
) -> None:
    native, native_notes, native_out, _ = native_run
    python, python_notes, python_out, python_argvs = python_run
    assert len(python_argvs) == 1 and not _is_native(python_argvs[0])
    assert native_notes == python_notes == []
    assert _comparable(native_out[0]) == _comparable(python_out[0])
    assert len(native_out[0]["results"]) >= 100
    assert native == python  # findings, facts, snippets, key sites: all of it


@needs_semgrep
def test_failing_native_cli_falls_back_once_with_the_same_findings(
    python_run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``semgrep`` first on PATH whose native CLI crashes; its Python CLI still works."""
    real = semgrep_runner.find_semgrep()
    assert real is not None
    fake = tmp_path / "bin" / "semgrep"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        'for a in "$@"; do [ "$a" = --experimental ] && '
        '{ echo "osemgrep: segmentation fault" >&2; exit 139; }; done\n'
        f'exec "{real[0]}" "$@"\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv(semgrep_cli.CLI_ENV, raising=False)

    results, notes, _, argvs = _scan(monkeypatch)

    assert [a[0] for a in argvs] == [str(fake), str(fake)]
    assert [_is_native(a) for a in argvs] == [True, False]
    (note,) = notes
    assert (note.kind, note.level, note.path) == ("semgrep-fallback", "note", None)
    assert "status 139" in note.message and "segmentation fault" in note.message
    assert results == python_run[0]


def _write_core(tmp_path: Path, stdout: str, status: int) -> str:
    core = tmp_path / "semgrep-core"
    core.write_text(f"#!/bin/sh\ncat <<'EOF'\n{stdout}\nEOF\nexit {status}\n")
    core.chmod(core.stat().st_mode | stat.S_IXUSR)
    return str(core)


@needs_semgrep
def test_native_cli_that_cannot_run_a_rule_gives_way(
    python_run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The packaged core reports a rule parse error: the Python CLI runs, one note says why."""
    error = {
        "code": 2,
        "level": "error",
        "type": "Rule parse error",
        "rule_id": "KG201-java-keypairgenerator",
        "message": "Rule parse error in rule KG201-java-keypairgenerator:\n unexpected key",
    }
    core = _write_core(tmp_path, json.dumps({"results": [], "errors": [error]}), 2)
    monkeypatch.setattr(semgrep_cli, "_packaged_core", lambda: core)
    monkeypatch.delenv(semgrep_cli.CLI_ENV, raising=False)

    results, notes, _, argvs = _scan(monkeypatch)

    assert len(argvs) == 2 and _is_native(argvs[0]) and not _is_native(argvs[1])
    assert [n.kind for n in notes] == ["semgrep-fallback"]
    assert "could not run a rule" in notes[0].message
    assert results == python_run[0]


def test_missing_python_cli_after_a_native_failure_is_one_unavailable_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neither CLI starts: the engine-unavailable warning alone (no claim that one ran)."""
    monkeypatch.setattr(semgrep_runner, "find_semgrep", lambda: [str(tmp_path / "no-semgrep")])
    monkeypatch.delenv(semgrep_cli.CLI_ENV, raising=False)
    results, notes = semgrep_runner.run_semgrep(
        [(FIXTURES / "go" / "keys.go", "go/keys.go")], Thresholds(), root=FIXTURES
    )
    assert results == []
    assert [n.kind for n in notes] == ["engine-unavailable"]


def test_join_mode_rules_are_left_to_the_python_cli(tmp_path: Path) -> None:
    """osemgrep accepts ``mode: join`` but silently runs nothing for it."""
    plain = tmp_path / "plain.yaml"
    plain.write_text("rules:\n  - id: a\n    pattern: f()\n")
    joined = tmp_path / "joined.yaml"
    joined.write_text("rules:\n  - id: b\n    mode: join\n    join: {}\n")
    assert semgrep_cli.native_unsupported([plain]) is None
    assert "join" in (semgrep_cli.native_unsupported([plain, joined]) or "")


def test_rule_problems_are_told_from_file_problems() -> None:
    timeout = {"type": "Timeout", "rule_id": "KG201-x", "path": "/a.java", "message": "t"}
    partial = {"type": ["PartialParsing", []], "path": "/a.java", "message": "syntax"}
    assert semgrep_cli.rule_problem({"errors": [timeout, partial], "skipped_rules": []}) is None
    schema = {"type": "InvalidRuleSchemaError", "short_msg": "Invalid rule schema"}
    assert "Invalid rule schema" in (semgrep_cli.rule_problem({"errors": [schema]}) or "")
    skipped = {"errors": [], "skipped_rules": [{"rule_id": "KG201-x"}]}
    assert "KG201-x" in (semgrep_cli.rule_problem(skipped) or "")


def test_python_cli_on_request_and_native_cli_without_python_start_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    launcher = tmp_path / "semgrep"
    monkeypatch.setenv(semgrep_cli.CLI_ENV, "python")
    assert [c.kind for c in semgrep_cli.commands([str(launcher)])] == ["python"]
    monkeypatch.delenv(semgrep_cli.CLI_ENV)
    native, python = semgrep_cli.commands([str(launcher)])
    assert (native.kind, native.argv) == ("native", (str(launcher), "scan", "--experimental"))
    assert (python.kind, python.argv) == ("python", (str(launcher), "scan"))
    own = str(Path(sys.executable).parent / "semgrep")
    monkeypatch.setattr(semgrep_cli, "_packaged_core", lambda: "/opt/semgrep-core")
    direct = semgrep_cli.native_command([own])
    assert direct.executable == "/opt/semgrep-core"
    assert direct.argv == (semgrep_cli.NATIVE_NAME, "scan", "--experimental")


def test_rule_ids_do_not_depend_on_the_cli_prefix(tmp_path: Path) -> None:
    source = tmp_path / "K.java"
    source.write_text("class K { void f() { kpg.initialize(1024); } }\n")
    meta = {"keyguard_rule": "KG201", "fact": "bits"}

    def output(check_id: str) -> dict[str, Any]:
        start = {"line": 1, "col": 37, "offset": 36}
        end = {"line": 1, "col": 41, "offset": 40}
        extra = {"message": "short", "metadata": meta}
        result = {"check_id": check_id, "path": str(source), "start": start, "end": end}
        return {"results": [{**result, "extra": extra}], "errors": []}

    paths = {str(source): "K.java"}
    bare = parse_output(output("KG201-java-keypairgenerator"), paths)
    prefixed = parse_output(
        output("tmp.keyguard-semgrep-x.rules.KG201-java-keypairgenerator"), paths
    )
    assert bare == prefixed
    assert bare[0][0].findings[0].facts == {
        "semgrep_rule": "KG201-java-keypairgenerator",
        "bits": 1024,
    }


def test_no_rule_template_id_holds_a_dot() -> None:
    """Normalisation keeps what follows the last dot, so keyguard's ids must not hold one."""
    ids = [
        line.split(":", 1)[1].strip().strip("'\"")
        for template in template_files()
        for line in template.read_text(encoding="utf-8").splitlines()
        if line.lstrip().startswith("- id:")
    ]
    assert ids and not [i for i in ids if "." in i]


def _semgrep_starts(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every Semgrep process the scan starts from now on (argv, the executable first)."""
    started: list[list[str]] = []
    real_popen = subprocess.Popen

    class Recording(real_popen):  # type: ignore[misc, valid-type]
        def __init__(self, args: Any, *rest: Any, **kw: Any) -> None:
            argv = [str(kw.get("executable") or ""), *map(str, args)]
            if any("semgrep" in part for part in argv):
                started.append(argv)
            super().__init__(args, *rest, **kw)

    monkeypatch.setattr(subprocess, "Popen", Recording)
    return started


@needs_semgrep
def test_python_only_change_starts_no_semgrep_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from analyzer.cli import main

    bad = "from cryptography.hazmat.primitives.asymmetric import rsa\n\n"
    bad += "key = rsa.generate_private_key(public_exponent=65537, key_size=1024)\n"
    changed = [f"app/m{i}.py" for i in range(5)]
    for name in changed:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(bad)
    (tmp_path / "web.js").write_text(
        "const crypto = require('crypto');\n"
        "const k = crypto.generateKeyPairSync('rsa', {modulusLength: 1024});\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(semgrep_cli.CLI_ENV, raising=False)
    started = _semgrep_starts(monkeypatch)

    result = CliRunner().invoke(main, ["scan", "--no-color", "--no-cache", *changed])
    assert result.exit_code == 1, result.output
    assert result.output.count(" KG201 [error]") == 5
    assert started == []

    result = CliRunner().invoke(main, ["scan", "--no-color", "--no-cache", "web.js", *changed])
    assert result.output.count(" KG201 [error]") == 6, result.output
    assert len(started) == 1, "control: one JavaScript file starts exactly one Semgrep process"
    assert started[0][1] == semgrep_cli.NATIVE_NAME or "--experimental" in started[0]
