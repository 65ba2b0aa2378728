"""The GitHub Action's scan step (``python -m analyzer.cli.action``).

Reads the action's inputs from ``INPUT_*`` and the run from ``GITHUB_*``; scans (only the lines a
pull request changed, by default), prints annotations, appends a job summary, writes the SARIF
file and the step outputs, and exits by ``fail-on`` like ``keyguard scan``.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from analyzer.cli import exitcodes
from analyzer.cli.checks_api import ChecksError, check_run_from_env, publish
from analyzer.cli.scan_command import RENDERERS, exit_code_for
from analyzer.findings.model import Finding
from analyzer.pipeline.discover import scan_root
from analyzer.pipeline.run import ScanOptions, ScanReport, scan
from analyzer.policy import PolicyError, load_policy
from analyzer.policy.diffscope import DiffError, DiffScope, diff_scope, restrict
from analyzer.reporters.checks import check_annotation
from analyzer.reporters.github import (
    AnnotationPlan,
    annotations,
    escape_data,
    finding_path,
    plan_annotations,
    summary_markdown,
)
from analyzer.reporters.output import OutputError, write_atomic
from analyzer.reporters.run import RunInfo
from analyzer.reporters.sarif import render_sarif

PR_EVENTS = frozenset({"pull_request", "pull_request_target"})
FAIL_ON = ("error", "warning", "note", "never")
NULL_SHA = "0" * 40


class InputError(Exception):
    """An action input with a value the step cannot use."""


@dataclass(frozen=True)
class Inputs:
    """The action's inputs, parsed."""

    paths: list[str]
    config: str | None
    fail_on: str
    fmt: str
    sarif_file: str
    annotate: bool
    only_changed: str
    checks: bool


def _input(env: Mapping[str, str], name: str, default: str = "") -> str:
    """``INPUT_FAIL_ON`` (as the composite step passes it) or ``INPUT_FAIL-ON`` (the runner's)."""
    upper = name.upper()
    for key in (f"INPUT_{upper.replace('-', '_')}", f"INPUT_{upper}"):
        value = env.get(key, "").strip()
        if value:
            return value
    return default


def _flag(value: str, name: str) -> bool:
    lowered = value.lower()
    if lowered in ("true", "yes", "1", "on"):
        return True
    if lowered in ("false", "no", "0", "off"):
        return False
    raise InputError(f"input {name} must be true or false, not {value!r}")


def read_inputs(env: Mapping[str, str]) -> Inputs:
    fail_on = _input(env, "fail-on", "error")
    if fail_on not in FAIL_ON:
        raise InputError(f"input fail-on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    fmt = _input(env, "format", "text")
    if fmt not in RENDERERS:
        raise InputError(f"input format must be one of {', '.join(sorted(RENDERERS))}, not {fmt!r}")
    only = _input(env, "only-changed", "auto").lower()
    if only != "auto":
        only = str(_flag(only, "only-changed")).lower()
    return Inputs(
        paths=shlex.split(_input(env, "paths", ".")) or ["."],
        config=_input(env, "config") or None,
        fail_on=fail_on,
        fmt=fmt,
        sarif_file=_input(env, "sarif-file", "keyguard.sarif"),
        annotate=_flag(_input(env, "annotate", "true"), "annotate"),
        only_changed=only,
        checks=_flag(_input(env, "checks", "false"), "checks"),
    )


def base_revision(env: Mapping[str, str], only_changed: str) -> str | None:
    """The revision to diff against, or None for a full scan.

    ``auto`` means: on a pull request, its base SHA. ``true`` also uses a push's ``before``.
    """
    if only_changed == "false":
        return None
    event_name = env.get("GITHUB_EVENT_NAME", "")
    if only_changed == "auto" and event_name not in PR_EVENTS:
        return None
    return _event_base(env, event_name)


def _event_base(env: Mapping[str, str], event_name: str) -> str | None:
    """The pull request's base SHA, or a push's ``before``, from the event payload."""
    try:
        event = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
    except (KeyError, OSError, ValueError):
        return None
    base = (event.get("pull_request") or {}).get("base", {}).get("sha")
    if not base and event_name == "push":
        base = event.get("before")
    return base if isinstance(base, str) and base and base != NULL_SHA else None


def _changed_lines(
    env: Mapping[str, str], scope: DiffScope | None, workspace: Path, root: Path
) -> Callable[[Finding], bool]:
    """Whether a finding touches a line the pull request changed (for annotation order).

    A full scan of a pull request still puts the author's lines first; outside a pull request, or
    when the diff cannot be had, every finding counts the same.
    """
    if scope is None:
        event_name = env.get("GITHUB_EVENT_NAME", "")
        base = _event_base(env, event_name) if event_name in PR_EVENTS else None
        if base is None:
            return lambda _: False
        try:
            scope = diff_scope(workspace, base)
        except DiffError:
            return lambda _: False
    known = scope
    return lambda finding: known.touches(finding, root)


def _head_sha(env: Mapping[str, str]) -> str | None:
    """The pull request's head commit (what GitHub shows checks on), else None."""
    try:
        event = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
    except (KeyError, OSError, ValueError):
        return None
    sha = (event.get("pull_request") or {}).get("head", {}).get("sha")
    return sha if isinstance(sha, str) and sha else None


def _publish_checks(
    env: Mapping[str, str],
    report: ScanReport,
    standard: str,
    workspace: Path,
    plan: AnnotationPlan,
    code: int,
) -> None:
    """Every finding as a check run; a refusal is a warning, never a failed scan."""
    everything = plan_annotations(report.findings, per_kind=len(report.findings) + 1)
    payload = [
        check_annotation(f, finding_path(f, report.root, workspace)) for f in everything.shown
    ]
    summary = f"keyguard found {len(payload)} finding(s) under {standard}."
    try:
        run = check_run_from_env(env, _head_sha(env), f"keyguard: {standard}")
        run_id = publish(run, payload, summary, failed=code != exitcodes.OK)
    except ChecksError as exc:
        print(f"::warning title=keyguard::{escape_data(str(exc))}")
        return
    print(f"keyguard: published {len(payload)} findings as check run {run_id}")


def _append(path: str | None, text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text)


def run(env: Mapping[str, str]) -> int:
    """The whole step; returns the exit code."""
    workspace = Path(env.get("GITHUB_WORKSPACE") or Path.cwd()).absolute()
    os.chdir(workspace)
    try:
        inputs = read_inputs(env)
    except InputError as exc:
        print(f"::error title=keyguard::{escape_data(str(exc))}")
        return exitcodes.USAGE
    targets = [Path(p) for p in inputs.paths]
    missing = [str(p) for p in targets if not p.exists()]
    if missing:
        print(f"::error title=keyguard::{escape_data('paths not found: ' + ', '.join(missing))}")
        return exitcodes.USAGE
    root = scan_root(targets)
    try:
        policy = load_policy(Path(inputs.config) if inputs.config else None, root)
    except PolicyError as exc:
        print(f"::error title=keyguard::{escape_data(str(exc))}")
        return exitcodes.USAGE

    scope: DiffScope | None = None
    base = base_revision(env, inputs.only_changed)
    if base is not None:
        try:
            scope = diff_scope(workspace, base)
        except DiffError as exc:
            print(f"::warning title=keyguard::{escape_data(str(exc))}; scanning every file")
    scanned = scope.targets(targets) if scope is not None else targets
    report = scan(scanned, root, policy, ScanOptions())
    if scope is not None:
        report.findings = restrict(report.findings, scope, root)
    plan = plan_annotations(report.findings, _changed_lines(env, scope, workspace, root))
    code = exit_code_for(report, inputs.fail_on)
    info = RunInfo(command_line="python -m analyzer.cli.action", exit_code=code)

    sarif_path = Path(inputs.sarif_file)
    try:
        write_atomic(sarif_path, render_sarif(report, info))
    except OutputError as exc:
        print(f"::error title=keyguard::{escape_data(str(exc))}")
        return exitcodes.USAGE
    if inputs.annotate:
        for line in annotations(report, plan, workspace):
            print(line)
        notice = plan.notice(sarif_path.as_posix())
        if notice:
            print(notice)
    if inputs.fmt != "github":
        print("::group::keyguard report")
        print(RENDERERS[inputs.fmt](report, info), end="")
        print("::endgroup::")
    if inputs.checks:
        _publish_checks(env, report, policy.standard.title, workspace, plan, code)
    where = f"lines changed since `{scope.merge_base[:12]}`" if scope is not None else "all files"
    summary = summary_markdown(
        report, where, plan=plan if inputs.annotate else None, sarif_file=sarif_path.as_posix()
    )
    _append(env.get("GITHUB_STEP_SUMMARY"), summary)
    _append(
        env.get("GITHUB_OUTPUT"),
        f"findings={len(report.active())}\nsarif-file={sarif_path.as_posix()}\n",
    )
    return code


def main() -> None:
    sys.exit(run(os.environ))


if __name__ == "__main__":
    main()
