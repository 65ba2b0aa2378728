"""Repositories listed by a hosting platform (GitHub, GitLab), the filters that pick the ones to
scan, and the retry rules for the platform's API (rate-limit waits, 5xx retries) in one place."""

from __future__ import annotations

import datetime as dt
import fnmatch
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")
Echo = Callable[[str], None]


class ListingError(Exception):
    """The platform could not list the repositories (bad token, unknown owner, rate limit...)."""


@dataclass(frozen=True)
class ListedRepo:
    """One repository as the platform lists it."""

    name: str  # "org/repo" (GitHub full_name, GitLab path_with_namespace)
    clone_url: str  # HTTPS (or, in tests, file://) URL without credentials
    archived: bool = False
    fork: bool = False
    visibility: str = "public"
    topics: tuple[str, ...] = ()
    language: str | None = None


@dataclass(frozen=True)
class RepoFilter:
    """Which listed repositories to scan; archived repositories and forks are skipped unless asked."""

    include_archived: bool = False
    include_forks: bool = False
    topics: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    visibility: str = "all"

    def reason_to_skip(self, repo: ListedRepo, language: str | None = None) -> str | None:
        """Why ``repo`` is not scanned, or None when it is. ``language`` overrides the listed one."""
        short = repo.name.rsplit("/", 1)[-1]
        if repo.archived and not self.include_archived:
            return "archived (--include-archived to scan)"
        if repo.fork and not self.include_forks:
            return "fork (--include-forks to scan)"
        if self.visibility != "all" and repo.visibility != self.visibility:
            return f"visibility {repo.visibility} (not {self.visibility})"
        if self.include and not any(_glob(repo.name, short, g) for g in self.include):
            return f"name matches no --include ({', '.join(self.include)})"
        hit = next((g for g in self.exclude if _glob(repo.name, short, g)), None)
        if hit is not None:
            return f"name matches --exclude {hit}"
        if self.topics and not {t.lower() for t in self.topics} & {t.lower() for t in repo.topics}:
            return f"no topic {', '.join(self.topics)}"
        if self.languages:
            lang = language if language is not None else repo.language
            if (lang or "").lower() not in {x.lower() for x in self.languages}:
                return f"language {lang or 'unknown'} (not {', '.join(self.languages)})"
        return None


def _glob(full: str, short: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(full, pattern) or fnmatch.fnmatchcase(short, pattern)


def _sleep(seconds: float) -> None:
    """The real wait (a module function, so that a test can replace it)."""
    time.sleep(seconds)


@dataclass
class ApiPatience:
    """How long to wait for a platform API: the bound on a rate-limit wait and the 5xx retries.

    ``sleep`` and ``clock`` are injectable so that tests never wait.
    """

    max_wait: float = 900.0
    server_retries: int = 3
    backoff: float = 2.0
    sleep: Callable[[float], None] = field(default=lambda seconds: _sleep(seconds))
    clock: Callable[[], float] = field(default=lambda: time.time())
    echo: Echo = field(default=lambda _line: None)


@dataclass(frozen=True)
class Retry:
    """What to do about a failed API request: wait ``seconds`` and try again."""

    seconds: float
    why: str
    rate_limit: bool


def wait_for_reset(reset_epoch: float | None, retry_after: float | None, clock: float) -> float:
    """Seconds until the reset the API announced (Retry-After wins), at least one."""
    if retry_after is not None:
        return max(1.0, retry_after)
    if reset_epoch is not None:
        return max(1.0, reset_epoch - clock + 1)
    return 60.0


def patient(
    pages: Callable[[], Iterable[T]],
    key: Callable[[T], str],
    classify: Callable[[BaseException], Retry | None],
    patience: ApiPatience,
    platform: str,
) -> Iterator[T]:
    """Iterate a paginated listing; on a rate limit or a 5xx, wait and resume where it stopped.

    ``pages()`` returns the (resumable) iterable; items already yielded are not yielded again.
    ``classify`` turns an exception into a :class:`Retry` or None (not retryable: re-raised).
    """
    seen: set[str] = set()
    server_failures = 0
    while True:
        try:
            for item in pages():
                name = key(item)
                if name not in seen:
                    seen.add(name)
                    yield item
            return
        except Exception as exc:
            retry = classify(exc)
            if retry is None:
                raise
            if retry.rate_limit:
                if retry.seconds > patience.max_wait:
                    raise ListingError(
                        f"{platform} rate limit reached; the API resets in {retry.seconds:.0f}s, "
                        f"longer than --rate-limit-wait {patience.max_wait:.0f}s"
                    ) from None
                until = dt.datetime.fromtimestamp(patience.clock() + retry.seconds, dt.UTC)
                patience.echo(
                    f"keyguard: {platform} rate limit reached ({retry.why}); waiting "
                    f"{retry.seconds:.0f}s until {until:%H:%M:%S} UTC, as the API announced"
                )
            else:
                server_failures += 1
                if server_failures > patience.server_retries:
                    raise ListingError(
                        f"{platform} API failed {server_failures} times ({retry.why}); giving up"
                    ) from None
                patience.echo(
                    f"keyguard: {platform} API error ({retry.why}); retrying in "
                    f"{retry.seconds:.0f}s ({server_failures}/{patience.server_retries})"
                )
            patience.sleep(retry.seconds)


def header_float(headers: dict[str, str] | None, name: str) -> float | None:
    """A numeric response header, looked up case-insensitively."""
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None
