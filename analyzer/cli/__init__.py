"""The ``keyguard`` command line."""

from __future__ import annotations

import importlib
import signal
import sys
import threading
from typing import Any

import click

from analyzer import __version__
from analyzer.cli import exitcodes

COMMANDS: dict[str, str] = {
    "scan": "analyzer.cli.scan_command:scan_command",
    "baseline": "analyzer.cli.baseline_command:baseline_command",
    "policy": "analyzer.cli.policy_commands:policy_group",
    "rules": "analyzer.cli.policy_commands:rules_command",
    "explain": "analyzer.cli.policy_commands:explain_command",
    "batch": "analyzer.cli.org_commands:batch_command",
    "report": "analyzer.cli.org_commands:report_command",
    "inventory": "analyzer.cli.org_commands:inventory_command",
    "merge": "analyzer.cli.org_commands:merge_command",
    "cache": "analyzer.cli.cache_commands:cache_group",
}


class _Group(click.Group):
    """Commands imported when used (a hook pays for ``scan`` only); an unexpected exception
    becomes one line and exit code 3."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = COMMANDS.get(cmd_name)
        if spec is None:
            return None
        module, attribute = spec.split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        if threading.current_thread() is threading.main_thread():
            # SIGTERM unwinds like an interrupt, so that no temporary report file is left behind
            signal.signal(signal.SIGTERM, lambda _sig, _frame: sys.exit(143))
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("keyguard: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:
            click.echo(
                f"keyguard: internal error: {type(exc).__name__}: {exc} "
                "(please report it with the command line that caused it)",
                err=True,
            )
            sys.exit(exitcodes.INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="keyguard")
def main() -> None:
    """keyguard finds cryptographic key-generation misuse (weak randomness, short keys,
    hard-coded keys, unapproved libraries) and maps every finding to your key-generation
    standard and PCI DSS v4.0.1 Requirement 3.7.1.

    \b
    Start with:
      keyguard scan .                 scan the current folder
      keyguard rules                  list the rules
      keyguard explain KG201          what a rule finds and how to fix it
    """
