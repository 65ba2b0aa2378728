"""A batch's files: one SARIF log per repository, one combined log (a run per repository), and
the summary table as text, CSV and JSON. Everything comes from the history, so a rerun that
skipped a repository still writes its last results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from analyzer.org.history import History
from analyzer.org.latest import collect
from analyzer.org.portable import portable_summaries
from analyzer.org.repos import RepoSpec
from analyzer.reporters import summary as summary_reporter
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
    summary = summary_reporter.summary_dict(
        portable_summaries(history, items), history.last_policy()
    )
    write_atomic(out_dir / "summary.json", summary_reporter.render_json(summary))
    write_atomic(out_dir / "summary.csv", summary_reporter.render_csv(summary))
    write_atomic(out_dir / "summary.txt", summary_reporter.render_text(summary))
    return summary


def write_inventory(history: History, specs: list[RepoSpec], out_dir: Path) -> None:
    """The org-wide key inventory as a CycloneDX 1.6 CBOM (each repository's keys and the
    stores they protect) and as JSON."""
    from analyzer.org.portable import policy_clauses, portable_inventory
    from analyzer.reporters.cbom import Context, render_cbom
    from analyzer.reporters.inventory import render_json

    inventory, stores = portable_inventory(history, [s.identity for s in specs])
    clauses = policy_clauses(history.last_policy())
    context = Context(tuple(stores), clauses, many_repositories=True)
    write_atomic(out_dir / "cbom.cdx.json", render_cbom(inventory, context))
    write_atomic(out_dir / "inventory.json", render_json(inventory))
