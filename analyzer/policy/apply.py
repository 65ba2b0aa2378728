"""Apply the policy to findings: inline suppressions, then the standard's exceptions.

``apply_policy`` sets ``Finding.suppression`` on the findings it is given (in place) and returns
the notifications the reader must see: suppressions without a reason, expired exceptions.
A suppressed finding is never dropped: it stays in the report with its suppression.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from analyzer.findings.model import Finding, Notification, Suppression
from analyzer.policy.kms import kms_findings
from analyzer.policy.model import Policy, PolicyException
from analyzer.policy.paths import matches

# `# keyguard: ignore[KG201, KG204] reason: legacy interop`, also after `//`. The reason ends at
# the end of the line or at a further comment (` # expect: ...`, ` // ...`).
INLINE = re.compile(
    r"(?:#|//)\s*keyguard:\s*ignore\[\s*(?P<ids>KG\d{3}(?:\s*,\s*KG\d{3})*)\s*\]"
    r"(?:\s*reason:\s*(?P<reason>(?:(?!\s(?:#|//)\s).)*))?\s*(?=\s(?:#|//)\s|$)"
)
_COMMENT_ONLY = re.compile(r"^\s*(?:#|//)")

__all__ = ["apply_policy", "inline_suppressions", "kms_findings"]


@dataclass(frozen=True)
class InlineSuppression:
    """One ``keyguard: ignore[...]`` comment."""

    line: int
    rule_ids: tuple[str, ...]
    reason: str


def inline_suppressions(lines: list[str], line: int) -> list[InlineSuppression]:
    """Suppression comments that apply to ``line``: on it, or alone on the line above it."""
    found = []
    for number in (line, line - 1):
        if not 0 < number <= len(lines):
            continue
        text = lines[number - 1]
        if number != line and not _COMMENT_ONLY.match(text):
            continue
        for match in INLINE.finditer(text):
            ids = tuple(part.strip() for part in match.group("ids").split(","))
            found.append(InlineSuppression(number, ids, (match.group("reason") or "").strip()))
    return found


def apply_policy(
    findings: list[Finding],
    policy: Policy,
    lines_of: Callable[[str], list[str]],
    today: dt.date,
) -> list[Notification]:
    """Suppress findings in place; report reason-less suppressions and expired exceptions."""
    notes: list[Notification] = []
    warned: set[tuple[str, int]] = set()
    expired_hits: dict[PolicyException, int] = {}
    cache: dict[str, list[str]] = {}
    for finding in sorted(findings, key=Finding.sort_key):
        if finding.suppression is not None:
            continue
        path = finding.location.path
        if path not in cache:
            try:
                cache[path] = lines_of(path)
            except (OSError, UnicodeDecodeError):
                cache[path] = []
        for comment in inline_suppressions(cache[path], finding.location.line):
            if finding.rule_id not in comment.rule_ids:
                continue
            if comment.reason:
                finding.suppression = Suppression("inSource", comment.reason)
                break
            if (path, comment.line) not in warned:
                warned.add((path, comment.line))
                notes.append(_no_reason(path, comment))
        if finding.suppression is not None:
            continue
        for exception in policy.exceptions:
            if exception.rule != finding.rule_id or not matches(path, exception.paths):
                continue
            if exception.expired(today):
                expired_hits[exception] = expired_hits.get(exception, 0) + 1
                continue
            finding.suppression = Suppression(
                "external",
                exception.justification,
                {
                    "approved_by": exception.approved_by,
                    "ticket": exception.ticket,
                    "expires": exception.expires.isoformat(),
                },
            )
            break
    for exception in policy.exceptions:
        if exception.expired(today):
            notes.append(_expired(exception, expired_hits.get(exception, 0), policy.source))
    return notes


def _no_reason(path: str, comment: InlineSuppression) -> Notification:
    ids = ", ".join(comment.rule_ids)
    return Notification(
        f"{path}:{comment.line}: suppression of {ids} has no reason, so the finding is reported; "
        f"write `keyguard: ignore[{ids}] reason: <why>`",
        kind="suppression-without-reason",
        level="warning",
        path=path,
        line=comment.line,
    )


def _expired(exception: PolicyException, hits: int, source: str) -> Notification:
    ticket = f" ({exception.ticket})" if exception.ticket else ""
    covered = f"{hits} finding{'s' if hits != 1 else ''} no longer suppressed"
    return Notification(
        f"policy exception for {exception.rule} on {', '.join(exception.paths)}{ticket}, approved "
        f"by {exception.approved_by}, expired on {exception.expires.isoformat()}: {covered}",
        kind="exception-expired",
        level="warning",
        path=source,
    )
