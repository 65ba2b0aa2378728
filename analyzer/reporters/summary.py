"""The batch summary: repository x category x level counts of active findings, with totals,
as text, CSV and JSON. The HTML report shows the same numbers."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from typing import Any

from analyzer.catalogue.rules import rules
from analyzer.findings.history import RepoSummary

LEVELS = ("error", "warning", "note")


def categories() -> list[str]:
    """The fixed category vocabulary, in catalogue order."""
    return list(dict.fromkeys(r.category for r in rules().values()))


def summary_dict(items: list[RepoSummary], policy: dict[str, Any] | None) -> dict[str, Any]:
    """Plain data for scripts and for the HTML report's numbers."""
    active = [f for item in items for f in item.findings]
    sites = [s for item in items for s in item.sites]
    clause_ids = [c["id"] for c in (policy or {}).get("clauses", [])]
    by_clause = Counter(f["clause"] or "none" for f in active)
    return {
        "standard": (policy or {}).get("standard"),
        "policy_sha256": (policy or {}).get("sha256"),
        "totals": {
            "repositories": len(items),
            "scanned": sum(1 for i in items if i.scan_id is not None),
            "failed": sum(1 for i in items if i.status == "failed"),
            "findings": len(active),
            "suppressed": sum(len(i.suppressed) for i in items),
            "by_level": {level: sum(1 for f in active if f["level"] == level) for level in LEVELS},
            "by_category": {c: sum(1 for f in active if f["category"] == c) for c in categories()},
            "by_clause": {c: by_clause.get(c, 0) for c in clause_ids}
            | {c: n for c, n in sorted(by_clause.items()) if c not in clause_ids},
            "by_rule": {r: sum(1 for f in active if f["rule_id"] == r) for r in rules()},
            "sites": len(sites),
            "sites_by_verdict": {
                v: sum(1 for s in sites if s["verdict"] == v)
                for v in ("compliant", "violation", "unverified")
            },
        },
        "repositories": [
            {
                "repo": i.repo,
                "status": i.status,
                "reason": i.reason,
                "commit": i.commit,
                "scanned_at": i.scanned_at,
                "findings": len(i.findings),
                "suppressed": len(i.suppressed),
                "by_level": {
                    level: sum(1 for f in i.findings if f["level"] == level) for level in LEVELS
                },
                "by_category": dict(sorted(Counter(f["category"] for f in i.findings).items())),
                "sites": len(i.sites),
                "notifications": i.notifications,
            }
            for i in items
        ],
        "table": [
            {"repo": i.repo, "category": cat, "level": level, "count": n}
            for i in items
            for (cat, level), n in sorted(i.cells().items(), key=_cell_order)
        ],
    }


def _cell_order(item: tuple[tuple[str, str], int]) -> tuple[str, int]:
    (category, level), _ = item
    return (category, LEVELS.index(level) if level in LEVELS else len(LEVELS))


def render_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2) + "\n"


def render_csv(summary: dict[str, Any]) -> str:
    """Long format: one row per repository, category and level with a non-zero count."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["repository", "category", "level", "count"])
    for row in summary["table"]:
        writer.writerow([row["repo"], row["category"], row["level"], row["count"]])
    return buffer.getvalue()


def render_text(summary: dict[str, Any]) -> str:
    """A table: one line per repository and category, a column per level, then totals."""
    categories = sorted({r.category for r in rules().values()})
    head = ["repository", "category", *LEVELS, "total"]
    rows: list[list[str]] = []
    cells: dict[tuple[str, str], Counter[str]] = {}
    for row in summary["table"]:
        cells.setdefault((row["repo"], row["category"]), Counter())[row["level"]] += row["count"]
    for repo in summary["repositories"]:
        name = repo["repo"]
        if repo["status"] == "failed":
            rows.append([name, f"FAILED: {repo['reason']}", "", "", "", ""])
            continue
        shown = [c for c in categories if (name, c) in cells] or ["-"]
        for category in shown:
            counts = cells.get((name, category), Counter())
            rows.append(
                [name, category, *(str(counts[lv]) for lv in LEVELS), str(sum(counts.values()))]
            )
    totals = summary["totals"]
    rows.append(
        [
            "TOTAL",
            f"{totals['repositories']} repositories, {totals['failed']} failed",
            *(str(totals["by_level"][lv]) for lv in LEVELS),
            str(totals["findings"]),
        ]
    )
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    widths[1] = min(widths[1], 60)

    def fmt(row: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(head), rule, *(fmt(r) for r in rows[:-1]), rule, fmt(rows[-1])]) + "\n"
