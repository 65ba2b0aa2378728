"""Where the shipped data lives: ``analyzer/rules`` in a wheel, ``rules/`` in a checkout."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent.parent


def rules_dir() -> Path:
    """The directory holding the rule catalogue, the knowledge base, Semgrep templates and profiles."""
    installed = _PACKAGE / "rules"
    return installed if installed.is_dir() else _PACKAGE.parent / "rules"


def knowledge_dir() -> Path:
    """The knowledge base: facts about algorithms and APIs that every engine reads."""
    return rules_dir() / "knowledge"


class KnowledgeError(ValueError):
    """A knowledge file is missing, unreadable or malformed; the message names the file and the
    entry."""


def read_toml(path: Path) -> dict[str, Any]:
    """One knowledge file as parsed TOML; a missing or malformed file names itself."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeError(f"{path}: {exc}") from exc


@cache
def knowledge_file(name: str) -> dict[str, Any]:
    """A knowledge file of the shipped base, parsed once per process: several loaders read
    sections of the same file (``python_apis.toml`` feeds the API table and the key facts)."""
    return read_toml(knowledge_dir() / name)
