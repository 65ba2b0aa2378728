"""KG402: with ``require_kms``, key generation in code outside the allowed paths is a finding."""

from __future__ import annotations

from analyzer.catalogue.ids import GENERATION_OUTSIDE_KMS
from analyzer.findings.model import Finding, KeySite
from analyzer.policy.model import Policy
from analyzer.policy.paths import matches

RULE = GENERATION_OUTSIDE_KMS


def kms_findings(sites: list[KeySite], policy: Policy) -> list[Finding]:
    """One KG402 finding per generation site that is neither a KMS/HSM call nor in an allowed path.

    Reported sites get ``KG402`` in ``rule_ids`` and the verdict ``violation``; KMS/HSM sites
    the verdict ``compliant``, so the inventory tells both apart.
    """
    if not policy.rule_enabled(RULE):
        return []
    findings: list[Finding] = []
    seen: set[tuple[object, str]] = set()
    for site in sites:
        if site.library in policy.kms_libraries:
            if site.verdict == "unverified":
                site.verdict = "compliant"
            continue
        if matches(site.location.path, policy.local_generation_paths):
            continue
        if (site.location, site.api) in seen:
            continue
        seen.add((site.location, site.api))
        if RULE not in site.rule_ids:
            site.rule_ids.append(RULE)
        site.verdict = "violation"
        findings.append(_finding(site, policy))
    return findings


def _finding(site: KeySite, policy: Policy) -> Finding:
    clause = policy.clause_for(RULE)
    where = f"{policy.standard.id} {clause.id}" if clause else policy.standard.id
    allowed = (
        f", or move it under {', '.join(policy.local_generation_paths)}"
        if policy.local_generation_paths
        else ""
    )
    return Finding(
        rule_id=RULE,
        location=site.location,
        message=(
            f"{site.algorithm} key generated in code by {site.api}; the standard ({where}) requires "
            f"keys from {policy.approved_path}{allowed}"
        ),
        engine="policy",
        facts={"api": site.api, "library": site.library, "algorithm": site.algorithm},
    )
