"""``keyguard baseline create``: record today's findings so that only new ones block new work."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from analyzer.cli import exitcodes
from analyzer.cli.common import config_option, jobs_option, policy_for
from analyzer.pipeline.discover import scan_root
from analyzer.pipeline.run import ScanOptions, scan
from analyzer.policy import baseline as baselines
from analyzer.reporters.output import OutputError, write_atomic


@click.group()
def baseline_command() -> None:
    """Record the findings of today's code so that `keyguard scan --baseline` shows only new ones."""


@baseline_command.command(
    "create",
    epilog="\b\nExample:\n  keyguard baseline create src/ -o .keyguard-baseline.json\n"
    "  keyguard scan src/ --baseline .keyguard-baseline.json",
)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=baselines.DEFAULT_FILE,
    show_default=True,
    help="Where to write the baseline (sorted JSON; commit it).",
)
@config_option()
@jobs_option("Worker processes for Python analysis and Semgrep.")
@click.option("--no-semgrep", is_flag=True, help="Do not run Semgrep.")
def create(
    paths: tuple[Path, ...], output: Path, config: Path | None, jobs: int, no_semgrep: bool
) -> None:
    """Scan PATHS (default: the current folder) and write every active finding to the baseline.

    Run it from the folder you will later run `keyguard scan --baseline` from: entries are keyed
    by paths relative to the scan root.
    """
    targets = list(paths) or [Path(".")]
    root = scan_root(targets)
    policy = policy_for(config, root)
    report = scan(
        targets, root, policy, ScanOptions(jobs=jobs, without=("semgrep",) if no_semgrep else ())
    )
    entries = baselines.entries_for(baselines.without_file(report.findings, root, output))
    try:
        write_atomic(output, baselines.dump(entries))
    except OutputError as exc:
        click.echo(f"keyguard: {exc}", err=True)
        sys.exit(exitcodes.USAGE)
    click.echo(
        f"keyguard: recorded {len(entries)} finding{'s' if len(entries) != 1 else ''} in {output}",
        err=True,
    )
