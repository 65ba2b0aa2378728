"""Where the shipped data lives: ``analyzer/rules`` in a wheel, ``rules/`` in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def rules_dir() -> Path:
    """The directory holding the rule catalogue, API tables and Semgrep templates."""
    installed = _PACKAGE / "rules"
    return installed if installed.is_dir() else _PACKAGE.parent / "rules"


def example_file() -> Path:
    """The bundled example scanned when ``keyguard scan`` is given ``--example``."""
    installed = _PACKAGE / "examples" / "example_service.py"
    if installed.is_file():
        return installed
    return _PACKAGE.parent / "fixtures" / "python" / "example_service.py"
