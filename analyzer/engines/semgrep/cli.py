"""Which Semgrep command line runs: the native one (osemgrep) first, the Python one as fallback.

Semgrep's wheel ships its native CLI inside ``semgrep-core`` (``semgrep scan --experimental``);
it starts in a fraction of the time the Python CLI needs and returns the same results on
keyguard's rules. ``KEYGUARD_SEMGREP_CLI=python`` forces the Python CLI (an escape hatch, and the
"before" of the hook benchmark).
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

CLI_ENV = "KEYGUARD_SEMGREP_CLI"
NATIVE_NAME = "osemgrep"  # semgrep-core behaves as the native CLI when started under this name

Kind = Literal["native", "python"]

# Rule modes the native CLI accepts but does not run (it drops such rules without an error).
_NATIVE_UNSUPPORTED_MODE = re.compile(
    r"^[ \t]*+(?:-[ \t]++)?mode:[ \t]*+['\"]?join\b", re.MULTILINE
)
# Error types with which a CLI says that it could not load or run a rule (not a file problem).
_RULE_ERROR_TYPES = frozenset(
    {
        "Rule parse error",
        "InvalidRuleSchemaError",
        "Invalid rule schema",
        "Invalid YAML",
        "InvalidYaml",
        "Pattern parse error",
        "PatternParseError",
        "IncompatibleRule",
        "MissingPlugin",
        "Unknown language",
        "UnknownLanguage",
    }
)


@dataclass(frozen=True)
class SemgrepCommand:
    """A way to start ``semgrep scan``: ``argv`` up to the options, ``executable`` if not argv[0]."""

    kind: Kind
    argv: tuple[str, ...]
    executable: str | None = None
    env: dict[str, str] = field(default_factory=dict)


def _packaged_core() -> str | None:
    """``semgrep-core`` from the semgrep package this interpreter sees (found, not imported)."""
    try:
        spec = importlib.util.find_spec("semgrep")
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    core = Path(spec.origin).parent / "bin" / "semgrep-core"
    return str(core) if os.access(core, os.X_OK) else None


def _same_environment(launcher: list[str]) -> bool:
    """True when the launcher is this interpreter's own (its package is the one we can see)."""
    here = Path(sys.executable).parent.absolute()
    return len(launcher) == 1 and Path(launcher[0]).parent.absolute() == here


def native_command(launcher: list[str]) -> SemgrepCommand:
    """The native CLI: the launcher's ``semgrep-core`` started as ``osemgrep`` when it is this
    environment's (no Python start-up in between), else ``semgrep scan --experimental``."""
    quiet = {"NO_COLOR": "1"}
    core = _packaged_core() if _same_environment(launcher) else None
    if core is not None:
        return SemgrepCommand("native", (NATIVE_NAME, "scan", "--experimental"), core, quiet)
    return SemgrepCommand("native", (*launcher, "scan", "--experimental"), None, quiet)


def python_command(launcher: list[str]) -> SemgrepCommand:
    """The Python CLI: ``pysemgrep scan`` beside the launcher, else ``semgrep scan`` (which
    hands over to it)."""
    if len(launcher) == 1:
        pysemgrep = Path(launcher[0]).with_name("pysemgrep")
        if os.access(pysemgrep, os.X_OK):
            return SemgrepCommand("python", (str(pysemgrep), "scan"))
    return SemgrepCommand("python", (*launcher, "scan"))


def commands(launcher: list[str]) -> list[SemgrepCommand]:
    """The commands to try, in order: native then Python, or only Python when so configured."""
    if os.environ.get(CLI_ENV, "").strip().lower() == "python":
        return [python_command(launcher)]
    return [native_command(launcher), python_command(launcher)]


def native_unsupported(rule_files: list[Path]) -> str | None:
    """Why the native CLI cannot run these rendered rules, or None when it can."""
    for path in rule_files:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        if _NATIVE_UNSUPPORTED_MODE.search(text):
            return f"{path.name} holds a join-mode rule, which it does not run"
    return None


def rule_problem(output: dict[str, Any]) -> str | None:
    """The first sign in a CLI's JSON output that a rule was not run, or None."""
    skipped = output.get("skipped_rules") or []
    if skipped:
        first = skipped[0]
        name = first.get("rule_id", "?") if isinstance(first, dict) else str(first)
        return f"it skipped rule {name}"
    for error in output.get("errors") or []:
        kind = error.get("type")
        kind_name = str(kind[0] if isinstance(kind, list) and kind else kind or "")
        file_level = error.get("path") is not None
        if kind_name in _RULE_ERROR_TYPES or ("rule_id" in error and not file_level):
            message = str(error.get("message") or error.get("short_msg") or kind_name)
            return f"it could not run a rule ({message.strip().splitlines()[0][:200]})"
    return None
