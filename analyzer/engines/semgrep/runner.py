"""Run Semgrep once over all non-Python targets with keyguard's rendered local rules.

The native CLI runs by default; the Python CLI takes over, with one ``semgrep-fallback``
notification, when the native one is missing, fails, or cannot run one of the rules. Files that
hit the per-file time limit are run once more, alone, with a longer limit (``timeouts``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.engines.semgrep.cli import (
    SemgrepCommand,
    commands,
    native_unsupported,
    rule_problem,
)
from analyzer.engines.semgrep.parse import parse_output
from analyzer.engines.semgrep.render import render_rules
from analyzer.engines.semgrep.timeouts import (
    retry_timeout,
    rule_timeout,
    run_bound,
    superseded,
    timed_out,
    timeout_note,
    without_timeouts,
)
from analyzer.findings.model import FileResult, Notification
from analyzer.knowledge.languages import BY_NAME, language_name
from analyzer.policy.thresholds import Thresholds

_QUIET_ENV = {
    "SEMGREP_ENABLE_VERSION_CHECK": "0",
    "SEMGREP_SEND_METRICS": "off",
    "SEMGREP_IN_DOCKER": "0",
}


def find_semgrep() -> list[str] | None:
    """The command that starts Semgrep's launcher: on PATH, or next to this interpreter."""
    found = shutil.which("semgrep") or shutil.which(
        "semgrep", path=str(Path(sys.executable).parent)
    )
    return [found] if found else None


@dataclass
class _Outcome:
    """What one Semgrep process gave: its JSON output, or why there is none."""

    output: dict[str, Any] | None = None
    failure: str | None = None
    timed_out: bool = False


def _unavailable(languages: set[str], reason: str) -> Notification:
    names = ", ".join(sorted(languages))
    return Notification(
        message=f"Semgrep engine unavailable: {names} files were not analysed ({reason}).",
        kind="engine-unavailable",
        level="warning",
    )


def _fallback(reason: str) -> Notification:
    return Notification(
        message=(
            f"Semgrep's native CLI was not used ({reason}); "
            "its Python CLI ran the same rules instead, more slowly."
        ),
        kind="semgrep-fallback",
        level="note",
    )


def _options(config_dir: Path, jobs: int, timeout: int) -> list[str]:
    """The options both CLIs take: local rules only, no metrics, no version check, bare rule ids,
    no size limit of Semgrep's own (keyguard's ``--max-file-size`` has chosen the targets)."""
    return [
        "--metrics=off",
        "--disable-version-check",
        "--json",
        "--quiet",
        "--no-rewrite-rule-ids",
        "--config",
        str(config_dir),
        "--no-git-ignore",
        "-j",
        str(jobs),
        "--timeout",
        str(timeout),
        "--max-target-bytes",
        "0",
    ]


def _invoke(
    command: SemgrepCommand, arguments: list[str], tmp_dir: Path, run_timeout: int
) -> _Outcome:
    env = {
        **os.environ,
        **_QUIET_ENV,
        **command.env,
        "SEMGREP_SETTINGS_FILE": str(tmp_dir / "settings.yml"),
        "SEMGREP_LOG_FILE": str(tmp_dir / "semgrep.log"),
    }
    try:
        proc = subprocess.run(
            [*command.argv, *arguments],
            executable=command.executable,
            cwd=tmp_dir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=run_timeout,
        )
    except OSError as exc:
        return _Outcome(failure=f"semgrep failed to start: {exc}")
    except subprocess.TimeoutExpired:
        return _Outcome(failure=f"semgrep did not finish within {run_timeout} s", timed_out=True)
    try:
        output = json.loads(proc.stdout)
    except json.JSONDecodeError:
        output = None
    if not isinstance(output, dict):
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        return _Outcome(failure=f"semgrep exited with status {proc.returncode}: {tail[0][:300]}")
    return _Outcome(output=output)


def _run(
    candidates: list[SemgrepCommand],
    rule_files: list[Path],
    arguments: list[str],
    tmp_dir: Path,
    run_timeout: int,
) -> tuple[_Outcome, list[Notification], SemgrepCommand | None]:
    """Run the first command that works; one note when the native CLI gave way to the Python one;
    the command that gave the outcome.

    A native run that times out is not repeated: the slower CLI would not finish either.
    """
    outcome = _Outcome(failure="the semgrep executable was not found")
    native_failed: str | None = None
    used: SemgrepCommand | None = None
    for command in candidates:
        if command.kind == "python":
            outcome = _invoke(command, arguments, tmp_dir, run_timeout)
            ran = native_failed is not None and outcome.output is not None
            return outcome, [_fallback(native_failed)] if ran else [], command
        native_failed = native_unsupported(rule_files)
        if native_failed is not None:
            outcome = _Outcome(failure=f"the native CLI cannot run the rules: {native_failed}")
            continue
        outcome, used = _invoke(command, arguments, tmp_dir, run_timeout), command
        if outcome.timed_out:
            break
        native_failed = outcome.failure if outcome.output is None else rule_problem(outcome.output)
        if native_failed is None:
            break
    return outcome, [], used


def _retry(
    output: dict[str, Any],
    command: SemgrepCommand,
    options: tuple[Path, int, float],
    tmp_dir: Path,
    limit: int,
) -> tuple[dict[str, Any], dict[str, list[str]], int, int]:
    """Run the files that hit the limit once more, alone, with a longer one (the first run may
    have shared the machine). The merged output, the files still stuck, their limit, the runs."""
    stuck = timed_out(output)
    if not stuck or limit <= 0:
        return output, stuck, limit, 1
    config_dir, jobs, base = options
    longer = retry_timeout(limit, base)
    arguments = [*_options(config_dir, jobs, longer), *sorted(stuck)]
    again = _invoke(command, arguments, tmp_dir, run_bound(len(stuck), longer))
    if again.output is None:
        return output, stuck, limit, 1
    return superseded(output, again.output, set(stuck)), timed_out(again.output), longer, 2


def run_semgrep(
    targets: list[tuple[Path, str]],
    thresholds: Thresholds,
    *,
    root: Path,
    jobs: int = 2,
    timeout: float = 30,
    languages_of: Mapping[str, str] | None = None,
    run_timeout: int | None = None,
) -> tuple[list[FileResult], list[Notification]]:
    """Analyse ``targets`` ((absolute path, POSIX path relative to ``root``)) in one process.

    ``languages_of`` names the language of targets their extension cannot tell (CloudFormation
    templates are YAML or JSON). ``timeout`` is the base limit of one rule on one file, scaled up
    for large files (0: none); files that reach it are run once more with a longer one, and a
    file that reaches it again is a ``semgrep-timeout`` notification. ``run_timeout`` bounds one
    whole process (default ``timeouts.run_bound``).
    Never raises: a missing or failing Semgrep becomes an ``engine-unavailable`` notification.
    """
    if not targets:
        return [], []
    known = languages_of or {}
    limit = rule_timeout((_size(path) for path, _ in targets), timeout)
    if run_timeout is None:
        run_timeout = run_bound(len(targets), limit)
    languages = {lang for _, rel in targets if (lang := known.get(rel) or language_name(rel))}
    launcher = find_semgrep()
    if launcher is None:
        return [], [_unavailable(languages, "the semgrep executable was not found")]
    with tempfile.TemporaryDirectory(prefix="keyguard-semgrep-") as tmp:
        tmp_dir = Path(tmp)
        config_dir = tmp_dir / "rules"
        config_dir.mkdir()
        try:
            rule_dirs = {rules for lang in languages if (rules := BY_NAME[lang].rules)}
            rule_files = render_rules(thresholds, config_dir, rule_dirs)
        except (OSError, KeyError, ValueError) as exc:
            return [], [_unavailable(languages, f"the rule templates could not be rendered: {exc}")]
        arguments = [*_options(config_dir, jobs, limit), *(str(path) for path, _ in targets)]
        outcome, notes, used = _run(commands(launcher), rule_files, arguments, tmp_dir, run_timeout)
        if outcome.output is None or used is None:
            return [], [*notes, _unavailable(languages, outcome.failure or "no output")]
        options = (config_dir, jobs, timeout)
        output, stuck, limit, runs = _retry(outcome.output, used, options, tmp_dir, limit)
    paths = {str(path): rel for path, rel in targets}
    results, notifications = parse_output(without_timeouts(output), paths)
    timeouts = [timeout_note(paths.get(p, p), rules, limit, runs) for p, rules in stuck.items()]
    return results, [*notes, *notifications, *timeouts]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
