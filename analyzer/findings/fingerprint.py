"""Stable result fingerprints: unchanged when unrelated lines are added or removed above."""

from __future__ import annotations

import hashlib
from collections import Counter

from analyzer.findings.model import Finding

FINGERPRINT_KEY = "keyguard/v1"


def _normalise(snippet: str) -> str:
    return " ".join(snippet.split())


def assign_fingerprints(findings: list[Finding]) -> None:
    """Hash rule, file and the finding's own line text, plus its rank among identical ones.

    Findings must already be sorted by location so that the rank is deterministic.
    """
    seen: Counter[tuple[str, str, str]] = Counter()
    for finding in findings:
        key = (finding.rule_id, finding.location.path, _normalise(finding.snippet))
        rank = seen[key]
        seen[key] += 1
        text = "\0".join((*key, str(rank)))
        finding.fingerprint = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
