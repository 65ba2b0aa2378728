"""A batch's files: one SARIF log per repository, one combined log (a run per repository), and
the summary table as text, CSV and JSON. Everything comes from the history, so a rerun that
skipped a repository still writes its last results."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any, TextIO

from analyzer.org.history import History
from analyzer.org.latest import collect
from analyzer.org.portable import portable_summaries
from analyzer.org.repos import RepoSpec
from analyzer.reporters import summary as summary_reporter
from analyzer.reporters.output import atomic_writer, write_atomic
from analyzer.reporters.sarif import SCHEMA_URI

HEAD = f'{{\n  "$schema": {json.dumps(SCHEMA_URI)},\n  "version": "2.1.0",\n  "runs": ['


def run_text(run: dict[str, Any]) -> str:
    """One run as it stands in a log's ``runs`` list (indented JSON, encoded once)."""
    return textwrap.indent(json.dumps(run, indent=2), "    ")


def log_text(runs: list[str]) -> str:
    """A SARIF log of runs already encoded by :func:`run_text`."""
    return HEAD + ("\n" + ",\n".join(runs) + "\n  " if runs else "") + "]\n}\n"


def sarif_log(runs: list[dict[str, Any]]) -> str:
    return log_text([run_text(run) for run in runs])


def combine_sarif(texts: list[str]) -> str:
    """One log holding every run of the given logs (for ``keyguard merge``)."""
    runs = [run for text in texts for run in json.loads(text).get("runs", [])]
    return sarif_log(runs)


class CombinedLog:
    """A SARIF log written one run at a time (the text :func:`log_text` gives for all of them),
    so that a batch of thousands never holds more than one run in memory."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.count = 0

    def add(self, text: str) -> None:
        """Append a run encoded by :func:`run_text`."""
        self.out.write(",\n" if self.count else HEAD + "\n")
        self.out.write(text)
        self.count += 1

    def close(self) -> None:
        self.out.write("\n  ]\n}\n" if self.count else log_text([]))


def write_outputs(history: History, specs: list[RepoSpec], out_dir: Path) -> dict[str, Any]:
    """Write the batch's files under ``out_dir``; returns the summary (plain data)."""
    wanted = {s.identity: s for s in specs}
    items = collect(history, repos=list(wanted))
    with atomic_writer(out_dir / "combined.sarif") as out:
        combined = CombinedLog(out)
        for item in items:
            run = history.run(item.scan_id) if item.scan_id is not None else None
            if run is None:
                continue
            text = run_text(run)
            combined.add(text)
            write_atomic(out_dir / "sarif" / f"{wanted[item.repo].slug}.sarif", log_text([text]))
        combined.close()
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
