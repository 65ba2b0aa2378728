"""GitHub Actions output: workflow-command annotations and a job-summary table in Markdown."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from analyzer.findings.model import LEVEL_ORDER, Finding, ScanReport
from analyzer.reporters.run import RunInfo

COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}

# GitHub keeps at most 10 annotations of each kind (error, warning, notice) per step and drops the
# rest without a word; three kinds of ten stay under its 50-per-job limit too.
PER_KIND_LIMIT = 10


@dataclass(frozen=True)
class AnnotationPlan:
    """Which findings become annotations, most important first, and how many are held back."""

    shown: list[Finding]
    held_back: int

    def notice(self, sarif_file: str | None = None) -> str | None:
        """The log line saying what did not fit, or None when everything is annotated."""
        if not self.held_back:
            return None
        where = f"the SARIF file {sarif_file} and code scanning" if sarif_file else "the SARIF log"
        more = f"{self.held_back} more finding{'s' if self.held_back != 1 else ''}"
        return (
            f"keyguard: {more} not annotated (GitHub shows at most {PER_KIND_LIMIT} annotations "
            f"of each level per step); every finding is in {where}."
        )


def plan_annotations(
    findings: Sequence[Finding],
    on_changed_line: Callable[[Finding], bool] = lambda _: False,
    per_kind: int = PER_KIND_LIMIT,
) -> AnnotationPlan:
    """Order active findings (changed lines, then errors, then production code) and cap each kind."""
    active = [f for f in findings if f.suppression is None]
    ordered = sorted(
        active,
        key=lambda f: (
            not on_changed_line(f),
            -LEVEL_ORDER[f.level or "warning"],
            f.is_test,
            f.location.path,
            f.location.line,
        ),
    )
    used: Counter[str] = Counter()
    shown: list[Finding] = []
    for finding in ordered:
        kind = COMMANDS[finding.level or "warning"]
        if used[kind] < per_kind:
            used[kind] += 1
            shown.append(finding)
    return AnnotationPlan(shown, len(active) - len(shown))


def escape_data(text: str) -> str:
    """Escape the message part of a workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value of a workflow command (``:`` and ``,`` end a property)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def finding_path(finding: Finding, root: Path, workspace: Path | None) -> str:
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


def annotations(
    report: ScanReport, plan: AnnotationPlan, workspace: Path | None = None
) -> list[str]:
    """The annotation lines of a plan, in its order."""
    workspace = workspace or _workspace()
    return [annotation(f, finding_path(f, report.root, workspace)) for f in plan.shown]


def render_github(report: ScanReport, info: RunInfo) -> str:
    """The ``--format github`` report: the annotations GitHub will show, then what did not fit."""
    plan = plan_annotations(report.findings)
    lines = annotations(report, plan)
    notice = plan.notice()
    return "".join(line + "\n" for line in [*lines, *([notice] if notice else [])])


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def summary_markdown(
    report: ScanReport,
    scope: str,
    extra: list[str] | None = None,
    limit: int = 200,
    plan: AnnotationPlan | None = None,
    sarif_file: str | None = None,
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
            where = f"`{finding_path(f, report.root, workspace)}:{f.location.line}`"
            out.append(f"| {f.level} | {f.rule_id} | {where} | {_cell(f.message)} |")
        if len(active) > limit:
            out += ["", f"… and {len(active) - limit} more (see the SARIF file)."]
        out.append("")
    notice = plan.notice(sarif_file) if plan is not None else None
    if notice:
        out += [notice.removeprefix("keyguard: "), ""]
    out += extra or []
    return "\n".join(out).rstrip("\n") + "\n"
