"""SARIF 2.1.0 log built with sarif-om: rules, taxonomies (standard, PCI DSS, CWE) and results."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attr
import sarif_om as so

from analyzer import __version__
from analyzer.catalogue.rules import Rule, rules
from analyzer.findings.fingerprint import FINGERPRINT_KEY
from analyzer.findings.model import Finding, Location, Notification, ScanReport
from analyzer.policy import Policy
from analyzer.reporters.keys import store_rows
from analyzer.reporters.run import RunInfo
from analyzer.reporters.vcs import REPO_ROOT, portable_path, provenance, repository_root

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
INFORMATION_URI = "https://github.com/keyguard-dev/keyguard"
ALWAYS_EMIT = frozenset({"level"})


def _to_json(value: Any) -> Any:
    """sarif-om objects to plain JSON: schema property names, unset defaults left out."""
    if attr.has(type(value)):
        out: dict[str, Any] = {}
        for f in attr.fields(type(value)):
            item = getattr(value, f.name)
            default = f.default
            if isinstance(default, attr.Factory):  # type: ignore[arg-type]
                default = default.factory()
            if item is None or (item == default and f.name not in ALWAYS_EMIT):
                continue
            out[f.metadata["schema_property_name"]] = _to_json(item)
        return out
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_to_json(v) for v in value]
    return value


def _relationship(taxon: str, taxonomy: str, index: int) -> so.ReportingDescriptorRelationship:
    return so.ReportingDescriptorRelationship(
        target=so.ReportingDescriptorReference(
            id=taxon, tool_component=so.ToolComponentReference(name=taxonomy, index=index)
        ),
        kinds=["relevant"],
    )


def _descriptor(
    rule: Rule, policy: Policy, taxonomy_index: dict[str, int]
) -> so.ReportingDescriptor:
    """A rule with its relationships to the standard's clause, PCI DSS and CWE (from the policy)."""
    clause = policy.clause_for(rule.id)
    standard, pci, cwe = policy.standard.id, policy.pci_dss.name, policy.cwe.name
    relationships = []
    if clause is not None:
        relationships.append(_relationship(clause.id, standard, taxonomy_index[standard]))
    for req in policy.pci_requirements_for(rule.id):
        relationships.append(_relationship(req.id, pci, taxonomy_index[pci]))
    relationships.append(_relationship(f"CWE-{rule.cwe}", cwe, taxonomy_index[cwe]))
    return so.ReportingDescriptor(
        id=rule.id,
        name=rule.name,
        short_description=so.MultiformatMessageString(text=rule.short),
        full_description=so.MultiformatMessageString(text=" ".join(rule.what.split())),
        help=so.MultiformatMessageString(text=rule.text(), markdown=rule.markdown()),
        help_uri=f"{INFORMATION_URI}#{rule.id.lower()}",
        default_configuration=so.ReportingConfiguration(
            level=rule.level, enabled=policy.rule_enabled(rule.id)
        ),
        relationships=relationships,
        properties={
            "category": rule.category,
            "tags": ["security", "cryptography", rule.category, rule.cwe_tag],
            "security-severity": f"{rule.security_severity:.1f}",
            "precision": "high",
            "problem.severity": {"error": "error", "warning": "warning", "note": "recommendation"}[
                rule.level
            ],
            "clause": clause.id if clause else None,
        },
    )


def _taxonomies(policy: Policy, used_cwes: list[int]) -> list[so.ToolComponent]:
    standard, pci, cwe = policy.standard, policy.pci_dss, policy.cwe
    return [
        so.ToolComponent(
            name=standard.id,
            full_name=standard.title,
            version=standard.version,
            organization=standard.owner,
            information_uri=standard.url or None,
            short_description=so.MultiformatMessageString(text=standard.title),
            taxa=[
                so.ReportingDescriptor(
                    id=c.id,
                    name=c.title,
                    short_description=so.MultiformatMessageString(text=c.title),
                    full_description=so.MultiformatMessageString(text=c.text),
                    properties={"rules": list(c.rules)},
                )
                for c in policy.clauses
            ],
        ),
        so.ToolComponent(
            name=pci.name,
            full_name=pci.full_name,
            version=pci.version,
            organization=pci.organization,
            information_uri=pci.url,
            taxa=[
                so.ReportingDescriptor(
                    id=req.id,
                    name=f"Requirement {req.id}",
                    short_description=so.MultiformatMessageString(text=req.title),
                    full_description=so.MultiformatMessageString(text=req.text),
                )
                for req in policy.pci_requirements
            ],
        ),
        so.ToolComponent(
            name=cwe.name,
            full_name=cwe.full_name,
            version=cwe.version,
            organization=cwe.organization,
            information_uri=cwe.url,
            taxa=[
                so.ReportingDescriptor(
                    id=f"CWE-{n}",
                    help_uri=f"https://cwe.mitre.org/data/definitions/{n}.html",
                )
                for n in used_cwes
            ],
        ),
    ]


def _physical(location: Location, snippet: str | None = None) -> so.PhysicalLocation:
    region = so.Region(
        start_line=location.line,
        start_column=location.column,
        end_line=location.end_line,
        end_column=location.end_column,
        snippet=so.ArtifactContent(text=snippet) if snippet else None,
    )
    return so.PhysicalLocation(
        artifact_location=so.ArtifactLocation(uri=location.path, uri_base_id=SRCROOT),
        region=region,
    )


def _result(finding: Finding, index: int, policy: Policy) -> so.Result:
    rule = rules()[finding.rule_id]
    properties: dict[str, Any] = {
        "category": rule.category,
        "engine": finding.engine,
        "isTestCode": finding.is_test,
        "clause": policy.clause_id(rule.id),
        "facts": dict(finding.facts) or None,
    }
    suppressions = None
    if finding.suppression is not None:
        s = finding.suppression
        # a plain dict: sarif-om 1.0.4 predates the schema's ``status`` property
        suppressions = [
            {
                "kind": s.kind,
                "status": "accepted",
                "justification": s.justification,
                "properties": dict(s.properties) or None,
            }
        ]
    return so.Result(
        rule_id=rule.id,
        rule_index=index,
        level=finding.level,
        message=so.Message(text=finding.message),
        locations=[so.Location(physical_location=_physical(finding.location, finding.snippet))],
        related_locations=[
            so.Location(
                id=i,
                physical_location=_physical(r.location),
                message=so.Message(text=r.message),
            )
            for i, r in enumerate(finding.related, start=1)
        ]
        or None,
        partial_fingerprints={FINGERPRINT_KEY: finding.fingerprint},
        suppressions=suppressions,
        properties=properties,
    )


def _notification(note: Notification) -> so.Notification:
    locations = None
    if note.path:
        locations = [
            so.Location(
                physical_location=so.PhysicalLocation(
                    artifact_location=so.ArtifactLocation(uri=note.path, uri_base_id=SRCROOT),
                    region=so.Region(start_line=note.line) if note.line else None,
                )
            )
        ]
    return so.Notification(
        level=note.level,
        message=so.Message(text=note.message),
        descriptor=so.ReportingDescriptorReference(id=note.kind),
        locations=locations,
    )


def build_run(report: ScanReport, info: RunInfo) -> dict[str, Any]:
    """One SARIF run for one scan, as a JSON-ready dict."""
    policy = report.policy
    catalogue = list(rules().values())
    rule_index = {r.id: i for i, r in enumerate(catalogue)}
    used_cwes = sorted({r.cwe for r in catalogue})
    taxonomy_index = {policy.standard.id: 0, policy.pci_dss.name: 1, policy.cwe.name: 2}
    vcs = provenance(report.root)
    base_ids = _base_ids(report.root, repository_root(report.root) if vcs else None)
    run = so.Run(
        tool=so.Tool(
            driver=so.ToolComponent(
                name="keyguard",
                full_name=f"keyguard {__version__}",
                version=__version__,
                semantic_version=__version__,
                information_uri=INFORMATION_URI,
                rules=[_descriptor(r, policy, taxonomy_index) for r in catalogue],
                supported_taxonomies=[
                    so.ToolComponentReference(name=name, index=i)
                    for name, i in taxonomy_index.items()
                ],
            )
        ),
        taxonomies=_taxonomies(policy, used_cwes),
        original_uri_base_ids=base_ids,
        results=[_result(f, rule_index[f.rule_id], policy) for f in report.findings],
        invocations=[
            so.Invocation(
                execution_successful=info.exit_code in (0, 1),
                exit_code=info.exit_code,
                command_line=info.command_line,
                start_time_utc=_utc(report.started),
                end_time_utc=_utc(report.ended or report.started),
                tool_execution_notifications=[_notification(n) for n in report.notifications]
                or None,
                properties=_file_counts(report),
            )
        ],
        version_control_provenance=vcs,
        column_kind="unicodeCodePoints",
        properties={
            "standard": {"id": policy.standard.id, "version": policy.standard.version},
            "policySource": portable_path(policy.source, report.root),
            "policySha256": policy.sha256,
            "thresholds": _thresholds(policy),
        },
    )
    if report.stores:  # the key inventory's data stores travel with the run into the history
        run.properties["dataStores"] = store_rows(report.stores)
    return _to_json(run)


def _file_counts(report: ScanReport) -> dict[str, int]:
    """What this invocation did with the files it found: analysed, passed over by every
    prefilter (no crypto, random or key material), or failed with a notification."""
    return {
        "filesSeen": report.files_seen,
        "filesAnalyzed": report.files_analyzed,
        "filesSkipped": report.files_skipped,
        "filesFailed": report.files_failed,
    }


def _thresholds(policy: Policy) -> dict[str, Any]:
    return json.loads(json.dumps(asdict(policy.thresholds), default=list))


def _base_ids(root: Path, top: Path | None) -> dict[str, so.ArtifactLocation]:
    """%SRCROOT% is the scan root; inside git it is expressed relative to REPOROOT, the work tree,
    which the log leaves without a URI (versionControlProvenance names the repository): no path
    of the scanning machine goes into the log."""
    if top is None:
        return {SRCROOT: so.ArtifactLocation(uri=_dir_uri(root))}
    here = so.Message(text="The repository's work tree (see versionControlProvenance).")
    inner = root.absolute().resolve().relative_to(top.resolve()).as_posix()
    src = (
        so.ArtifactLocation(uri=f"{quote(inner)}/", uri_base_id=REPO_ROOT)
        if inner != "."
        else so.ArtifactLocation(uri="./", uri_base_id=REPO_ROOT)
    )
    return {REPO_ROOT: so.ArtifactLocation(description=here), SRCROOT: src}


def _dir_uri(path: Any) -> str:
    return path.absolute().as_uri().rstrip("/") + "/"


def _utc(moment: Any) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def render_sarif(report: ScanReport, info: RunInfo) -> str:
    """The whole SARIF log for one scan."""
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [build_run(report, info)]}
    return json.dumps(log, indent=2, sort_keys=False) + "\n"
