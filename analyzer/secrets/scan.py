"""KG302 through detect-secrets: private key blocks always; entropy and keyword matches only
where a key-like name or config entry holds them, so hashes, UUIDs and test vectors stay quiet.

The secret never leaves this module: findings carry a redacted form and a SHA-256 prefix.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath

from detect_secrets.filters.heuristic import (
    is_indirect_reference,
    is_potential_uuid,
    is_sequential_string,
    is_templated_secret,
)
from detect_secrets.plugins.high_entropy_strings import (
    Base64HighEntropyString,
    HexHighEntropyString,
)
from detect_secrets.plugins.keyword import KeywordDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector

from analyzer.model import FileResult, Finding, Location, Notification
from analyzer.secrets import vocabulary as vocab

ENGINE = "secrets"
RULE = "KG302"

_PRIVATE_KEY = PrivateKeyDetector()
_BASE64 = Base64HighEntropyString(limit=4.5)
_HEX = HexHighEntropyString(limit=3.0)
_KEYWORD = KeywordDetector()

_PREFILTER = re.compile(
    rb"PRIVATE KEY|PuTTY-User-Key-File|(?i:secret|key|token|passw|pwd|credential|passphrase)"
)
# name <sep> value: `name = "v"`, `name: v`, `"name": "v"`, `NAME=v`, `name := "v"`, `name => 'v'`.
_ASSIGNMENT = re.compile(
    r"""(?P<name>[A-Za-z_][\w.\-]*)["']?\s*(?::=|=>|=|:)\s*[bfr]?(?P<q>["'`]?)(?P<value>[^"'`\s,;]+)(?P=q)"""
)
_VALUE_CHARS = re.compile(r"^[A-Za-z0-9+/=_\-.~!@#%^&*]+$")


def secrets_prefilter(data: bytes) -> bool:
    """Cheap byte test: only files mentioning a key block or a key-like word are scanned."""
    return _PREFILTER.search(data) is not None


def redact(secret: str) -> str:
    """First two characters, a mask and the length: enough to recognise, useless to abuse."""
    return f"{secret[:2]}****({len(secret)} chars)"


def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]


def _is_config(path: str) -> bool:
    pure = PurePosixPath(path)
    return pure.suffix.lower() in vocab.CONFIG_SUFFIXES or pure.name.lower() in vocab.CONFIG_NAMES


def _finding(path: str, number: int, column: int, line: str, secret: str, kind: str) -> Finding:
    shown = redact(secret)
    snippet = line.replace(secret, shown).strip() if secret else line.strip()
    return Finding(
        rule_id=RULE,
        location=Location(path, number, column),
        message=f"{kind} hard-coded in the file ({shown}); keep key material in a vault or KMS.",
        engine=ENGINE,
        facts={"secret_type": kind, "secret_redacted": shown, "secret_sha256": _sha(secret)},
        snippet=snippet[:200],
    )


def _private_key_block(lines: list[str], start: int) -> tuple[str, int]:
    """The body of the key block starting at ``start`` (index) and the index after its end."""
    body: list[str] = []
    for index in range(start, len(lines)):
        body.append(lines[index])
        if index > start and vocab.PRIVATE_KEY_END.search(lines[index]):
            return "\n".join(body), index + 1
    return "\n".join(body), len(lines)


def _entropy_ok(value: str) -> bool:
    if len(value) < vocab.MIN_ENTROPY_LENGTH:
        return False
    if re.fullmatch(r"[0-9a-fA-F]+", value):
        return _HEX.calculate_shannon_entropy(value) > _HEX.entropy_limit
    return _BASE64.calculate_shannon_entropy(value) > _BASE64.entropy_limit


def _quiet(value: str, line: str) -> bool:
    return (
        vocab.PLACEHOLDER.search(value) is not None
        or is_potential_uuid(value)
        or is_sequential_string(value)
        or is_templated_secret(value)
        or is_indirect_reference(line)
        or not _VALUE_CHARS.match(value)
    )


def _assigned_secret(path: str, line: str, config: bool) -> tuple[str, int, str] | None:
    """(value, column, kind) of a literal assigned to a key-like name on ``line``."""
    keyword_hits = set(_KEYWORD.analyze_string(line)) if config else set()
    for match in _ASSIGNMENT.finditer(line):
        name, value = match.group("name"), match.group("value")
        if not vocab.KEY_LIKE_NAME.search(name) or vocab.NOT_SECRET_NAME.search(name):
            continue
        if not config and not match.group("q"):
            continue
        if _quiet(value, line):
            continue
        column = match.start("value") + 1
        if _entropy_ok(value):
            return value, column, "High-entropy key literal"
        if config and len(value) >= vocab.MIN_KEYWORD_LENGTH and (
            value in keyword_hits or not match.group("q")
        ):
            return value, column, "Secret in configuration"
    return None


def scan_secrets(data: bytes, path: str) -> FileResult:
    """KG302 findings for one file (``path`` relative to the scan root, POSIX)."""
    result = FileResult(path)
    if b"\x00" in data[:8192]:
        return result
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    lines = text.splitlines()
    config = _is_config(path)
    index = 0
    try:
        while index < len(lines):
            line = lines[index]
            if any(_PRIVATE_KEY.analyze_string(line)) or vocab.EXTRA_PRIVATE_KEY.search(
                line
            ):
                block, after = _private_key_block(lines, index)
                finding = _finding(path, index + 1, 1, line, block, "Private key block")
                finding.snippet = re.sub(r"[A-Za-z0-9+/=]{16,}", "****", line.strip())[:200]
                result.findings.append(finding)
                index = after
                continue
            hit = _assigned_secret(path, line, config)
            if hit:
                value, column, kind = hit
                result.findings.append(_finding(path, index + 1, column, line, value, kind))
            index += 1
    except (ValueError, RecursionError) as exc:
        result.notifications.append(
            Notification(f"secrets scan of {path} stopped: {exc}", "secrets-error", "warning", path)
        )
    return result
