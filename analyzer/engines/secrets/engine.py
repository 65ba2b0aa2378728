"""Key material in any text file (KG302): the engine's entry point, ``scan_secrets``.

Private key blocks are always reported, at their BEGIN line. A high-entropy string is reported only
when the line assigns it to a key-like name or configuration entry, so hashes, checksums and test
vectors stay quiet. The secret itself never leaves this package: findings carry a redacted form and
a hash prefix.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from analyzer.catalogue.ids import KEY_MATERIAL_IN_FILE
from analyzer.engines.secrets.detectors import (
    PRIVATE_KEY_TYPE,
    candidate_lines,
    could_report,
    detected,
)
from analyzer.engines.secrets.names import is_key_name, key_name_before
from analyzer.engines.secrets.prefilter import secrets_prefilter
from analyzer.findings.model import FileResult, Finding, Location
from analyzer.findings.redact import fingerprint_value, redact_value

__all__ = ["ENGINE", "is_key_name", "scan_secrets", "secrets_prefilter"]

ENGINE = "detect-secrets"
# Prose and markup quote example values; only private key blocks are reported there.
PROSE_SUFFIXES = frozenset(
    {".md", ".rst", ".txt", ".adoc", ".html", ".htm", ".ipynb", ".csv", ".svg", ".lock"}
)
_KEY_BODY = re.compile(r"[A-Za-z0-9+/=]{40,}|Private-Lines:\s*\d")


def _has_key_body(originals: list[str], number: int) -> bool:
    """A real key block has key material after its BEGIN marker (same line or the next two):
    a marker alone (a parser's constant, a docstring) is not a key."""
    line = originals[number - 1]
    marker = max(line.find("PRIVATE KEY"), line.find("PuTTY-User-Key-File"))
    after = [line[marker:], *originals[number : number + 2]]
    return any(_KEY_BODY.search(part.replace("\\n", "\n")) for part in after)


def _finding(
    path: str, number: int, line: str, secret: str, kind: str, name: str | None
) -> Finding:
    column = max(line.find(secret), 0) + 1
    digest = fingerprint_value(secret)
    if kind == PRIVATE_KEY_TYPE:
        message = "private key block committed to the repository; revoke it and load keys from a secret manager"
        facts: dict[str, str | int] = {"detector": "private-key", "secret_sha256": digest}
        snippet = line.strip()
    else:
        message = (
            f"high-entropy key literal {redact_value(secret)} assigned to `{name}` "
            f"(sha256 {digest}); provision it from a secret manager"
        )
        facts = {
            "detector": kind.lower().replace(" ", "-"),
            "name": name or "",
            "redacted": redact_value(secret),
            "secret_sha256": digest,
        }
        snippet = line.strip().replace(secret, redact_value(secret))
    return Finding(
        rule_id=KEY_MATERIAL_IN_FILE,
        location=Location(path, number, column),
        message=message,
        engine=ENGINE,
        facts=facts,
        snippet=snippet,
    )


def scan_secrets(data: bytes, path: str) -> FileResult:
    """KG302 findings of one file; undecodable bytes are replaced, never raised."""
    result = FileResult(path)
    text = data.decode("utf-8", errors="replace")
    originals = text.splitlines()
    lines = candidate_lines(text)
    if not lines or not could_report(lines):
        return result
    seen: set[int] = set()
    prose = PurePosixPath(path).suffix.lower() in PROSE_SUFFIXES
    for number, value, kind in detected(lines, path):
        if number in seen or not value:
            continue
        line = originals[number - 1]
        if kind == PRIVATE_KEY_TYPE:
            if not _has_key_body(originals, number):
                continue
            result.findings.append(_finding(path, number, line, value, kind, None))
            seen.add(number)
            continue
        if prose or "EXAMPLE" in value:  # documentation's example keys (AWS's ...EXAMPLEKEY)
            continue
        name = key_name_before(line, value)
        if name is not None:
            result.findings.append(_finding(path, number, line, value, kind, name))
            seen.add(number)
    return result
