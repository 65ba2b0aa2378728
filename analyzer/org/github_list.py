"""List an organisation's or a user's repositories through the GitHub REST API (PyGithub), with
GitHub Enterprise Server base URLs, pagination, rate-limit waits and 5xx retries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from analyzer.org.listing import (
    ApiPatience,
    ListedRepo,
    ListingError,
    Retry,
    header_float,
    patient,
    wait_for_reset,
)

GITHUB_API = "https://api.github.com"
EXTRA_HINT = "pip install 'keyguard[org]'"


def _client(token: str | None, api_url: str) -> Any:
    try:
        import github
    except ImportError as exc:
        raise ListingError(f"--github-org/--github-user need PyGithub: {EXTRA_HINT}") from exc
    auth = github.Auth.Token(token) if token else None
    # No built-in retry or throttle: they sleep with time.sleep; ApiPatience decides instead.
    return github.Github(
        auth=auth,
        base_url=api_url.rstrip("/"),
        per_page=100,
        retry=None,
        seconds_between_requests=None,
        seconds_between_writes=None,
        timeout=30,
        lazy=True,  # the organisation or user is not fetched: its repository list says 404 or 401
    )


def _classify(patience: ApiPatience) -> Any:
    import github

    def classify(exc: BaseException) -> Retry | None:
        if not isinstance(exc, github.GithubException):
            return None
        headers = exc.headers or {}
        if exc.status in (403, 429):
            remaining = header_float(headers, "x-ratelimit-remaining")
            retry_after = header_float(headers, "retry-after")
            if remaining == 0 or retry_after is not None or exc.status == 429:
                wait = wait_for_reset(
                    header_float(headers, "x-ratelimit-reset"), retry_after, patience.clock()
                )
                return Retry(wait, f"HTTP {exc.status}", rate_limit=True)
            return None
        if exc.status is not None and exc.status >= 500:
            return Retry(patience.backoff, f"HTTP {exc.status}", rate_limit=False)
        return None

    return classify


def list_github(
    owner: str,
    kind: str,
    token: str | None,
    api_url: str = GITHUB_API,
    patience: ApiPatience | None = None,
) -> list[ListedRepo]:
    """Every repository of organisation (``kind="org"``) or user (``kind="user"``) ``owner``."""
    patience = patience or ApiPatience()
    client = _client(token, api_url)
    import github

    state: dict[str, Any] = {}

    def pages() -> Iterable[Any]:
        if "list" not in state:
            if kind == "org":
                state["list"] = client.get_organization(owner).get_repos(type="all")
            else:
                state["list"] = client.get_user(owner).get_repos(type="owner")
        return state["list"]

    try:
        return [
            _listed(repo)
            for repo in patient(
                pages, lambda r: r.full_name, _classify(patience), patience, "GitHub"
            )
        ]
    except github.BadCredentialsException:
        raise ListingError(
            f"GitHub at {api_url} rejected the token (401 Bad credentials): check GITHUB_TOKEN "
            "or GH_TOKEN"
        ) from None
    except github.UnknownObjectException:
        what = "organisation" if kind == "org" else "user"
        raise ListingError(
            f"GitHub at {api_url} has no {what} {owner!r} visible to this token (404)"
        ) from None
    except github.GithubException as exc:
        message = (exc.data or {}).get("message") if isinstance(exc.data, dict) else None
        raise ListingError(
            f"GitHub at {api_url} refused to list {owner!r}: HTTP {exc.status} {message or ''}"
        ) from None


def _listed(repo: Any) -> ListedRepo:
    """Attributes a listing page always carries (reading others would fetch each repository)."""
    return ListedRepo(
        name=repo.full_name,
        clone_url=repo.clone_url,
        archived=bool(repo.archived),
        fork=bool(repo.fork),
        visibility=repo.visibility or ("private" if repo.private else "public"),
        topics=tuple(repo.topics or ()),
        language=repo.language,
    )
