"""The byte prefilter: which files could hold a secrets finding, decided without decoding them."""

from __future__ import annotations

import re

# Private-key armour (PEM, PuTTY, ssh.com, LSH), a JWK's key type: plain substring tests, which
# are several times faster than one regular expression with alternatives.
_LITERAL_CLUES = (
    b"PRIVATE KEY",
    b"PuTTY-User-Key-File",
    b"BEGIN SSH2 ENCRYPTED",
    b"kty",
    b"private-key(",
    b"KDExOnByaXZhdGUta2V5",
)
# The start of a base64 DER SEQUENCE of 32 bytes or more: bare key material whose armour is added
# at run time. (A look-behind would cost the regular expression its fast literal scan.)
_DER_START = re.compile(rb"M[C-I][A-Za-z0-9+/]{38}")
_BASE64_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


# A private key component written as a number (``"d": int("...``, ``"privateValue": 2776...``):
# three substring tests (each costs a pass over every file). Components written as bytes or bare
# numbers are read in files that pass for another reason (keys kept beside them).
_COMPONENT_CLUES = (b'": int(', b"': int(", b"rivateValue")


def has_key_clue(data: bytes) -> bool:
    """Armour, a JWK, or a base64 DER SEQUENCE that starts a run of base64."""
    if any(clue in data for clue in _LITERAL_CLUES):
        return True
    return any(
        m.start() == 0 or data[m.start() - 1] not in _BASE64_BYTES
        for m in _DER_START.finditer(data)
    )


# What a reportable high-entropy line needs after its key-like name and separator: a quoted run of
# at least 8 base64/hex characters later on the line (detect-secrets' entropy plugins only read
# quoted strings, and no shorter one reaches their limits), or a bare value of such characters that
# ends the line (``NAME=value``, which the detectors quote).
# The run is bounded by the 4 KiB line window the search uses anyway, which keeps every start
# linear. Both run on the lower-cased bytes: a case-sensitive search is three times faster than (?i).
_NAME_SEPARATOR = re.compile(
    rb"(?:key|secret|token|passw(?:or)?d|passphrase|pwd|credential|private)[\w.-]*+"
    rb"[\"']?[^\S\n]*(?::=|=>|[:=])"
)
_QUOTED_VALUE = re.compile(rb"[\"'][a-z0-9+/=_-]{8}")
_BARE_VALUE = re.compile(
    rb"(?<![a-z0-9+/_-])[a-z0-9+/=_-]{8,4096}+[ \t]*+(?:#[^\r\n]*+)?(?:[\r\n\x0b\x0c\x1c-\x1e\x85]|$)"
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
    """True when a file has a key clue (armour, a JWK, base64 DER), or a key-like name assigned a
    value that could be a key literal on the same line."""
    if has_key_clue(data) or any(clue in data for clue in _COMPONENT_CLUES):
        return True
    lower = data.lower()
    return any(_value_follows(lower, m.end()) for m in _NAME_SEPARATOR.finditer(lower))
