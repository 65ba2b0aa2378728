"""Redaction of key material: outputs show a short prefix, the length and a hash, never the key."""

from __future__ import annotations

import hashlib
import re

_QUOTED = re.compile(r"""(?P<q>"|'|`)(?P<body>[^"'`\n]{6,512})(?P=q)""")
# Base64 pads with ``=`` only at the end, so ``NAME=value`` keeps its name apart.
_LONG_TOKEN = re.compile(r"[A-Za-z0-9+/_\-]{20,}(?:={1,2}(?![A-Za-z0-9+/_\-]))?")
_REDACTED = re.compile(r"\A[^*]{0,2}\*{4}\(\d+\)\Z")


def redact_value(value: str | bytes) -> str:
    """``s3****(16)``: two characters and the length, the one form every output shows.

    Bytes are read as Latin-1 so that every byte counts as one character of the length.
    """
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    return f"{text[:2]}****({len(text)})"


def redact_in(line: str, value: str) -> str:
    """``line`` with every occurrence of ``value`` replaced by its redacted form."""
    return line.replace(value, redact_value(value)) if value else line


def fingerprint_value(value: str) -> str:
    """A short SHA-256 prefix that lets a reader match two reports without seeing the key."""
    return hashlib.sha256(value.encode("utf-8", errors="surrogatepass")).hexdigest()[:16]


def redact_line(line: str) -> str:
    """Replace quoted literals and long token-like runs in a source line by redacted forms."""
    line = _QUOTED.sub(lambda m: m["q"] + _redact_once(m["body"]) + m["q"], line)
    return _LONG_TOKEN.sub(_redact_token, line)


def _redact_token(match: re.Match[str]) -> str:
    """Words of one case joined by underscores name a thing (``AWS_SECRET_ACCESS_KEY``)."""
    token = match.group(0)
    words = token.strip("_").split("_")
    is_name = (
        len(words) > 1
        and all(w.isalnum() and not w.isdigit() for w in words)
        and (token.isupper() or token.islower())
    )
    return token if is_name else redact_value(token)


def _redact_once(value: str) -> str:
    """An engine may have redacted already: keep its form, which still tells the true length."""
    return value if _REDACTED.match(value) else redact_value(value)
