"""Check-run payloads for GitHub's Checks API: every finding, in batches the API accepts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from analyzer.findings.model import Finding

# The Checks API takes at most 50 annotations per request.
BATCH = 50
_LEVELS = {"error": "failure", "warning": "warning", "note": "notice"}


def check_annotation(finding: Finding, path: str) -> dict[str, Any]:
    """One annotation object of a check run's ``output.annotations``."""
    loc = finding.location
    return {
        "path": path,
        "start_line": loc.line,
        "end_line": loc.end_line or loc.line,
        "annotation_level": _LEVELS[finding.level or "warning"],
        "title": finding.rule_id,
        "message": finding.message + (" (test code)" if finding.is_test else ""),
    }


def batches(annotations: Sequence[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """The annotations in slices of at most ``BATCH``."""
    for start in range(0, len(annotations), BATCH):
        yield list(annotations[start : start + BATCH])
