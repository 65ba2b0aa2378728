"""The README: its two set-up commands come first, its rule reference is generated, CI runs it.

Regenerate the generated parts with ``KEYGUARD_UPDATE_README=1 python -m pytest tests/test_readme.py``.
"""

from __future__ import annotations

import os
import re

from analyzer.catalogue.rules import markdown_docs
from analyzer.policy.render import rules_markdown, thresholds_markdown
from tests.conftest import REPO

README = REPO / "README.md"
SECTIONS = {
    "rules-table": rules_markdown,
    "rules-docs": markdown_docs,
    "policy-defaults": thresholds_markdown,
}


def _section(text: str, name: str) -> re.Match[str]:
    pattern = re.compile(rf"(<!-- {name}:start -->\n)(.*?)(<!-- {name}:end -->)", re.DOTALL)
    match = pattern.search(text)
    assert match, f"README lacks the <!-- {name}:start/end --> markers"
    return match


def test_generated_sections_are_current() -> None:
    text = README.read_text(encoding="utf-8")
    if os.environ.get("KEYGUARD_UPDATE_README"):
        for name, make in SECTIONS.items():
            m = _section(text, name)
            text = text[: m.start(2)] + make() + text[m.end(2) :]
        README.write_text(text, encoding="utf-8")
    for name, make in SECTIONS.items():
        assert _section(text, name).group(2) == make(), f"README section {name} is stale"


def test_two_commands_first_and_ci_runs_the_test_command() -> None:
    text = README.read_text(encoding="utf-8")
    commands = re.findall(r"^\s*((?:pip|python) .+)$", "\n".join(text.splitlines()[:30]), re.M)
    assert len(commands) >= 2, commands
    scan_cmd, test_cmd = commands[0], commands[1]
    assert "keyguard scan" in scan_cmd
    assert "pytest" in test_cmd
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test_cmd.strip() in ci
