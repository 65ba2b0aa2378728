"""``keyguard report --since``: findings new and fixed per repository, as text, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict

from analyzer.findings.history import Change


def render_changes(changes: list[Change], since: str, fmt: str) -> str:
    new = sum(1 for c in changes if c.kind == "new")
    fixed = len(changes) - new
    if fmt == "json":
        data = {"since": since, "new": new, "fixed": fixed, "changes": [asdict(c) for c in changes]}
        return json.dumps(data, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["change", "repository", "rule", "level", "path", "line", "fingerprint"])
        for c in changes:
            f = c.finding
            writer.writerow(
                [c.kind, c.repo, f["rule_id"], f["level"], f["path"], f["line"], f["fingerprint"]]
            )
        return buffer.getvalue()
    lines = []
    for c in changes:
        f = c.finding
        lines.append(
            f"{c.kind:5}  {c.repo}: {f['path']}:{f['line']}: {f['rule_id']} [{f['level']}] "
            f"{f['message']}"
        )
    lines.append(f"since {since}: {new} new, {fixed} fixed")
    return "\n".join(lines) + "\n"
