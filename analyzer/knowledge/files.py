"""Where the shipped data lives: ``analyzer/rules`` in a wheel, ``rules/`` in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def rules_dir() -> Path:
    """The directory holding the rule catalogue, the knowledge base, Semgrep templates and profiles."""
    installed = _PACKAGE / "rules"
    return installed if installed.is_dir() else _PACKAGE.parent / "rules"


def knowledge_dir() -> Path:
    """The knowledge base: facts about algorithms and APIs that every engine reads."""
    return rules_dir() / "knowledge"
