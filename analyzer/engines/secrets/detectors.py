"""detect-secrets' entropy plugins, run only on lines that could be reported and only when they
could find something.

This module chooses their input lines and mirrors their entropy gate, so that files without a
candidate never import detect-secrets (it loads requests). Key blocks are decoded elsewhere.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Iterator
from functools import cache
from typing import Any

from analyzer.engines.secrets.names import ASSIGNMENT

PLUGINS: dict[str, Any] = {
    "plugins_used": [
        {"name": "Base64HighEntropyString", "limit": 4.5},
        {"name": "HexHighEntropyString", "limit": 3.0},
    ]
}

_UNQUOTED = re.compile(
    r"""^(?P<lead>\s*(?:export\s+)?[\w.-]+\s*[:=]\s*)(?P<value>[^\s"'#]+)\s*(?:\s#.*)?$"""
)


def candidate_lines(text: str) -> list[tuple[int, str]]:
    """Only lines that could be reported are handed to detect-secrets (it is slow per line).

    Unquoted ``NAME=value`` lines (.env, .properties, YAML) are quoted first, since the entropy
    detectors look at quoted strings only.
    """
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > 4096:
            continue
        if ASSIGNMENT.search(line):
            m = _UNQUOTED.match(line)
            lines.append((number, f'{m["lead"]}"{m["value"]}"' if m else line))
    return lines


_BASE64 = string.ascii_letters + string.digits + "+/\\-_="
# The quoted-string regex of detect-secrets' HighEntropyStringsPlugin, built the same way.
_QUOTED = r"""([\'"])([{}]+)(\1)"""
ENTROPY_PLUGINS = (
    (re.compile(_QUOTED.format(re.escape(_BASE64))), _BASE64, 4.5),
    (re.compile(_QUOTED.format(re.escape(string.hexdigits))), string.hexdigits, 3.0),
)


def entropy(value: str, charset: str) -> float:
    """Shannon entropy over ``charset``, as detect-secrets' entropy plugins compute it."""
    total = len(value)
    return -sum(
        (n / total) * math.log(n / total, 2) for n in (value.count(c) for c in charset) if n
    )


def could_report(lines: list[tuple[int, str]]) -> bool:
    """Whether detect-secrets could find anything here: a quoted string its entropy plugins would
    rate above their limits."""
    for _, line in lines:
        for regex, charset, limit in ENTROPY_PLUGINS:
            if any(entropy(m[1], charset) > limit for m in regex.findall(line.rstrip())):
                return True
    return False


@cache
def _line_scanner() -> Any:
    from detect_secrets.core.scan import _process_line_based_plugins

    return _process_line_based_plugins


def detected(lines: list[tuple[int, str]], path: str) -> Iterator[tuple[int, str, str]]:
    """(line number, secret, detect-secrets type) for every secret its plugins see in ``lines``."""
    from detect_secrets.settings import transient_settings

    with transient_settings(PLUGINS):
        for secret in _line_scanner()(lines, path):
            yield secret.line_number, secret.secret_value or "", secret.type
