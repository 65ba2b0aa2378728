"""``keyguard cache info|clean``: where the result cache is, how big it is, and emptying it."""

from __future__ import annotations

from pathlib import Path

import click

from analyzer.pipeline.cache import clean, default_cache_dir, usage

_CACHE_DIR = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The cache folder (default: $KEYGUARD_CACHE_DIR, else the user's cache folder).",
)


@click.group("cache")
def cache_group() -> None:
    """The result cache: kept in your cache folder, one folder per scan root."""


@cache_group.command("info")
@_CACHE_DIR
def info_command(cache_dir: Path | None) -> None:
    """Where the cache is and what it holds."""
    base = cache_dir or default_cache_dir()
    roots, entries, size = usage(base)
    click.echo(f"cache folder: {base}")
    click.echo(f"{roots} scan root(s), {entries:,} entries, {size / 1e6:,.1f} MB")


@cache_group.command("clean")
@_CACHE_DIR
def clean_command(cache_dir: Path | None) -> None:
    """Remove every cached result (the next scan of each tree is a cold one)."""
    base = cache_dir or default_cache_dir()
    removed = clean(base)
    click.echo(f"removed the cached results of {removed} scan root(s) from {base}")
