"""One redaction format, the README's: two characters, four stars and the length."""

from __future__ import annotations

import re

from analyzer.findings.redact import redact_in, redact_value
from tests.conftest import REPO


def test_the_readme_format() -> None:
    documented = re.search(r"redacted form \(`([^`]+)`\)", (REPO / "README.md").read_text())
    assert documented, "the README no longer documents the redacted form"
    shape = re.sub(r"\d+", "N", re.sub(r"^..", "xx", documented.group(1)))
    assert shape == "xx****(N)"
    assert redact_value("s3cr3t-signing-key") == "s3****(18)"


def test_bytes_count_every_byte() -> None:
    assert redact_value(b"\x00\xffkey-bytes") == "\x00\xff****(11)"


def test_redact_in_replaces_every_occurrence() -> None:
    line = 'a = "q8Zt3vN0pXw7"; b = "q8Zt3vN0pXw7"'
    assert redact_in(line, "q8Zt3vN0pXw7") == 'a = "q8****(12)"; b = "q8****(12)"'
    assert redact_in(line, "") == line
