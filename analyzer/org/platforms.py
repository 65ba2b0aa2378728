"""From ``--github-org``/``--github-user``/``--gitlab-group`` to the batch's repositories: list
through the platform's API, apply the filters, and keep the listing (scanned or excluded, why)."""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.org.gitauth import GITHUB_USER, GITLAB_USER, GitAuth, token_from_env
from analyzer.org.history import ListingRow
from analyzer.org.listing import ApiPatience, ListedRepo, RepoFilter
from analyzer.org.repos import RepoSpec

GITHUB_TOKEN_VARS = ("GITHUB_TOKEN", "GH_TOKEN")
GITLAB_TOKEN_VARS = ("GITLAB_TOKEN",)


@dataclass(frozen=True)
class PlatformSource:
    """One owner on one platform: a GitHub organisation or user, or a GitLab group."""

    platform: str  # "github" | "gitlab"
    kind: str  # "org" | "user" | "group"
    owner: str
    api_url: str

    @property
    def label(self) -> str:
        return f"{self.platform}:{self.owner}"

    def token(self) -> str | None:
        names = GITHUB_TOKEN_VARS if self.platform == "github" else GITLAB_TOKEN_VARS
        return token_from_env(*names)

    def auth(self) -> GitAuth | None:
        token = self.token()
        if token is None:
            return None
        return GitAuth(GITHUB_USER if self.platform == "github" else GITLAB_USER, token)


@dataclass
class Enumerated:
    """The repositories to scan and the full listing, as recorded in the history."""

    specs: list[RepoSpec]
    rows: list[ListingRow]


def list_source(
    source: PlatformSource, filt: RepoFilter, patience: ApiPatience
) -> list[ListedRepo]:
    """Every repository the platform lists for ``source`` (raises ``ListingError``)."""
    if source.platform == "github":
        from analyzer.org.github_list import list_github

        return list_github(source.owner, source.kind, source.token(), source.api_url, patience)
    from analyzer.org.gitlab_list import list_gitlab

    return list_gitlab(
        source.owner, source.token(), source.api_url, patience, with_language=bool(filt.languages)
    )


def enumerate_repos(source: PlatformSource, filt: RepoFilter, patience: ApiPatience) -> Enumerated:
    """List ``source`` and split its repositories into those to scan and those excluded."""
    specs: list[RepoSpec] = []
    rows: list[ListingRow] = []
    for repo in sorted(list_source(source, filt, patience), key=lambda r: r.name):
        spec = RepoSpec(repo.clone_url, is_url=True)
        reason = filt.reason_to_skip(repo)
        rows.append(
            ListingRow(
                source.platform,
                source.owner,
                repo.name,
                spec.identity,
                reason is None,
                reason or "",
            )
        )
        if reason is None:
            specs.append(spec)
    return Enumerated(specs, rows)
