"""Each repository's latest state in the results database, as the summary reporters read it."""

from __future__ import annotations

from typing import Any

from analyzer.findings.history import RepoSummary
from analyzer.org.history import History


def collect(history: History, repos: list[str] | None = None) -> list[RepoSummary]:
    """Each repository's latest state: its last batch entry and the scan that entry points to.

    ``repos`` limits the result (e.g. to one batch's repositories).
    """
    entries: dict[str, dict[str, Any]] = {}
    for batch in history.batches():
        for entry in history.batch_entries(batch["id"]):
            entries[entry["repo"]] = entry
    latest = {s.repo: s for s in history.latest_scans()}
    for repo in latest:
        entries.setdefault(repo, {"repo": repo, "status": "scanned", "reason": "", "scan_id": None})
    out = []
    for repo in sorted(entries):
        if repos is not None and repo not in repos:
            continue
        entry = entries[repo]
        item = RepoSummary(repo, entry["status"], entry.get("reason") or "")
        scan = None if entry["status"] == "failed" else latest.get(repo)
        if scan is not None:
            all_findings = history.findings(scan.id)
            item.commit, item.scan_id, item.scanned_at = scan.commit, scan.id, scan.scanned_at
            item.findings = [f for f in all_findings if not f["suppressed"]]
            item.suppressed = [f for f in all_findings if f["suppressed"]]
            item.sites = history.sites(scan.id)
            item.notifications = len(scan.notifications)
        out.append(item)
    return out
