"""The history as an assessor's evidence: every batch with the latest scan of each of its
repositories (findings, suppressed findings, key sites, data stores, a portable name), as plain
data a reporter renders."""

from __future__ import annotations

import json
from typing import Any

from analyzer.org.history import History
from analyzer.org.portable import portable_name, run_facts


def batches_evidence(history: History) -> list[dict[str, Any]]:
    """Each batch (oldest first) with, per repository, its status and the scan it points to."""
    out = []
    for batch in history.batches():
        repos = []
        for entry in history.batch_entries(batch["id"]):
            item: dict[str, Any] = {
                "repo": entry["repo"],
                "status": entry["status"],
                "reason": entry["reason"],
                "commit": entry["commit_sha"],
                "findings": [],
                "sites": [],
            }
            uri, item["stores"] = run_facts(history, entry["scan_id"])
            item["name"] = portable_name(entry["repo"], uri)
            if entry["scan_id"] is not None:
                item["findings"] = history.findings(entry["scan_id"])
                item["sites"] = history.sites(entry["scan_id"])
            repos.append(item)
        out.append(
            {
                "uid": batch["uid"],
                "label": batch["label"],
                "started": batch["started"],
                "ended": batch["ended"],
                "command": batch["command"],
                "policy": json.loads(batch["policy_json"]),
                "repos": repos,
            }
        )
    return out
