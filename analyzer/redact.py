"""Redaction of key material: outputs show a short prefix, the length and a hash, never the key."""

from __future__ import annotations

import hashlib
import re

_QUOTED = re.compile(r"""(?P<q>"|'|`)(?P<body>[^"'`\n]{6,512})(?P=q)""")
_LONG_TOKEN = re.compile(r"[A-Za-z0-9+/=_\-]{20,}")


def redact_value(value: str) -> str:
    """``s3****(16)``: two characters and the length."""
    return f"{value[:2]}****({len(value)})"


def fingerprint_value(value: str) -> str:
    """A short SHA-256 prefix that lets a reader match two reports without seeing the key."""
    return hashlib.sha256(value.encode("utf-8", errors="surrogatepass")).hexdigest()[:16]


def redact_line(line: str) -> str:
    """Replace quoted literals and long token-like runs in a source line by redacted forms."""
    line = _QUOTED.sub(lambda m: m["q"] + redact_value(m["body"]) + m["q"], line)
    return _LONG_TOKEN.sub(lambda m: redact_value(m.group(0)), line)
