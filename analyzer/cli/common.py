"""What the commands share: the policy and jobs options, and loading the policy with exit code 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from analyzer.policy import Policy, PolicyError, load_policy

POLICY_HELP = (
    "Policy file (TOML). Default: keyguard.toml or [tool.keyguard] in pyproject.toml, searched "
    "upward from the scan root; else the built-in default standard."
)


class UsageFailure(click.ClickException):
    """A one-line error with exit code 2 (bad policy, unknown rule, file in the way)."""

    exit_code = 2


def policy_for(config: Path | None, root: Path) -> Policy:
    """``load_policy`` for commands: a ``PolicyError`` becomes a one-line error and exit code 2."""
    try:
        return load_policy(config, root)
    except PolicyError as exc:
        raise UsageFailure(str(exc)) from exc


def config_option(help_text: str = POLICY_HELP) -> Callable[[Any], Any]:
    """``--config FILE``: a policy file that must exist."""
    return click.option(
        "--config",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help=help_text,
    )


def jobs_option(help_text: str) -> Callable[[Any], Any]:
    """``-j/--jobs N``: worker processes, 0 for all cores."""
    return click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=0),
        default=0,
        show_default="0 = all cores",
        help=help_text,
    )
