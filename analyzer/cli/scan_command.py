"""``keyguard scan``: the command every other use (hook, action, batch) builds on."""

from __future__ import annotations

import importlib
import os
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

import click

from analyzer.cli import exitcodes
from analyzer.cli.common import config_option, jobs_option, policy_for
from analyzer.pipeline.cache import default_cache_dir
from analyzer.pipeline.discover import scan_root
from analyzer.pipeline.run import (
    DEFAULT_FILE_TIMEOUT,
    DEFAULT_MAX_FILE_BYTES,
    ScanOptions,
    ScanReport,
    scan,
)
from analyzer.policy import baseline as baselines
from analyzer.policy.diffscope import DiffError, DiffScope, diff_scope, restrict
from analyzer.reporters.output import OutputError, write_atomic
from analyzer.reporters.run import RunInfo

Renderer = Callable[[ScanReport, RunInfo], str]


def _lazy(spec: str) -> Renderer:
    """A renderer whose module is imported on first use: the hook should not pay for SARIF."""
    module, name = spec.split(":")

    def render(report: ScanReport, info: RunInfo) -> str:
        return getattr(importlib.import_module(module), name)(report, info)  # type: ignore[no-any-return]

    return render


RENDERERS: dict[str, Renderer] = {
    "text": _lazy("analyzer.reporters.text:render_text"),
    "json": _lazy("analyzer.reporters.jsonout:render_json"),
    "sarif": _lazy("analyzer.reporters.sarif:render_sarif"),
    "github": _lazy("analyzer.reporters.github:render_github"),
}


EPILOG = """\b
Examples:
  keyguard scan                         scan the current folder, text report
  keyguard scan src/ --format sarif -o keyguard.sarif
  keyguard scan app.py --fail-on warning
  keyguard scan . --config security/keyguard.toml --jobs 4
  keyguard scan --diff origin/main      only lines changed since the merge base
  keyguard scan --baseline .keyguard-baseline.json

\b
Exit codes:
  0  no active finding at or above --fail-on
  1  at least one active finding at or above --fail-on
  2  usage, configuration or output error
  3  internal error (please report it)
"""


def exit_code_for(report: ScanReport, fail_on: str) -> int:
    if fail_on == "never":
        return exitcodes.OK
    return exitcodes.FINDINGS if report.count_at_or_above(fail_on) else exitcodes.OK


def _size(value: str) -> int:
    """Parse ``2MB``, ``500k`` or a plain byte count."""
    text = value.strip().lower().removesuffix("b")
    factor = {"k": 1_000, "m": 1_000_000, "g": 1_000_000_000}.get(text[-1:], 1)
    number = text[:-1] if factor != 1 else text
    try:
        result = int(float(number) * factor)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a size such as 2MB or 500k") from None
    if result <= 0:
        raise click.BadParameter("must be positive")
    return result


@click.command(epilog=EPILOG)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(RENDERERS)),
    default="text",
    show_default=True,
    help="Report format: text for people, json for scripts, sarif for code scanning, "
    "github for GitHub Actions annotations.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to FILE (atomically; missing folders are created) instead of stdout.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "note", "never"]),
    default="error",
    show_default=True,
    help="Exit 1 when an unsuppressed finding is at or above this level.",
)
@config_option()
@jobs_option("Worker processes for Python analysis and Semgrep.")
@click.option(
    "--max-file-size",
    "max_file_size",
    default=str(DEFAULT_MAX_FILE_BYTES),
    show_default=True,
    callback=lambda _ctx, _param, value: _size(value),
    help="Skip (with a notification) files larger than this, e.g. 2MB.",
)
@click.option(
    "--file-timeout",
    type=click.FloatRange(min=0),
    default=DEFAULT_FILE_TIMEOUT,
    show_default=True,
    help="Abandon (with a notification) a file whose analysis takes longer than this many "
    "seconds; 0 = no limit.",
)
@click.option(
    "--show-suppressed",
    is_flag=True,
    help="List suppressed findings (inline or by a policy exception) in text output.",
)
@click.option(
    "--no-semgrep",
    is_flag=True,
    help="Do not run Semgrep (non-Python languages are then reported as not analysed).",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Analyse every file afresh and leave the result cache alone.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Result cache folder (default: $KEYGUARD_CACHE_DIR, else the user's cache folder; never "
    "inside the scanned tree unless you point it there). Entries are keyed by file content, "
    "keyguard build and policy and signed with a per-user secret, so a cached re-scan reports "
    "exactly the same and a repository cannot plant results.",
)
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour text output (default: when writing to a terminal and NO_COLOR is unset).",
)
@click.option(
    "--diff",
    "diff_base",
    metavar="BASE",
    help="Scan only files changed since `git merge-base BASE HEAD` and report only findings on "
    "added or changed lines (staged, unstaged and untracked changes included; --diff HEAD "
    "checks just your uncommitted work).",
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Report only findings not recorded in this baseline (see `keyguard baseline create`) "
    "and list its entries that no longer occur as fixed.",
)
def scan_command(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    fail_on: str,
    config: Path | None,
    jobs: int,
    max_file_size: int,
    file_timeout: float,
    show_suppressed: bool,
    no_semgrep: bool,
    no_cache: bool,
    cache_dir: Path | None,
    color: bool | None,
    diff_base: str | None,
    baseline_file: Path | None,
) -> None:
    """Scan PATHS (files or folders, default: the current folder) for key-generation misuse."""
    targets = list(paths) or [Path(".")]
    root = scan_root(targets)
    policy = policy_for(config, root)
    options = ScanOptions(
        jobs=jobs,
        max_file_bytes=max_file_size,
        file_timeout=file_timeout,
        without=("semgrep",) if no_semgrep else (),
        cache_dir=None if no_cache else (cache_dir or default_cache_dir()),
    )
    scope, entries = _read_narrowing(diff_base, baseline_file)
    scanned = scope.targets(targets) if scope is not None else targets
    report = scan(scanned, root, policy, options)
    outcome = _narrow(report, scope, entries, baseline_file, scanned)
    code = exit_code_for(report, fail_on)
    info = _run_info(code, fmt, output, show_suppressed, color)
    text = RENDERERS[fmt](report, info)
    if outcome is not None:
        text = baselines.decorate(fmt, text, outcome)
    _emit(text, output, report, info)
    sys.exit(code)


def _read_narrowing(
    diff_base: str | None, baseline_file: Path | None
) -> tuple[DiffScope | None, list[baselines.Entry] | None]:
    """The diff scope and the baseline entries asked for; a bad one exits 2."""
    try:
        scope = diff_scope(Path.cwd(), diff_base) if diff_base is not None else None
        entries = baselines.load(baseline_file) if baseline_file is not None else None
    except (DiffError, baselines.BaselineError) as exc:
        click.echo(f"keyguard: {exc}", err=True)
        sys.exit(exitcodes.USAGE)
    return scope, entries


def _narrow(
    report: ScanReport,
    scope: DiffScope | None,
    entries: list[baselines.Entry] | None,
    baseline_file: Path | None,
    scanned: list[Path],
) -> baselines.Outcome | None:
    """Keep the findings on changed lines (``--diff``) and those not in the baseline; returns
    what the baseline comparison found, if one was given."""
    if scope is not None:
        report.findings = restrict(report.findings, scope, report.root)
    if entries is None or baseline_file is None:
        return None
    report.findings, outcome = baselines.apply(
        baselines.without_file(report.findings, report.root, baseline_file),
        entries,
        baseline_file.as_posix(),
        baselines.scopes(scanned, report.root),
    )
    return outcome


def _run_info(
    code: int, fmt: str, output: Path | None, show_suppressed: bool, color: bool | None
) -> RunInfo:
    """How the report is rendered: colour only for text on a terminal without NO_COLOR."""
    if color is None:
        color = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    return RunInfo(
        command_line=shlex.join(["keyguard", *sys.argv[1:]]),
        exit_code=code,
        show_suppressed=show_suppressed,
        color=bool(color) and fmt == "text",
    )


def _emit(text: str, output: Path | None, report: ScanReport, info: RunInfo) -> None:
    """The report to stdout, or to ``output`` with the summary line on stderr."""
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        write_atomic(output, text)
    except OutputError as exc:
        click.echo(f"keyguard: {exc}", err=True)
        sys.exit(exitcodes.USAGE)
    click.echo(RENDERERS["text"](report, info).splitlines()[-1], err=True)
