"""JSON for scripts: findings, inventory sites, notifications and a summary, stable key order."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from typing import Any

from analyzer import __version__
from analyzer.catalogue.rules import rules
from analyzer.findings.model import ScanReport
from analyzer.reporters.keys import store_rows
from analyzer.reporters.run import RunInfo
from analyzer.reporters.vcs import inside_repository


def report_dict(report: ScanReport, info: RunInfo) -> dict[str, Any]:
    """The report as plain data."""
    catalogue = rules()
    findings = []
    for f in report.findings:
        item = asdict(f)
        item["category"] = catalogue[f.rule_id].category
        item["clause"] = report.policy.clause_id(f.rule_id)
        findings.append(item)
    active = report.active()
    return {
        "tool": {"name": "keyguard", "version": __version__},
        "root": inside_repository(report.root),
        "standard": {"id": report.policy.standard.id, "version": report.policy.standard.version},
        "policy_sha256": report.policy.sha256,
        "exit_code": info.exit_code,
        "summary": {
            "findings": len(active),
            "suppressed": len(report.findings) - len(active),
            "by_level": dict(sorted(Counter(f.level for f in active).items())),
            "by_rule": dict(sorted(Counter(f.rule_id for f in active).items())),
            "files_seen": report.files_seen,
            "files_analyzed": report.files_analyzed,
            "files_skipped": report.files_skipped,
            "files_failed": report.files_failed,
            "notifications": len(report.notifications),
        },
        "findings": findings,
        "inventory": [asdict(s) for s in report.sites],
        "stores": store_rows(report.stores),
        "notifications": [asdict(n) for n in report.notifications],
    }


def render_json(report: ScanReport, info: RunInfo) -> str:
    return json.dumps(report_dict(report, info), indent=2) + "\n"
