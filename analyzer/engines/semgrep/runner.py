"""Run Semgrep once over all non-Python targets with keyguard's rendered local rules."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from analyzer.engines.semgrep.parse import parse_output
from analyzer.engines.semgrep.render import render_rules
from analyzer.findings.model import FileResult, Notification
from analyzer.knowledge.languages import BY_NAME, language_name
from analyzer.policy.thresholds import Thresholds

_QUIET_ENV = {
    "SEMGREP_ENABLE_VERSION_CHECK": "0",
    "SEMGREP_SEND_METRICS": "off",
    "SEMGREP_IN_DOCKER": "0",
}


def find_semgrep() -> list[str] | None:
    """The command that starts Semgrep: on PATH, or next to this interpreter (a virtualenv)."""
    found = shutil.which("semgrep") or shutil.which(
        "semgrep", path=str(Path(sys.executable).parent)
    )
    return [found] if found else None


def _unavailable(languages: set[str], reason: str) -> Notification:
    names = ", ".join(sorted(languages))
    return Notification(
        message=f"Semgrep engine unavailable: {names} files were not analysed ({reason}).",
        kind="engine-unavailable",
        level="warning",
    )


def run_semgrep(
    targets: list[tuple[Path, str]],
    thresholds: Thresholds,
    *,
    root: Path,
    jobs: int = 2,
    timeout: int = 30,
    languages_of: Mapping[str, str] | None = None,
    run_timeout: int | None = None,
) -> tuple[list[FileResult], list[Notification]]:
    """Analyse ``targets`` ((absolute path, POSIX path relative to ``root``)) in one process.

    ``languages_of`` names the language of targets their extension cannot tell (CloudFormation
    templates are YAML or JSON). ``timeout`` bounds one file, ``run_timeout`` the whole run (default: 300 s and 2 s a file,
    at most 30 minutes).
    Never raises: a missing or failing Semgrep becomes an ``engine-unavailable`` notification.
    """
    if not targets:
        return [], []
    known = languages_of or {}
    if run_timeout is None:
        run_timeout = min(1800, 300 + 2 * len(targets))
    languages = {lang for _, rel in targets if (lang := known.get(rel) or language_name(rel))}
    command = find_semgrep()
    if command is None:
        return [], [_unavailable(languages, "the semgrep executable was not found")]
    with tempfile.TemporaryDirectory(prefix="keyguard-semgrep-") as tmp:
        tmp_dir = Path(tmp)
        config_dir = tmp_dir / "rules"
        config_dir.mkdir()
        try:
            rule_dirs = {rules for lang in languages if (rules := BY_NAME[lang].rules)}
            render_rules(thresholds, config_dir, rule_dirs)
        except (OSError, KeyError, ValueError) as exc:
            return [], [_unavailable(languages, f"the rule templates could not be rendered: {exc}")]
        argv = [
            *command,
            "scan",
            "--metrics=off",
            "--disable-version-check",
            "--json",
            "--quiet",
            "--config",
            str(config_dir),
            "--no-git-ignore",
            "-j",
            str(jobs),
            "--timeout",
            str(timeout),
            *(str(path) for path, _ in targets),
        ]
        env = {
            **os.environ,
            **_QUIET_ENV,
            "SEMGREP_SETTINGS_FILE": str(tmp_dir / "settings.yml"),
            "SEMGREP_LOG_FILE": str(tmp_dir / "semgrep.log"),
        }
        try:
            proc = subprocess.run(
                argv,
                cwd=tmp_dir,
                env=env,
                capture_output=True,
                text=True,
                check=False,
                timeout=run_timeout,
            )
        except OSError as exc:
            return [], [_unavailable(languages, f"semgrep failed to start: {exc}")]
        except subprocess.TimeoutExpired:
            return [], [_unavailable(languages, f"semgrep did not finish within {run_timeout} s")]
    try:
        output = json.loads(proc.stdout)
    except json.JSONDecodeError:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        reason = f"semgrep exited with status {proc.returncode}: {tail[0][:300]}"
        return [], [_unavailable(languages, reason)]
    paths = {str(path): rel for path, rel in targets}
    return parse_output(output, paths)
