"""The ``keyguard`` command line."""

import click

from analyzer import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="keyguard")
def main() -> None:
    """keyguard finds cryptographic key-generation misuse and maps it to your standard."""


from analyzer.cli.policy_commands import register as _register_policy  # noqa: E402

_register_policy(main)
