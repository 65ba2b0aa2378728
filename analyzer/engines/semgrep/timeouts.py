"""Semgrep's per-file time limit: scaled by file size, files that hit it retried alone, and a
file that hits it again named in one notification.

Semgrep's ``--timeout`` bounds one rule on one file, and the first rule to run on a file also
pays for parsing it (11 s for a 340 kB minified bundle on a quiet machine): a fixed limit makes
results depend on machine load. After ``--timeout-threshold`` (3) rules time out, Semgrep
abandons the file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from analyzer.findings.model import Notification

# The base limit covers this much source; a larger file gets proportionally more time.
BYTES_PER_BASE = 100_000
# However large the file, one rule never gets more than this many times the base limit.
CEILING_FACTOR = 10
# No Semgrep process runs longer than this many seconds.
RUN_CEILING = 1800


def rule_timeout(sizes: Iterable[int], base: float) -> int:
    """Semgrep's ``--timeout`` for a run over files of these sizes, in whole seconds: the base,
    scaled up by the largest file's size, at most ``CEILING_FACTOR`` times the base; 0 (no
    limit) stays 0."""
    if base <= 0:
        return 0
    largest = max(sizes, default=0)
    scaled = base * max(1.0, largest / BYTES_PER_BASE)
    return math.ceil(min(scaled, base * CEILING_FACTOR))


def retry_timeout(first: int, base: float) -> int:
    """The limit for the second run over the files that timed out: twice the first, at most
    the ceiling (but never less than the first)."""
    return max(first, math.ceil(min(2 * first, base * CEILING_FACTOR)))


def run_bound(targets: int, limit: int) -> int:
    """A bound on one whole Semgrep process: 300 s, 2 s a file and three rules (Semgrep's
    threshold) at the per-file limit; at most 30 minutes, which is also the bound without a
    per-file limit (0)."""
    if limit <= 0:
        return RUN_CEILING
    return min(RUN_CEILING, 300 + 2 * targets + 3 * limit)


def _is_timeout(error: dict[str, Any]) -> bool:
    kind = error.get("type")
    name = kind[0] if isinstance(kind, list) and kind else kind
    return isinstance(name, str) and "timeout" in name.lower() and bool(error.get("path"))


def timed_out(output: dict[str, Any]) -> dict[str, list[str]]:
    """The files of a Semgrep output that hit the per-file limit, each with its rules."""
    stuck: dict[str, list[str]] = {}
    for error in output.get("errors") or []:
        if _is_timeout(error):
            rules = stuck.setdefault(str(error["path"]), [])
            rule = error.get("rule_id")
            if rule and rule not in rules:
                rules.append(str(rule))
    return stuck


def without_timeouts(output: dict[str, Any]) -> dict[str, Any]:
    """The output with its timeout errors left out (``timeout_note`` tells them, one per file)."""
    errors = [e for e in output.get("errors") or [] if not _is_timeout(e)]
    return {**output, "errors": errors}


def superseded(first: dict[str, Any], retry: dict[str, Any], paths: set[str]) -> dict[str, Any]:
    """The first run's output with everything about ``paths`` replaced by the retry's."""
    results = [r for r in first.get("results") or [] if r.get("path") not in paths]
    errors = [e for e in first.get("errors") or [] if e.get("path") not in paths]
    return {
        **first,
        "results": [*results, *(retry.get("results") or [])],
        "errors": [*errors, *(retry.get("errors") or [])],
    }


def timeout_note(rel: str, rules: list[str], limit: int, runs: int) -> Notification:
    """A file Semgrep abandoned: named, with its rules, counted as failed."""
    names = ", ".join(sorted(rules)) or "its rules"
    tries = "in both runs" if runs > 1 else "in its run"
    return Notification(
        message=(
            f"Semgrep did not finish {rel}: {names} ran longer than {limit} s on it {tries}, "
            "so findings in this file may be missing (the limit grows with --file-timeout; "
            "0 = none)"
        ),
        kind="semgrep-timeout",
        level="warning",
        path=rel,
    )
