"""GitHub Actions output: workflow-command annotations and a job-summary table in Markdown."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from analyzer.findings.model import Finding, ScanReport
from analyzer.reporters.run import RunInfo

COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    """Escape the message part of a workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value of a workflow command (``:`` and ``,`` end a property)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _path(finding: Finding, root: Path, workspace: Path | None) -> str:
    """The finding's file relative to the workspace, where GitHub looks for it."""
    if workspace is None:
        return finding.location.path
    try:
        return (root / finding.location.path).absolute().relative_to(workspace).as_posix()
    except ValueError:
        return finding.location.path


def _workspace() -> Path | None:
    value = os.environ.get("GITHUB_WORKSPACE")
    return Path(value).absolute() if value else None


def annotation(finding: Finding, path: str) -> str:
    """One ``::error file=…,line=…,endLine=…,title=KG201::message`` line."""
    loc = finding.location
    props = {
        "file": path,
        "line": str(loc.line),
        "endLine": str(loc.end_line or loc.line),
        "title": finding.rule_id,
    }
    head = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
    message = finding.message + (" (test code)" if finding.is_test else "")
    return f"::{COMMANDS[finding.level or 'warning']} {head}::{escape_data(message)}"


def annotations(report: ScanReport, workspace: Path | None = None) -> list[str]:
    """Annotations for the report's active findings, in report order."""
    workspace = workspace or _workspace()
    return [
        annotation(f, _path(f, report.root, workspace))
        for f in report.findings
        if f.suppression is None
    ]


def render_github(report: ScanReport, info: RunInfo) -> str:
    """The ``--format github`` report: one annotation per active finding."""
    lines = annotations(report)
    return "".join(line + "\n" for line in lines)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def summary_markdown(
    report: ScanReport, scope: str, extra: list[str] | None = None, limit: int = 200
) -> str:
    """A job summary: counts, then one table row per active finding (first ``limit`` rows)."""
    active = report.active()
    counts = Counter(f.level for f in active)
    workspace = _workspace()
    out = [
        "## keyguard",
        "",
        f"**{len(active)}** finding{'s' if len(active) != 1 else ''} "
        f"({counts.get('error', 0)} error, {counts.get('warning', 0)} warning, "
        f"{counts.get('note', 0)} note) in {scope}; "
        f"{len(report.findings) - len(active)} suppressed, "
        f"{report.files_analyzed} of {report.files_seen} files analysed "
        f"({report.files_skipped} skipped by the prefilter, {report.files_failed} failed).",
        "",
    ]
    if active:
        out += ["| Level | Rule | Location | Message |", "| --- | --- | --- | --- |"]
        for f in active[:limit]:
            where = f"`{_path(f, report.root, workspace)}:{f.location.line}`"
            out.append(f"| {f.level} | {f.rule_id} | {where} | {_cell(f.message)} |")
        if len(active) > limit:
            out += ["", f"… and {len(active) - limit} more (see the SARIF file)."]
        out.append("")
    out += extra or []
    return "\n".join(out).rstrip("\n") + "\n"
