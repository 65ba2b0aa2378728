"""Repositories a platform listed but keyguard did not scan (excluded by a filter, or failed),
with the reason, as the text report's closing section."""

from __future__ import annotations

from typing import Any


def render_not_scanned(rows: list[dict[str, Any]]) -> str:
    """``rows`` from ``History.not_scanned``: one line each, or nothing when every one was scanned."""
    if not rows:
        return ""
    lines = ["", f"Listed but not scanned ({len(rows)}):"]
    width = max(len(r["repo"]) for r in rows)
    lines += [
        f"  {r['repo']:<{width}}  {r['status']:<8}  {r['reason']}  [{r['listed_by']}]" for r in rows
    ]
    return "\n".join(lines) + "\n"
