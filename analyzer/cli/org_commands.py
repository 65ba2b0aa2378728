"""Commands for a security team: ``batch`` (scan many repositories), ``report`` (history, changes,
HTML evidence), ``inventory`` (key-generation sites of one repository) and ``merge`` (CI shards)."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from analyzer.cli import exitcodes
from analyzer.cli.common import config_option, jobs_option, policy_for
from analyzer.org.github_list import GITHUB_API
from analyzer.org.gitlab_list import GITLAB_URL
from analyzer.org.history import DEFAULT_DB, History, HistoryError, open_history, parse_since
from analyzer.reporters.output import OutputError, write_atomic

if TYPE_CHECKING:
    from analyzer.org.gitauth import GitAuth
    from analyzer.org.history import ListingRow
    from analyzer.org.platforms import Enumerated, PlatformSource
    from analyzer.org.repos import RepoSpec
    from analyzer.org.run import BatchResult, BatchSettings
    from analyzer.policy import Policy

SUMMARY_FORMATS = ("text", "csv", "json")

BATCH_EPILOG = """\b
Examples:
  keyguard batch ~/src/*                       every checkout, all cores
  keyguard batch repos.txt --jobs 8            a list of paths or git URLs, one a line
  keyguard batch checkouts/ --repo-timeout 600 a folder of checkouts
  keyguard batch repos.txt --shard 2/4 --db shard2.sqlite --out out2   one CI matrix job
  keyguard batch repos.txt --dask-scheduler tcp://10.0.0.5:8786

\b
URLs are cloned shallowly into --workdir with hooks, submodules, LFS smudge, filters,
fsmonitor and symlinks disabled. A repository already scanned at its HEAD commit with the same
policy is skipped (--force rescans). Results go to --db (one transaction per repository) and
--out: sarif/<repo>.sarif, combined.sarif, summary.txt|csv|json, cbom.cdx.json.

\b
Exit codes: 0 all repositories scanned or skipped, 1 a repository failed or --fail-on was
reached, 2 usage or configuration error, 3 internal error.
"""


def _fail(message: str) -> None:
    click.echo(f"keyguard: {message}", err=True)
    sys.exit(exitcodes.USAGE)


def _open(db: Path, create: bool) -> History:
    try:
        return open_history(db, create=create)
    except HistoryError as exc:
        _fail(str(exc))
        raise  # unreachable


def _write(output: Path | None, text: str) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        write_atomic(output, text)
    except OutputError as exc:
        _fail(str(exc))


db_option = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=str(DEFAULT_DB),
    show_default=True,
    help="Results database (SQLite).",
)


def platform_options(function: Callable[..., None]) -> Callable[..., None]:
    """``--github-org``, ``--gitlab-group`` and the listing filters of ``keyguard batch``."""
    options = [
        click.option(
            "--github-org",
            metavar="ORG",
            help="Scan the repositories of this GitHub organisation (token: GITHUB_TOKEN or GH_TOKEN).",
        ),
        click.option(
            "--github-user", metavar="USER", help="Scan the repositories of this GitHub user."
        ),
        click.option(
            "--gitlab-group",
            metavar="GROUP",
            help="Scan the projects of this GitLab group and its subgroups (token: GITLAB_TOKEN).",
        ),
        click.option(
            "--github-api-url",
            default=GITHUB_API,
            show_default=True,
            help="GitHub API base URL (GitHub Enterprise Server: https://HOST/api/v3).",
        ),
        click.option(
            "--gitlab-url",
            default=GITLAB_URL,
            show_default=True,
            help="GitLab base URL (self-managed: https://HOST).",
        ),
        click.option("--include-archived", is_flag=True, help="Also scan archived repositories."),
        click.option("--include-forks", is_flag=True, help="Also scan forks."),
        click.option(
            "--topic",
            "topics",
            multiple=True,
            help="Only repositories with this topic (repeatable: any of them).",
        ),
        click.option(
            "--language",
            "languages",
            multiple=True,
            help="Only repositories whose main language is this (repeatable).",
        ),
        click.option(
            "--include",
            "include_globs",
            multiple=True,
            metavar="GLOB",
            help="Only repositories whose name (or org/name) matches (repeatable).",
        ),
        click.option(
            "--exclude",
            "exclude_globs",
            multiple=True,
            metavar="GLOB",
            help="Skip repositories whose name (or org/name) matches (repeatable).",
        ),
        click.option(
            "--visibility",
            type=click.Choice(["all", "public", "private", "internal"]),
            default="all",
            show_default=True,
            help="Only repositories of this visibility.",
        ),
        click.option(
            "--rate-limit-wait",
            type=click.FloatRange(min=0),
            default=900,
            show_default=True,
            help="Longest wait (seconds) for an API rate-limit reset before giving up.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.command(epilog=BATCH_EPILOG)
@click.argument("repos", nargs=-1)
@platform_options
@config_option(
    "Policy for every repository. Default: keyguard.toml found from the current folder "
    "upward, else the built-in standard. A scanned repository's own policy file is never used."
)
@db_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".keyguard/out",
    show_default=True,
    help="Folder for SARIF logs, the summary and the CBOM.",
)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".keyguard/work",
    show_default=True,
    help="Folder for clones of URL repositories.",
)
@jobs_option("Repositories scanned in parallel (one process each).")
@click.option(
    "--repo-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=1800,
    show_default=True,
    help="Seconds allowed per repository (clone and scan); a slower one is reported as failed.",
)
@click.option("--force", is_flag=True, help="Rescan repositories already scanned at their HEAD.")
@click.option("--shard", help="Scan only shard K of N (e.g. 2/4), split by a stable hash.")
@click.option(
    "--dask-scheduler",
    metavar="ADDRESS",
    help="Run the per-repository scans on this Dask distributed scheduler.",
)
@click.option("--label", help="Name of this batch run in the trend (CI shards share one).")
@click.option("--no-semgrep", is_flag=True, help="Do not run Semgrep in the repositories.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "note", "never"]),
    default="never",
    show_default=True,
    help="Also exit 1 when an active finding is at or above this level.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(SUMMARY_FORMATS),
    default="text",
    show_default=True,
    help="Summary printed at the end.",
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar (default: on a terminal)."
)
def batch_command(
    repos: tuple[str, ...],
    config: Path | None,
    db: Path,
    out_dir: Path,
    workdir: Path,
    jobs: int,
    repo_timeout: float,
    force: bool,
    shard: str | None,
    dask_scheduler: str | None,
    label: str | None,
    no_semgrep: bool,
    fail_on: str,
    fmt: str,
    progress: bool | None,
    **platform: Any,
) -> None:
    """Scan many repositories: paths, git URLs, list files, folders of checkouts, or every
    repository of a GitHub organisation or user or a GitLab group."""
    from analyzer.org.run import BatchSettings

    policy = policy_for(config, Path.cwd())
    specs, listing, auth = _batch_specs(repos, platform, shard)
    settings = BatchSettings(
        workdir=workdir,
        jobs=jobs,
        timeout=repo_timeout,
        force=force,
        semgrep=not no_semgrep,
        command_line=shlex.join(["keyguard", *sys.argv[1:]]),
        label=label,
        dask_scheduler=dask_scheduler,
        progress=sys.stderr.isatty() if progress is None else progress,
        auth=auth,
    )
    result, summary = _run_and_write(specs, policy, settings, listing, db, out_dir)
    _print_summary(summary, fmt)
    click.echo(
        f"keyguard batch: {result.count('scanned')} scanned, {result.count('skipped')} skipped, "
        f"{result.count('failed')} failed; results in {db} and {out_dir}/",
        err=True,
    )
    failed = result.count("failed") > 0
    sys.exit(exitcodes.FINDINGS if failed or _reached(summary, fail_on) else exitcodes.OK)


def _batch_specs(
    repos: tuple[str, ...], platform: dict[str, Any], shard: str | None
) -> tuple[list[RepoSpec], list[ListingRow] | None, GitAuth | None]:
    """The repositories to scan (named, then listed by a platform, then this shard's part), the
    platform's listing and the credentials its clones need."""
    from analyzer.org import repos as repo_list

    source = _platform_source(platform)
    if not repos and source is None:
        _fail("batch needs repositories, --github-org, --github-user or --gitlab-group")
    specs = repo_list.expand(list(repos))
    listing, auth = None, None
    if source is not None:
        enumerated = _enumerate(source, platform)
        listing, auth = enumerated.rows, source.auth()
        known = {s.identity for s in specs}
        specs += [s for s in enumerated.specs if s.identity not in known]
    if shard:
        try:
            k, n = repo_list.parse_shard(shard)
        except ValueError as exc:
            _fail(f"--shard: {exc}")
        specs = repo_list.shard(specs, k, n)
    return specs, listing, auth


def _run_and_write(
    specs: list[RepoSpec],
    policy: Policy,
    settings: BatchSettings,
    listing: list[ListingRow] | None,
    db: Path,
    out_dir: Path,
) -> tuple[BatchResult, dict[str, Any]]:
    """Scan into the history at ``db``, then write the batch's files; returns the result and the
    summary."""
    from analyzer.org.outputs import write_inventory, write_outputs
    from analyzer.org.run import run_batch

    history = _open(db, create=True)
    try:
        result = run_batch(
            specs, policy, history, settings, lambda line: click.echo(line, err=True), listing
        )
        summary = write_outputs(history, specs, out_dir)
        write_inventory(history, specs, out_dir)
    except OutputError as exc:
        _fail(str(exc))
        raise  # unreachable
    finally:
        history.close()
    return result, summary


def _print_summary(summary: dict[str, Any], fmt: str) -> None:
    from analyzer.reporters import summary as summary_reporter

    renderers = {
        "text": summary_reporter.render_text,
        "csv": summary_reporter.render_csv,
        "json": summary_reporter.render_json,
    }
    click.echo(renderers[fmt](summary), nl=False)


def _reached(summary: dict[str, Any], fail_on: str) -> bool:
    """Whether an active finding is at or above ``--fail-on``."""
    if fail_on == "never":
        return False
    levels = ("error", "warning", "note")
    by_level = summary["totals"]["by_level"]
    return any(by_level.get(level, 0) for level in levels[: levels.index(fail_on) + 1])


def _platform_source(options: dict[str, Any]) -> PlatformSource | None:
    """The one platform owner named on the command line, if any."""
    from analyzer.org.platforms import PlatformSource

    named = [
        PlatformSource(platform, kind, options[key], options[url])
        for key, platform, kind, url in (
            ("github_org", "github", "org", "github_api_url"),
            ("github_user", "github", "user", "github_api_url"),
            ("gitlab_group", "gitlab", "group", "gitlab_url"),
        )
        if options.get(key)
    ]
    if len(named) > 1:
        _fail("give one of --github-org, --github-user, --gitlab-group per batch")
    return named[0] if named else None


def _enumerate(source: PlatformSource, options: dict[str, Any]) -> Enumerated:
    """List the platform's repositories and apply the filters; a listing error exits 2."""
    from analyzer.org.listing import ApiPatience, ListingError, RepoFilter
    from analyzer.org.platforms import enumerate_repos

    filt = RepoFilter(
        include_archived=options["include_archived"],
        include_forks=options["include_forks"],
        topics=tuple(options["topics"]),
        languages=tuple(options["languages"]),
        include=tuple(options["include_globs"]),
        exclude=tuple(options["exclude_globs"]),
        visibility=options["visibility"],
    )
    patience = ApiPatience(
        max_wait=options["rate_limit_wait"], echo=lambda line: click.echo(line, err=True)
    )
    try:
        enumerated = enumerate_repos(source, filt, patience)
    except ListingError as exc:
        _fail(str(exc))
        raise  # unreachable
    excluded = sum(1 for r in enumerated.rows if not r.selected)
    click.echo(
        f"keyguard batch: {source.label} lists {len(enumerated.rows)} repositories; "
        f"{len(enumerated.specs)} to scan, {excluded} excluded",
        err=True,
    )
    for row in enumerated.rows:
        if not row.selected:
            click.echo(f"excluded {row.name}: {row.reason}", err=True)
    return enumerated


@click.command()
@db_option
@click.option("--since", help="Show findings new and fixed since DATE (YYYY-MM-DD or ISO time).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(SUMMARY_FORMATS),
    default="text",
    show_default=True,
)
@click.option(
    "--html",
    "html_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the assessor's evidence report (one self-contained HTML page) to this file.",
)
@click.option(
    "--oscal",
    "oscal_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the evidence as an OSCAL assessment-results document (JSON) to this file.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
def report_command(
    db: Path,
    since: str | None,
    fmt: str,
    html_out: Path | None,
    oscal_out: Path | None,
    output: Path | None,
) -> None:
    """Summaries and changes from the results database; the HTML and OSCAL evidence."""
    from analyzer.org.latest import collect
    from analyzer.reporters import summary as summary_reporter

    history = _open(db, create=False)
    try:
        if oscal_out is not None:
            _write_oscal(history, oscal_out)
            if html_out is None and since is None and output is None:
                return
        from analyzer.org.portable import portable_summaries

        items = portable_summaries(history, collect(history))
        summary = summary_reporter.summary_dict(items, history.last_policy())
        if html_out is not None:
            from analyzer.org.portable import portable_inventory
            from analyzer.reporters.html import render_html

            inventory, stores = portable_inventory(history)
            page = render_html(summary, history.last_policy(), history.trend(), inventory, stores)
            try:
                write_atomic(html_out, page)
            except OutputError as exc:
                _fail(str(exc))
            click.echo(f"keyguard report: wrote {html_out}", err=True)
            if since is None and output is None:
                return
        if since is not None:
            try:
                moment = parse_since(since)
            except ValueError as exc:
                _fail(f"--since: {exc}")
            from analyzer.reporters.changes import render_changes

            _write(output, render_changes(history.changes_since(moment), moment, fmt))
        else:
            from analyzer.reporters.listing import render_not_scanned

            not_scanned = history.not_scanned()
            if fmt == "json":
                summary["not_scanned"] = not_scanned
            renderers = {
                "text": lambda s: summary_reporter.render_text(s) + render_not_scanned(not_scanned),
                "csv": summary_reporter.render_csv,
                "json": summary_reporter.render_json,
            }
            _write(output, renderers[fmt](summary))
    finally:
        history.close()


def _write_oscal(history: History, path: Path) -> None:
    from analyzer.org.evidence import batches_evidence
    from analyzer.reporters.oscal import OscalUnavailable, render_oscal

    try:
        text = render_oscal(batches_evidence(history))
    except (OscalUnavailable, ValueError) as exc:
        _fail(str(exc))
    try:
        write_atomic(path, text)
    except OutputError as exc:
        _fail(str(exc))
    click.echo(f"keyguard report: wrote {path} (OSCAL assessment-results)", err=True)


@click.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "cbom"]),
    default="text",
    show_default=True,
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@config_option()
@click.option("--no-semgrep", is_flag=True, help="Do not run Semgrep.")
def inventory_command(
    path: Path, fmt: str, output: Path | None, config: Path | None, no_semgrep: bool
) -> None:
    """Every key of one repository and the data stores it protects: a text table, JSON or a
    CycloneDX 1.6 CBOM. Paths are relative to the repository root."""
    from analyzer.pipeline.run import ScanOptions, scan
    from analyzer.reporters.inventory_report import render_inventory

    root = path.absolute()
    policy = policy_for(config, root)
    report = scan([root], root, policy, ScanOptions(without=("semgrep",) if no_semgrep else ()))
    _write(output, render_inventory(report, fmt))
    for note in report.notifications:
        click.echo(f"keyguard: note: {note.message}", err=True)


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Merge every input database into this one (created if missing).",
)
@click.option(
    "--sarif",
    "sarif_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write one SARIF log holding every run of the input SARIF logs.",
)
def merge_command(inputs: tuple[Path, ...], db: Path | None, sarif_out: Path | None) -> None:
    """Combine CI shards: results databases (*.sqlite) and SARIF logs (*.sarif, *.json)."""
    from analyzer.org.outputs import combine_sarif

    databases = [p for p in inputs if p.suffix in {".sqlite", ".db", ".sqlite3"}]
    logs = [p for p in inputs if p not in databases]
    if databases and db is None:
        _fail("merging databases needs --db OUT.sqlite")
    if logs and sarif_out is None:
        _fail("merging SARIF logs needs --sarif OUT.sarif")
    if db is not None:
        target = _open(db, create=True)
        try:
            for source in databases:
                try:
                    batches, scans = target.merge_from(source)
                except HistoryError as exc:
                    _fail(str(exc))
                click.echo(f"merged {source}: {batches} batches, {scans} scans", err=True)
        finally:
            target.close()
    if sarif_out is not None:
        texts = [p.read_text(encoding="utf-8") for p in logs]
        _write(sarif_out, combine_sarif(texts))
        click.echo(f"merged {len(logs)} SARIF logs into {sarif_out}", err=True)
