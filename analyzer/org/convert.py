"""A scan report as the plain data a batch stores: findings, sites, notifications, SARIF run."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from analyzer.catalogue.rules import rules
from analyzer.findings.model import Finding, KeySite, ScanReport
from analyzer.org.records import Outcome
from analyzer.org.repos import RepoSpec
from analyzer.reporters.run import RunInfo
from analyzer.reporters.sarif import build_run


def finding_row(finding: Finding, report: ScanReport) -> dict[str, Any]:
    clause = report.policy.clause_for(finding.rule_id)
    suppression = finding.suppression
    return {
        "fingerprint": finding.fingerprint,
        "rule_id": finding.rule_id,
        "category": rules()[finding.rule_id].category,
        "level": finding.level or rules()[finding.rule_id].level,
        "clause": clause.id if clause else None,
        "path": finding.location.path,
        "line": finding.location.line,
        "message": finding.message,
        "engine": finding.engine,
        "is_test": finding.is_test,
        "suppressed": suppression.kind if suppression else None,
        "justification": suppression.justification if suppression else None,
    }


def site_row(site: KeySite) -> dict[str, Any]:
    return {
        "path": site.location.path,
        "line": site.location.line,
        "api": site.api,
        "library": site.library,
        "algorithm": site.algorithm,
        "primitive": site.primitive,
        "size": site.size,
        "curve": site.curve,
        "verdict": site.verdict,
        "rule_ids": list(site.rule_ids),
        "properties": dict(getattr(site, "properties", {}) or {}),
    }


def outcome_from_report(
    spec: RepoSpec, commit: str | None, report: ScanReport, info: RunInfo
) -> Outcome:
    return Outcome(
        repo=spec.identity,
        source=spec.source,
        status="scanned",
        commit=commit,
        policy_sha256=report.policy.sha256,
        files_seen=report.files_seen,
        files_analyzed=report.files_analyzed,
        run=_with_provenance(build_run(report, info), report),
        findings=[finding_row(f, report) for f in report.findings],
        sites=[site_row(s) for s in report.sites],
        notifications=[asdict(n) for n in report.notifications],
    )


def _with_provenance(run: dict[str, Any], report: ScanReport) -> dict[str, Any]:
    """Every run of a combined log names its repository, even a folder outside git."""
    if not run.get("versionControlProvenance"):
        uri = report.root.absolute().as_uri().rstrip("/") + "/"
        run["versionControlProvenance"] = [{"repositoryUri": uri}]
    return run
