"""Where two engines saw the same thing, keep one finding."""

from __future__ import annotations

from analyzer.catalogue.ids import HARDCODED_KEY, KEY_MATERIAL_IN_FILE
from analyzer.findings.model import Finding


def combine(findings: list[Finding]) -> list[Finding]:
    """One finding per thing seen, in the order first met.

    A literal that a code engine followed to a crypto API (KG301, at the call, with the literal's
    assignment as a related location) is the same thing the secrets engine sees on the assignment
    line (KG302): the KG301 finding stays. Identical (path, line, column, rule) findings are kept
    once.
    """
    covered: set[tuple[str, int]] = set()
    for f in findings:
        if f.rule_id == HARDCODED_KEY:
            covered.add((f.location.path, f.location.line))
            covered.update((r.location.path, r.location.line) for r in f.related)
    unique: dict[tuple[str, int, int, str], Finding] = {}
    for f in findings:
        if f.rule_id == KEY_MATERIAL_IN_FILE and (f.location.path, f.location.line) in covered:
            continue
        unique.setdefault((f.location.path, f.location.line, f.location.column, f.rule_id), f)
    return list(unique.values())
