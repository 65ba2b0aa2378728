"""List a GitLab group's projects (subgroups included) through the REST API (python-gitlab), on
gitlab.com or a self-managed instance, with pagination, rate-limit waits and 5xx retries."""

from __future__ import annotations

import dataclasses
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

GITLAB_URL = "https://gitlab.com"
EXTRA_HINT = "pip install 'keyguard[org]'"


def _client(token: str | None, url: str) -> tuple[Any, dict[str, Any]]:
    """A python-gitlab client that keeps the last response's headers (for the rate-limit reset)."""
    try:
        import gitlab
        import requests
    except ImportError as exc:
        raise ListingError(f"--gitlab-group needs python-gitlab: {EXTRA_HINT}") from exc
    last: dict[str, Any] = {"headers": {}}
    session = requests.Session()

    def keep(response: Any, *_args: Any, **_kwargs: Any) -> Any:
        last["headers"] = dict(response.headers)
        return response

    session.hooks["response"].append(keep)
    client = gitlab.Gitlab(
        url.rstrip("/"),
        private_token=token or None,
        per_page=100,
        timeout=30,
        retry_transient_errors=False,
        session=session,
    )
    return client, last


def list_gitlab(
    group: str,
    token: str | None,
    url: str = GITLAB_URL,
    patience: ApiPatience | None = None,
    with_language: bool = False,
) -> list[ListedRepo]:
    """Every project of ``group`` and its subgroups; ``with_language`` asks each project's main
    language (GitLab's listing has none; one more request per project, so only for --language)."""
    patience = patience or ApiPatience()
    client, last = _client(token, url)
    import gitlab

    state: dict[str, Any] = {}

    def pages() -> Iterable[Any]:
        if "list" not in state:
            state["list"] = client.groups.get(group, lazy=True).projects.list(
                iterator=True, include_subgroups=True, obey_rate_limit=False, order_by="path"
            )
        return state["list"]

    def classify(exc: BaseException) -> Retry | None:
        code = getattr(exc, "response_code", None)
        if not isinstance(exc, gitlab.GitlabError) or code is None:
            return None
        if code == 429:
            headers = last["headers"]
            wait = wait_for_reset(
                header_float(headers, "ratelimit-reset"),
                header_float(headers, "retry-after"),
                patience.clock(),
            )
            return Retry(wait, "HTTP 429", rate_limit=True)
        if code >= 500:
            return Retry(patience.backoff, f"HTTP {code}", rate_limit=False)
        return None

    try:
        listed = [
            _listed(p)
            for p in patient(pages, lambda p: p.path_with_namespace, classify, patience, "GitLab")
        ]
        if with_language:
            listed = [_with_language(client, repo) for repo in listed]
        return listed
    except gitlab.GitlabAuthenticationError:
        raise ListingError(
            f"GitLab at {url} rejected the token (401 Unauthorized): check GITLAB_TOKEN"
        ) from None
    except gitlab.GitlabError as exc:
        code = getattr(exc, "response_code", None)
        if code == 401:
            raise ListingError(
                f"GitLab at {url} rejected the token (401 Unauthorized): check GITLAB_TOKEN"
            ) from None
        if code == 404:
            raise ListingError(
                f"GitLab at {url} has no group {group!r} visible to this token (404)"
            ) from None
        raise ListingError(f"GitLab at {url} refused to list {group!r}: HTTP {code}") from None


def _with_language(client: Any, repo: ListedRepo) -> ListedRepo:
    """``repo`` with its main language (largest share in GitLab's languages endpoint)."""
    shares: dict[str, float] = client.projects.get(repo.name, lazy=True).languages()
    main = max(shares, key=lambda k: shares[k]) if shares else None
    return dataclasses.replace(repo, language=main)


def _listed(project: Any) -> ListedRepo:
    data: dict[str, Any] = project.attributes
    return ListedRepo(
        name=data["path_with_namespace"],
        clone_url=data["http_url_to_repo"],
        archived=bool(data.get("archived")),
        fork="forked_from_project" in data and data["forked_from_project"] is not None,
        visibility=data.get("visibility") or "private",
        topics=tuple(data.get("topics") or data.get("tag_list") or ()),
        language=None,
    )
