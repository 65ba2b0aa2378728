"""A batch's files: one SARIF log per repository, one combined log (a run per repository), and
the summary table as text, CSV and JSON. Everything comes from the history, so a rerun that
skipped a repository still writes its last results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from analyzer.org.history import History
from analyzer.org.latest import collect
from analyzer.org.repos import RepoSpec
from analyzer.reporters import summary as summary_reporter
from analyzer.reporters.inventory import InventoryItem
from analyzer.reporters.keys import StoreItem
from analyzer.reporters.output import write_atomic
from analyzer.reporters.sarif import SCHEMA_URI


def sarif_log(runs: list[dict[str, Any]]) -> str:
    return json.dumps({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": runs}, indent=2) + "\n"


def combine_sarif(texts: list[str]) -> str:
    """One log holding every run of the given logs (for ``keyguard merge``)."""
    runs = [run for text in texts for run in json.loads(text).get("runs", [])]
    return sarif_log(runs)


def write_outputs(history: History, specs: list[RepoSpec], out_dir: Path) -> dict[str, Any]:
    """Write the batch's files under ``out_dir``; returns the summary (plain data)."""
    wanted = {s.identity: s for s in specs}
    items = collect(history, repos=list(wanted))
    latest = {s.repo: s for s in history.latest_scans()}
    runs = []
    for item in items:
        scan = latest.get(item.repo)
        if item.scan_id is None or scan is None or scan.run is None:
            continue
        runs.append(scan.run)
        write_atomic(out_dir / "sarif" / f"{wanted[item.repo].slug}.sarif", sarif_log([scan.run]))
    write_atomic(out_dir / "combined.sarif", sarif_log(runs))
    summary = summary_reporter.summary_dict(items, history.last_policy())
    write_atomic(out_dir / "summary.json", summary_reporter.render_json(summary))
    write_atomic(out_dir / "summary.csv", summary_reporter.render_csv(summary))
    write_atomic(out_dir / "summary.txt", summary_reporter.render_text(summary))
    return summary


def _portable_name(repo: str, run: dict[str, Any] | None) -> str:
    """A repository as an inventory names it: its URL (credentials stripped), else the remote
    its checkout records, else the folder's name; never a path of this machine."""
    if "://" in repo:
        return repo
    for vcs in (run or {}).get("versionControlProvenance") or []:
        uri = vcs.get("repositoryUri", "")
        if uri and not uri.startswith("file:"):
            return uri
    return repo.rstrip("/").rsplit("/", 1)[-1]


def portable_inventory(
    history: History, repos: list[str] | None = None
) -> tuple[list[InventoryItem], list[StoreItem]]:
    """Each repository's key sites and data stores from its latest scan, the repository named
    by a portable name."""
    from analyzer.reporters.inventory import from_rows
    from analyzer.reporters.keys import stores_from_rows

    items = collect(history, repos=repos)
    runs = {s.repo: s.run for s in history.latest_scans()}
    names = {item.repo: _portable_name(item.repo, runs.get(item.repo)) for item in items}
    inventory = [i for item in items for i in from_rows(names[item.repo], item.sites)]
    stores = [
        store
        for item in items
        for store in stores_from_rows(
            names[item.repo],
            ((runs.get(item.repo) or {}).get("properties") or {}).get("dataStores", []),
        )
    ]
    return inventory, stores


def policy_clauses(policy: dict[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """Each rule with the clause of the recorded standard that covers it."""
    return tuple(
        (r, c["id"]) for c in (policy or {}).get("clauses", []) for r in c.get("rules", [])
    )


def write_inventory(history: History, specs: list[RepoSpec], out_dir: Path) -> None:
    """The org-wide key inventory as a CycloneDX 1.6 CBOM (each repository's keys and the
    stores they protect) and as JSON."""
    from analyzer.reporters.cbom import Context, render_cbom
    from analyzer.reporters.inventory import render_json

    inventory, stores = portable_inventory(history, [s.identity for s in specs])
    clauses = policy_clauses(history.last_policy())
    context = Context(tuple(stores), clauses, many_repositories=True)
    write_atomic(out_dir / "cbom.cdx.json", render_cbom(inventory, context))
    write_atomic(out_dir / "inventory.json", render_json(inventory))
