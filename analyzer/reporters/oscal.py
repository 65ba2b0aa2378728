"""The history as an OSCAL assessment-results document (compliance-trestle's models): the
standard's clauses and the PCI DSS requirements as reviewed controls, each batch a result, each
active finding a finding with its observation, each applied exception an accepted risk."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from typing import Any

from analyzer.policy.paths import matches
from analyzer.reporters.oscal_keys import key_observations

EXTRA_HINT = "pip install 'keyguard[oscal]'"
OSCAL_SERIES = "1.1."  # the OSCAL release written (compliance-trestle 3.x; 4.0 moved to 1.2)
NS = "https://github.com/keyguard/keyguard/ns/oscal"  # keyguard's own property names
_ROOT = uuid.UUID("6f1c2b9e-5d0a-4c55-9a55-6b0d3f4e2a17")


class OscalUnavailable(Exception):
    """compliance-trestle is not installed."""


def _id(*parts: object) -> str:
    """A stable UUID (v5) for the same evidence, so that two exports of one history are equal."""
    return str(uuid.uuid5(_ROOT, "\x1f".join(str(p) for p in parts)))


def _when(text: str | None) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text) if text else dt.datetime.now(dt.UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def control_id(clause_id: str, pci: bool = False) -> str:
    """An OSCAL control id (a token) for a clause of the standard or a PCI DSS requirement."""
    text = f"pci-dss-{clause_id}" if pci else clause_id
    return text.lower().replace(" ", "-")


def render_oscal(batches: list[dict[str, Any]], generated: dt.datetime | None = None) -> str:
    """``batches`` from :func:`analyzer.org.evidence.batches_evidence`, as OSCAL JSON text."""
    try:
        from trestle.oscal import OSCAL_VERSION
        from trestle.oscal import assessment_results as ar
        from trestle.oscal import common as c
    except ImportError as exc:
        raise OscalUnavailable(f"--oscal needs compliance-trestle: {EXTRA_HINT}") from exc
    if not OSCAL_VERSION.startswith(OSCAL_SERIES):
        raise OscalUnavailable(
            f"--oscal writes OSCAL {OSCAL_SERIES}x, but the installed compliance-trestle writes "
            f"OSCAL {OSCAL_VERSION}: {EXTRA_HINT} (compliance-trestle 3.x)"
        )

    def prop(name: str, value: object) -> Any:
        return c.Property(name=name, value=str(value), ns=NS)

    policy = batches[-1]["policy"] if batches else {}
    standard = policy.get("standard", {})
    policy_resource = _id("policy", policy.get("sha256", ""))
    results = []
    for batch in batches:
        bpolicy = batch["policy"]
        clauses = bpolicy.get("clauses", [])
        pci = bpolicy.get("pci_requirements", [])
        reviewed = c.ReviewedControls(
            description=(
                f"Clauses of {bpolicy['standard']['title']} {bpolicy['standard']['version']} and "
                "the PCI DSS v4.0.1 requirements the keyguard rules give evidence for."
            ),
            control_selections=[
                c.ControlSelection(
                    include_controls=[
                        c.SelectControlById(control_id=control_id(x["id"])) for x in clauses
                    ]
                    + [c.SelectControlById(control_id=control_id(x["id"], True)) for x in pci]
                )
            ],
        )
        observations, findings, risks = [], [], []
        verdicts: Counter[str] = Counter()
        for repo in batch["repos"]:
            for site in repo["sites"]:
                verdicts[site["verdict"]] += 1
            observations += key_observations(c, prop, _id, batch, repo, _when(batch["started"]))
            for f in repo["findings"]:
                obs_uuid = _id("observation", batch["uid"], repo["repo"], f["fingerprint"])
                rule_pci = [x["id"] for x in pci if f["rule_id"] in x["rules"]]
                props = [
                    prop("repository", repo.get("name", repo["repo"])),
                    prop("commit", repo["commit"] or "unknown"),
                    prop("file", f["path"]),
                    prop("line", f["line"]),
                    prop("rule", f["rule_id"]),
                    prop("category", f["category"]),
                    prop("level", f["level"]),
                    prop("fingerprint", f["fingerprint"]),
                ]
                if f.get("clause"):
                    props.append(prop("clause", f["clause"]))
                props += [prop("pci-dss-requirement", r) for r in rule_pci]
                observations.append(
                    c.Observation(
                        uuid=obs_uuid,
                        title=f"{f['rule_id']} at {f['path']}:{f['line']}",
                        description=f["message"],
                        props=props,
                        methods=["TEST"],
                        types=["finding"],
                        subjects=[
                            c.SubjectReference(
                                subject_uuid=_id("repo", repo["repo"]),
                                type="component",
                                title=repo.get("name", repo["repo"]),
                            )
                        ],
                        relevant_evidence=[
                            c.RelevantEvidence(
                                description=(
                                    f"{repo.get('name', repo['repo'])} @ {repo['commit'] or 'unknown'}: "
                                    f"{f['path']} line {f['line']} (evidence redacted): {f['message']}"
                                )
                            )
                        ],
                        collected=_when(batch["started"]),
                    )
                )
                controls = [control_id(f["clause"])] if f.get("clause") else []
                controls += [control_id(r, True) for r in rule_pci]
                if f.get("suppressed"):
                    risks.append(_accepted_risk(c, batch, repo, f, obs_uuid, bpolicy, prop))
                    continue
                for target in controls or ["unmapped"]:
                    findings.append(
                        c.Finding(
                            uuid=_id(
                                "finding", batch["uid"], repo["repo"], f["fingerprint"], target
                            ),
                            title=f"{f['rule_id']} in {repo.get('name', repo['repo'])}: "
                            f"{f['path']}:{f['line']}",
                            description=f["message"],
                            props=[prop("rule", f["rule_id"]), prop("level", f["level"])],
                            target=c.FindingTarget(
                                type="objective-id",
                                target_id=f"{target}_obj",
                                status=c.ObjectiveStatus(state="not-satisfied"),
                            ),
                            related_observations=[c.RelatedObservation(observation_uuid=obs_uuid)],
                        )
                    )
        if verdicts:
            observations.append(
                c.Observation(
                    uuid=_id("inventory", batch["uid"]),
                    title="Key inventory: key-generation sites by verdict",
                    description=", ".join(f"{k}: {v}" for k, v in sorted(verdicts.items())),
                    props=[prop(f"sites-{k}", v) for k, v in sorted(verdicts.items())],
                    methods=["TEST"],
                    types=["historic"],
                    collected=_when(batch["started"]),
                )
            )
        status = Counter(r["status"] for r in batch["repos"])
        results.append(
            ar.Result(
                uuid=_id("result", batch["uid"]),
                title=f"keyguard batch {batch['label']}",
                description=(
                    f"`{batch['command']}`: {len(batch['repos'])} repositories "
                    f"({', '.join(f'{k} {v}' for k, v in sorted(status.items()))})."
                ),
                start=_when(batch["started"]),
                end=_when(batch["ended"]) if batch["ended"] else None,
                props=[prop("policy-sha256", bpolicy.get("sha256", ""))],
                reviewed_controls=reviewed,
                observations=observations or None,
                findings=findings or None,
                risks=risks or None,
            )
        )
    if not results:
        raise ValueError("the results database holds no batch")
    document = ar.AssessmentResults(
        uuid=_id("assessment-results", *(b["uid"] for b in batches)),
        metadata=c.Metadata(
            title=f"keyguard assessment results: {standard.get('title', 'key-generation standard')}",
            last_modified=generated or dt.datetime.now(dt.UTC),
            version=standard.get("version") or "1",
            oscal_version=OSCAL_VERSION,
        ),
        import_ap=ar.ImportAp(
            href=f"#{policy_resource}",
            remarks="keyguard has no separate assessment plan: the policy below is the plan.",
        ),
        results=results,
        back_matter=c.BackMatter(
            resources=[
                c.Resource(
                    uuid=policy_resource,
                    title=f"Policy {policy.get('source', '')}",
                    description=(
                        f"{standard.get('title', '')} {standard.get('version', '')}, owner "
                        f"{standard.get('owner', '')}; policy sha256 {policy.get('sha256', '')}."
                    ),
                )
            ]
        ),
    )
    return document.oscal_serialize_json(pretty=True) + "\n"


def _accepted_risk(
    c: Any,
    batch: dict[str, Any],
    repo: dict[str, Any],
    finding: dict[str, Any],
    obs_uuid: str,
    policy: dict[str, Any],
    prop: Any,
) -> Any:
    """A suppressed finding as a risk; an exception of the policy makes it an approved deviation."""
    exception = next(
        (
            e
            for e in policy.get("exceptions", [])
            if e["rule"] == finding["rule_id"] and matches(finding["path"], e["paths"])
        ),
        None,
    )
    props = [prop("rule", finding["rule_id"]), prop("suppression", finding["suppressed"])]
    deadline = None
    if exception is not None:
        props += [
            prop("approved-by", exception["approved_by"]),
            prop("ticket", exception["ticket"] or "none"),
            prop("expires", exception["expires"]),
        ]
        deadline = _when(f"{exception['expires']}T23:59:59+00:00")
    justification = finding.get("justification") or (exception or {}).get("justification") or ""
    return c.Risk(
        uuid=_id("risk", batch["uid"], repo["repo"], finding["fingerprint"]),
        title=f"Accepted: {finding['rule_id']} in {repo.get('name', repo['repo'])}: "
        f"{finding['path']}:{finding['line']}",
        description=finding["message"],
        statement=justification or "no justification recorded",
        props=props,
        status="deviation-approved" if exception is not None else "open",
        deadline=deadline,
        related_observations=[c.RelatedObservation(observation_uuid=obs_uuid)],
    )
