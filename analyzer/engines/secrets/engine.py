"""Key material in any text file (KG302), found with detect-secrets.

Private key blocks are always reported, at their BEGIN line. A high-entropy string is reported only
when the line assigns it to a key-like name or configuration entry, so hashes, checksums and test
vectors stay quiet. The secret itself never leaves this module: findings carry a redacted form and
a hash prefix.
"""

from __future__ import annotations

import itertools
import math
import re
import string
from functools import cache
from pathlib import PurePosixPath
from typing import Any

from analyzer.findings.model import FileResult, Finding, Location
from analyzer.findings.redact import fingerprint_value, redact_value

ENGINE = "detect-secrets"
PLUGINS: dict[str, Any] = {
    "plugins_used": [
        {"name": "PrivateKeyDetector"},
        {"name": "Base64HighEntropyString", "limit": 4.5},
        {"name": "HexHighEntropyString", "limit": 3.0},
    ]
}
PRIVATE_KEY_TYPE = "Private Key"

_PRIVATE_MARKER = re.compile(rb"PRIVATE KEY|PuTTY-User-Key-File|BEGIN SSH2 ENCRYPTED")
_KEY_NAME = r"[\w.-]*(?:key|secret|token|passw(?:or)?d|passphrase|pwd|credential|private)[\w.-]*"
_ASSIGNMENT = re.compile(
    rf"""(?ix)(?:^|[\s{{,;(])["']?(?P<name>{_KEY_NAME})["']?\s*(?::=|=>|[:=])\s*"""
)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
KEY_WORDS = frozenset(
    {
        "key",
        "keys",
        "secret",
        "token",
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "credential",
        "credentials",
        "private",
        "privatekey",
        "apikey",
        "secretkey",
    }
)
# Names with these words hold identifiers, pagination or request tokens, hashes or settings.
NOT_KEY_WORDS = frozenset(
    {
        "public",
        "pub",
        "cache",
        "sort",
        "primary",
        "foreign",
        "partition",
        "idempotency",
        "id",
        "ids",
        "kid",
        "keyid",
        "fingerprint",
        "checksum",
        "hash",
        "digest",
        "next",
        "page",
        "continuation",
        "pagination",
        "marker",
        "csrf",
        "xsrf",
        "type",
        "path",
        "file",
        "url",
        "uri",
        "name",
        "length",
        "size",
        "count",
        "format",
        "algorithm",
        "version",
        "index",
        "field",
    }
)
NOT_KEY_PAIRS = frozenset({("client", "token"), ("sync", "token"), ("request", "token")})
# Prose and markup quote example values; only private key blocks are reported there.
PROSE_SUFFIXES = frozenset(
    {".md", ".rst", ".txt", ".adoc", ".html", ".htm", ".ipynb", ".csv", ".svg", ".lock"}
)


def is_key_name(name: str) -> bool:
    """``signing_key``, ``API_TOKEN``, ``clientSecret``: yes; ``NextToken``, ``key_id``: no."""
    words = [w.lower() for w in _WORD.findall(name)]
    if not KEY_WORDS.intersection(words) or NOT_KEY_WORDS.intersection(words):
        return False
    return not any(pair in NOT_KEY_PAIRS for pair in itertools.pairwise(words))


# What a reportable high-entropy line needs after its key-like name and separator: a quoted run of
# at least 8 base64/hex characters later on the line (detect-secrets' entropy plugins only read
# quoted strings, and no shorter one reaches their limits), or a bare value of such characters that
# ends the line (``NAME=value``, which _candidate_lines quotes).
# Both run on the lower-cased bytes: a case-sensitive search is three times faster than (?i).
_NAME_SEPARATOR = re.compile(
    rb"(?:key|secret|token|passw(?:or)?d|passphrase|pwd|credential|private)[\w.-]*+"
    rb"[\"']?[^\S\n]*(?::=|=>|[:=])"
)
_QUOTED_VALUE = re.compile(rb"[\"'][a-z0-9+/=_-]{8}")
_BARE_VALUE = re.compile(
    rb"(?<![a-z0-9+/_-])[a-z0-9+/=_-]{8,}+[ \t]*+(?:#[^\r\n]*+)?(?:[\r\n\x0b\x0c\x1c-\x1e\x85]|$)"
)
_BLANK = re.compile(rb"[^\S\n]*+")
_LINE_WINDOW = 4096


def _value_follows(lower: bytes, start: int) -> bool:
    """A quoted run of 8 key characters later on the line, or a bare one that ends the line.

    Searches stay within the line (and 4 KiB of it), so a long minified line costs linear time.
    """
    end = lower.find(b"\n", start)
    end = min(len(lower) if end < 0 else end, start + _LINE_WINDOW)
    if _QUOTED_VALUE.search(lower, start, end):
        return True
    blank = _BLANK.match(lower, start, end)
    return bool(_BARE_VALUE.match(lower, blank.end() if blank else start, end))


def secrets_prefilter(data: bytes) -> bool:
    """True when a file has a private-key marker, or a key-like name assigned a value that could
    be a high-entropy key literal on the same line."""
    if _PRIVATE_MARKER.search(data):
        return True
    lower = data.lower()
    return any(_value_follows(lower, m.end()) for m in _NAME_SEPARATOR.finditer(lower))


_UNQUOTED = re.compile(
    r"""^(?P<lead>\s*(?:export\s+)?[\w.-]+\s*[:=]\s*)(?P<value>[^\s"'#]+)\s*(?:\s#.*)?$"""
)


def _candidate_lines(text: str) -> list[tuple[int, str]]:
    """Only lines that could be reported are handed to detect-secrets (it is slow per line).

    Unquoted ``NAME=value`` lines (.env, .properties, YAML) are quoted first, since the entropy
    detectors look at quoted strings only.
    """
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > 4096:
            continue
        if "PRIVATE KEY" in line or "PuTTY-User-Key-File" in line or _ASSIGNMENT.search(line):
            m = _UNQUOTED.match(line)
            lines.append((number, f'{m["lead"]}"{m["value"]}"' if m else line))
    return lines


@cache
def _detector() -> Any:
    from detect_secrets.core.scan import _process_line_based_plugins

    return _process_line_based_plugins


_KEY_BODY = re.compile(r"[A-Za-z0-9+/=]{40,}|Private-Lines:\s*\d")


def _has_key_body(originals: list[str], number: int) -> bool:
    """A real key block has key material after its BEGIN marker (same line or the next two):
    a marker alone (a parser's constant, a docstring) is not a key."""
    line = originals[number - 1]
    marker = max(line.find("PRIVATE KEY"), line.find("PuTTY-User-Key-File"))
    after = [line[marker:], *originals[number : number + 2]]
    return any(_KEY_BODY.search(part.replace("\\n", "\n")) for part in after)


def _key_name_before(line: str, secret: str) -> str | None:
    """The key-like name the secret is assigned to on this line, if any."""
    at = line.find(secret)
    for m in _ASSIGNMENT.finditer(line):
        if m.end() <= at and is_key_name(m["name"]):
            return m["name"]
    return None


def _finding(
    path: str, number: int, line: str, secret: str, kind: str, name: str | None
) -> Finding:
    column = max(line.find(secret), 0) + 1
    digest = fingerprint_value(secret)
    if kind == PRIVATE_KEY_TYPE:
        message = "private key block committed to the repository; revoke it and load keys from a secret manager"
        facts: dict[str, str | int] = {"detector": "private-key", "secret_sha256": digest}
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
    return Finding(
        rule_id="KG302",
        location=Location(path, number, column),
        message=message,
        engine=ENGINE,
        facts=facts,
        snippet=line.strip() if kind == PRIVATE_KEY_TYPE else redact_value_in(line.strip(), secret),
    )


def redact_value_in(line: str, secret: str) -> str:
    return line.replace(secret, redact_value(secret))


_BASE64 = string.ascii_letters + string.digits + "+/\\-_="
# The quoted-string regex of detect-secrets' HighEntropyStringsPlugin, built the same way.
_QUOTED = r"""([\'"])([{}]+)(\1)"""
_ENTROPY_PLUGINS = (
    (re.compile(_QUOTED.format(re.escape(_BASE64))), _BASE64, 4.5),
    (re.compile(_QUOTED.format(re.escape(string.hexdigits))), string.hexdigits, 3.0),
)


def _entropy(value: str, charset: str) -> float:
    """Shannon entropy over ``charset``, as detect-secrets' entropy plugins compute it."""
    total = len(value)
    return -sum(
        (n / total) * math.log(n / total, 2) for n in (value.count(c) for c in charset) if n
    )


def _could_report(lines: list[tuple[int, str]]) -> bool:
    """Whether detect-secrets (slow to import: it loads requests) could find anything here: a
    private-key line, or a quoted string its entropy plugins would rate above their limits."""
    for _, line in lines:
        if _PRIVATE_MARKER.search(line.encode("utf-8", "replace")):
            return True
        for regex, charset, limit in _ENTROPY_PLUGINS:
            if any(_entropy(m[1], charset) > limit for m in regex.findall(line.rstrip())):
                return True
    return False


def scan_secrets(data: bytes, path: str) -> FileResult:
    """KG302 findings of one file; undecodable bytes are replaced, never raised."""
    result = FileResult(path)
    text = data.decode("utf-8", errors="replace")
    originals = text.splitlines()
    lines = _candidate_lines(text)
    if not lines or not _could_report(lines):
        return result
    from detect_secrets.settings import transient_settings

    seen: set[int] = set()
    prose = PurePosixPath(path).suffix.lower() in PROSE_SUFFIXES
    with transient_settings(PLUGINS):
        for secret in _detector()(lines, path):
            number, value = secret.line_number, secret.secret_value or ""
            if number in seen or not value:
                continue
            line = originals[number - 1]
            if secret.type == PRIVATE_KEY_TYPE:
                if not _has_key_body(originals, number):
                    continue
                result.findings.append(_finding(path, number, line, value, secret.type, None))
                seen.add(number)
                continue
            if prose or "EXAMPLE" in value:  # documentation's example keys (AWS's ...EXAMPLEKEY)
                continue
            name = _key_name_before(line, value)
            if name is not None:
                result.findings.append(_finding(path, number, line, value, secret.type, name))
                seen.add(number)
    return result
