"""The history's key inventory in portable form: each repository named by its URL or folder name
(never a path of the scanning machine), with the data stores its latest scan recorded."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from analyzer.findings.history import RepoSummary
from analyzer.org.history import History
from analyzer.org.latest import collect
from analyzer.reporters.inventory import InventoryItem, from_rows
from analyzer.reporters.keys import StoreItem, stores_from_rows


def run_facts(history: History, scan_id: int | None) -> tuple[str, list[dict[str, Any]]]:
    """The repository URI and the data stores a scan's SARIF run records (read from the stored
    run without loading all of it)."""
    if scan_id is None:
        return "", []
    row = history.conn.execute(
        "SELECT json_extract(run_json, '$.versionControlProvenance[0].repositoryUri'),"
        " json_extract(run_json, '$.properties.dataStores') FROM scans WHERE id = ?",
        (scan_id,),
    ).fetchone()
    if row is None:
        return "", []
    return row[0] or "", json.loads(row[1]) if row[1] else []


def portable_name(repo: str, uri: str) -> str:
    """A repository as an inventory names it: its URL (credentials stripped), else the remote
    its checkout records, else the folder's name; never a path of this machine."""
    if "://" in repo:
        return repo
    if uri and not uri.startswith("file:"):
        return uri
    return repo.rstrip("/").rsplit("/", 1)[-1]


def portable_summaries(history: History, items: list[RepoSummary]) -> list[RepoSummary]:
    """The repositories' latest states, each named portably (for summaries and reports)."""
    return [
        replace(item, repo=portable_name(item.repo, run_facts(history, item.scan_id)[0]))
        for item in items
    ]


def portable_inventory(
    history: History, repos: list[str] | None = None
) -> tuple[list[InventoryItem], list[StoreItem]]:
    """Each repository's key sites and data stores from its latest scan, the repository named
    by a portable name."""
    inventory: list[InventoryItem] = []
    stores: list[StoreItem] = []
    for item in collect(history, repos=repos):
        uri, rows = run_facts(history, item.scan_id)
        name = portable_name(item.repo, uri)
        inventory += from_rows(name, item.sites)
        stores += stores_from_rows(name, rows)
    return inventory, stores


def policy_clauses(policy: dict[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """Each rule with the clause of the recorded standard that covers it."""
    return tuple(
        (r, c["id"]) for c in (policy or {}).get("clauses", []) for r in c.get("rules", [])
    )
