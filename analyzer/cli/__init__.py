"""The ``keyguard`` command line."""

from __future__ import annotations

import sys
from typing import Any

import click

from analyzer import __version__, exitcodes
from analyzer.cli.baseline_command import baseline_command
from analyzer.cli.scan_command import scan_command


class _Group(click.Group):
    """A group that turns an unexpected exception into one line and exit code 3."""

    def invoke(self, ctx: click.Context) -> Any:
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


main.add_command(scan_command, name="scan")
main.add_command(baseline_command, name="baseline")

from analyzer.cli.policy_commands import register as _register_policy  # noqa: E402

_register_policy(main)

from analyzer.cli.org_commands import register as _register_org  # noqa: E402

_register_org(main)
