"""Text for people: findings grouped by file, coloured on a terminal, a summary of counts."""

from __future__ import annotations

from collections import Counter
from itertools import groupby

import click

from analyzer.findings.model import Finding, ScanReport
from analyzer.reporters.run import RunInfo

COLOURS = {"error": "red", "warning": "yellow", "note": "cyan"}


def _line(finding: Finding, colour: bool) -> str:
    loc = finding.location
    level = finding.level or "warning"
    tag = click.style(f"[{level}]", fg=COLOURS[level], bold=True) if colour else f"[{level}]"
    rule = click.style(finding.rule_id, bold=True) if colour else finding.rule_id
    extra = " (test code)" if finding.is_test else ""
    if finding.suppression is not None:
        extra += f" (suppressed, {finding.suppression.kind}: {finding.suppression.justification})"
    return f"{loc.path}:{loc.line}:{loc.column}: {rule} {tag} {finding.message}{extra}"


def render_text(report: ScanReport, info: RunInfo) -> str:
    """The report as lines of text; suppressed findings only with ``show_suppressed``."""
    shown = [f for f in report.findings if f.suppression is None or info.show_suppressed]
    out: list[str] = []
    for path, group in groupby(shown, key=lambda f: f.location.path):
        header = click.style(path, bold=True, underline=True) if info.color else path
        out.append(header)
        out.extend("  " + _line(f, info.color) for f in group)
        out.append("")
    for note in report.notifications:
        prefix = click.style(note.level, fg=COLOURS[note.level]) if info.color else note.level
        out.append(f"{prefix}: {note.message}")
    if report.notifications:
        out.append("")
    active = report.active()
    counts = Counter(f.level for f in active)
    suppressed = len(report.findings) - len(active)
    parts = [f"{counts.get(level, 0)} {level}" for level in ("error", "warning", "note")]
    summary = (
        f"keyguard: {len(active)} finding{'s' if len(active) != 1 else ''} "
        f"({', '.join(parts)}), {suppressed} suppressed, "
        f"{report.files_analyzed} of {report.files_seen} files analysed "
        f"({report.files_skipped} skipped by the prefilter, {report.files_failed} failed), "
        f"{len(report.notifications)} notification{'s' if len(report.notifications) != 1 else ''}"
    )
    out.append(click.style(summary, bold=True) if info.color else summary)
    return "\n".join(out) + "\n"
