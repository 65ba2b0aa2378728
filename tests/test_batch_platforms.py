"""``keyguard batch --github-org/--github-user/--gitlab-group`` against a replay of the platforms'
REST APIs on 127.0.0.1: pagination, filters, a rate limit, a 500, a 401, a 404; clones of local
bare repositories; the token only ever in the environment of git, never in argv, output or files."""

from __future__ import annotations

import base64
import json
import os
import shutil
import sqlite3
import stat
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from analyzer.cli import main
from analyzer.org import listing
from analyzer.org.github_list import list_github
from analyzer.org.gitlab_list import list_gitlab
from analyzer.org.listing import ApiPatience, ListingError, RepoFilter
from tests.gitrepos import STRONG_RSA, WEAK_RSA, bare_copy, make_repo

TOKEN = "ghp_KeyguardTestToken0123456789abcdefXYZ"
GL_TOKEN = "glpat-KeyguardTestToken0123456789"


def _secret_forms(token: str, user: str) -> list[str]:
    basic = base64.b64encode(f"{user}:{token}".encode()).decode()
    return [token, basic]


class Sleeps:
    """An injected sleep that records each wait instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def _gh_repo(name: str, url: str, **extra: Any) -> dict[str, Any]:
    """A repository object as GitHub's /orgs/{org}/repos lists it (the fields keyguard reads)."""
    data = {
        "id": abs(hash(name)) % 10_000_000,
        "name": name,
        "full_name": f"acme/{name}",
        "private": False,
        "visibility": "public",
        "fork": False,
        "archived": False,
        "disabled": False,
        "topics": [],
        "language": "Python",
        "default_branch": "main",
        "clone_url": url,
        "html_url": f"https://github.example/acme/{name}",
        "url": f"https://api.github.example/repos/acme/{name}",
    }
    data.update(extra)
    return data


@pytest.fixture
def bare_repos(tmp_path: Path) -> dict[str, str]:
    """file:// URLs of local bare repositories standing in for the platform's HTTPS clone URLs."""
    work = tmp_path / "src"
    return {
        "app-one": bare_copy(
            make_repo(work / "app-one", {"keys.py": WEAK_RSA}), tmp_path / "b1.git"
        ),
        "app-two": bare_copy(
            make_repo(work / "app-two", {"ok.py": STRONG_RSA}), tmp_path / "b2.git"
        ),
        "old": bare_copy(make_repo(work / "old", {"k.py": WEAK_RSA}), tmp_path / "b3.git"),
        "missing": (tmp_path / "gone.git").as_uri(),
    }


class GitHubReplay:
    """/orgs/acme/repos in three pages; page 2 answers 500 once, then 403 rate-limited once."""

    def __init__(self, server: HTTPServer, urls: dict[str, str]) -> None:
        self.server = server
        self.auth: list[str | None] = []
        self.page2_calls = 0
        self.pages = {
            "1": [
                _gh_repo("app-one", urls["app-one"], topics=["payments"]),
                _gh_repo("archived-tool", urls["old"], archived=True),
                _gh_repo("forked-lib", urls["old"], fork=True),
            ],
            "2": [
                _gh_repo("app-two", urls["app-two"], topics=["payments", "web"]),
                _gh_repo("docs-site", urls["old"], language="HTML"),
            ],
            "3": [_gh_repo("broken", urls["missing"])],
        }

    def handler(self, request: Request) -> Response:
        self.auth.append(request.headers.get("Authorization"))
        page = request.args.get("page", "1")
        if page == "2":
            self.page2_calls += 1
            if self.page2_calls == 1:
                return Response(json.dumps({"message": "Server Error"}), 500)
            if self.page2_calls == 2:
                return Response(
                    json.dumps({"message": "API rate limit exceeded for user."}),
                    403,
                    headers={
                        "Content-Type": "application/json",
                        "X-RateLimit-Limit": "5000",
                        "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset": str(int(time.time()) + 42),
                        "X-RateLimit-Resource": "core",
                    },
                )
        base = self.server.url_for("/orgs/acme/repos")
        links = []
        if int(page) < 3:
            links.append(f'<{base}?type=all&per_page=100&page={int(page) + 1}>; rel="next"')
        links.append(f'<{base}?type=all&per_page=100&page=3>; rel="last"')
        return Response(
            json.dumps(self.pages[page]),
            200,
            headers={"Content-Type": "application/json", "Link": ", ".join(links)},
        )


@pytest.fixture
def github(httpserver: HTTPServer, bare_repos: dict[str, str]) -> GitHubReplay:
    replay = GitHubReplay(httpserver, bare_repos)
    httpserver.expect_request("/orgs/acme/repos").respond_with_handler(replay.handler)
    httpserver.expect_request("/users/someone/repos").respond_with_handler(replay.handler)
    httpserver.expect_request("/users/someone").respond_with_json(
        {"login": "someone", "id": 7, "type": "User", "url": httpserver.url_for("/users/someone")}
    )
    return replay


def test_github_pages_rate_limit_and_500(github: GitHubReplay, httpserver: HTTPServer) -> None:
    sleeps, lines = Sleeps(), []
    patience = ApiPatience(max_wait=120, sleep=sleeps, echo=lines.append)
    repos = list_github("acme", "org", TOKEN, httpserver.url_for("/"), patience)
    assert [r.name for r in repos] == [
        "acme/app-one",
        "acme/archived-tool",
        "acme/forked-lib",
        "acme/app-two",
        "acme/docs-site",
        "acme/broken",
    ]
    assert repos[1].archived and repos[2].fork and repos[0].topics == ("payments",)
    assert github.page2_calls == 3
    assert sleeps.waits[0] == patience.backoff  # the 500
    assert 30 <= sleeps.waits[1] <= 44  # the announced reset, not a guess
    assert any("rate limit reached" in line and "as the API announced" in line for line in lines)
    assert all(a == f"token {TOKEN}" for a in github.auth)


def test_github_rate_limit_beyond_the_bound_gives_up(
    github: GitHubReplay, httpserver: HTTPServer
) -> None:
    sleeps = Sleeps()
    with pytest.raises(
        ListingError, match=r"rate limit reached.*longer than --rate-limit-wait 10s"
    ):
        list_github(
            "acme", "org", TOKEN, httpserver.url_for("/"), ApiPatience(max_wait=10, sleep=sleeps)
        )
    assert sleeps.waits == [2.0]  # only the 500 was waited for


def test_github_bad_token_and_unknown_org(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/orgs/acme/repos").respond_with_json(
        {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}, 401
    )
    httpserver.expect_request("/orgs/nosuch/repos").respond_with_json(
        {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, 404
    )
    api = httpserver.url_for("/")
    with pytest.raises(ListingError, match=r"rejected the token \(401 Bad credentials\)") as bad:
        list_github("acme", "org", TOKEN, api, ApiPatience(sleep=Sleeps()))
    assert TOKEN not in str(bad.value)
    with pytest.raises(
        ListingError, match="no organisation 'nosuch' visible to this token \\(404\\)"
    ):
        list_github("nosuch", "org", TOKEN, api, ApiPatience(sleep=Sleeps()))


def test_server_errors_retried_then_given_up(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/orgs/acme/repos").respond_with_json({"message": "oops"}, 502)
    sleeps = Sleeps()
    with pytest.raises(ListingError, match="failed 4 times \\(HTTP 502\\); giving up"):
        list_github("acme", "org", None, httpserver.url_for("/"), ApiPatience(sleep=sleeps))
    assert sleeps.waits == [2.0, 2.0, 2.0]


def test_filters() -> None:
    repo = listing.ListedRepo(
        "acme/payments-api", "https://x/acme/payments-api.git", topics=("pci",), language="Go"
    )
    assert RepoFilter().reason_to_skip(repo) is None
    assert RepoFilter(topics=("web",)).reason_to_skip(repo) == "no topic web"
    assert RepoFilter(topics=("PCI",), languages=("go",)).reason_to_skip(repo) is None
    assert "language Go" in (RepoFilter(languages=("Python",)).reason_to_skip(repo) or "")
    assert RepoFilter(include=("payments-*",)).reason_to_skip(repo) is None
    assert RepoFilter(include=("acme/web*",)).reason_to_skip(repo) is not None
    assert RepoFilter(exclude=("*-api",)).reason_to_skip(repo) == "name matches --exclude *-api"
    assert (
        RepoFilter(visibility="private").reason_to_skip(repo) == "visibility public (not private)"
    )
    archived = listing.ListedRepo("acme/a", "u", archived=True, fork=True)
    assert RepoFilter().reason_to_skip(archived) == "archived (--include-archived to scan)"
    assert (
        RepoFilter(include_archived=True).reason_to_skip(archived)
        == "fork (--include-forks to scan)"
    )
    assert RepoFilter(include_archived=True, include_forks=True).reason_to_skip(archived) is None


class SpyGit:
    """The logs of the spy ``git``: one file per git process (argv, GIT_CONFIG_*, ``ps``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def calls(self) -> list[dict[str, str]]:
        out = []
        for path in sorted(self.folder.glob("call-*.log")):
            text = path.read_text()
            head, _, rest = text.partition("PS-BEGIN\n")
            lines = dict(line.split(":", 1) for line in head.splitlines() if ":" in line)
            out.append({**lines, "PS": rest.partition("PS-END")[0]})
        return out


@pytest.fixture
def spy_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SpyGit:
    """A ``git`` first on PATH that logs its argv, the GIT_CONFIG_* it got and ``ps`` output,
    then runs the real git: every git process of the batch, in this process or a worker."""
    real = shutil.which("git")
    assert real
    bindir = tmp_path / "spybin"
    logs = tmp_path / "spylogs"
    bindir.mkdir()
    logs.mkdir()
    script = bindir / "git"
    script.write_text(
        "#!/bin/sh\n"
        f"log='{logs}'/call-$$.log\n"
        "{ printf 'ARGV:'; printf ' %s' \"$@\"; echo;"
        ' echo "KEY:${GIT_CONFIG_KEY_0:-}"; echo "VAL:${GIT_CONFIG_VALUE_0:-}";'
        ' echo PS-BEGIN; ps -eo args; echo PS-END; } > "$log"\n'
        f"exec '{real}' \"$@\"\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    return SpyGit(logs)


def _everything_written(*roots: Path) -> str:
    text = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                text.append(path.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(text)


def _run_batch(tmp_path: Path, *args: str) -> Any:
    return CliRunner().invoke(
        main,
        [
            "batch",
            *args,
            "--db",
            str(tmp_path / "db" / "results.sqlite"),
            "--out",
            str(tmp_path / "out"),
            "--workdir",
            str(tmp_path / "work"),
            "--no-semgrep",
            "--no-progress",
            "--jobs",
            "2",
        ],
        catch_exceptions=False,
    )


def test_github_org_batch_end_to_end_and_the_token_never_leaks(
    github: GitHubReplay,
    httpserver: HTTPServer,
    tmp_path: Path,
    spy_git: SpyGit,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sleeps = Sleeps()
    monkeypatch.setattr(listing, "_sleep", sleeps)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    result = _run_batch(
        tmp_path,
        "--github-org",
        "acme",
        "--github-api-url",
        httpserver.url_for("/"),
        "--exclude",
        "docs-*",
    )
    output = result.stdout + result.stderr
    assert result.exit_code == 1, output  # "broken" cannot be cloned
    assert "github:acme lists 6 repositories; 3 to scan, 3 excluded" in output
    assert "excluded acme/archived-tool: archived (--include-archived to scan)" in output
    assert "excluded acme/forked-lib: fork (--include-forks to scan)" in output
    assert "excluded acme/docs-site: name matches --exclude docs-*" in output
    assert "GitHub rate limit reached" in output and len(sleeps.waits) == 2
    assert "2 scanned, 0 skipped, 1 failed" in output

    # The report names what was listed and not scanned, and why.
    db = tmp_path / "db" / "results.sqlite"
    report = CliRunner().invoke(main, ["report", "--db", str(db)], catch_exceptions=False)
    assert "Listed but not scanned (4):" in report.stdout
    for name, status in [
        ("acme/archived-tool", "excluded"),
        ("acme/forked-lib", "excluded"),
        ("acme/docs-site", "excluded"),
        ("acme/broken", "failed"),
    ]:
        line = next(x for x in report.stdout.splitlines() if x.strip().startswith(name))
        assert status in line and "[github:acme]" in line
    as_json = json.loads(
        CliRunner().invoke(main, ["report", "--db", str(db), "--format", "json"]).stdout
    )
    assert {r["repo"] for r in as_json["not_scanned"]} == {
        "acme/archived-tool",
        "acme/forked-lib",
        "acme/docs-site",
        "acme/broken",
    }

    # A merged database (CI shards) keeps the listing.
    merged = tmp_path / "merged.sqlite"
    assert CliRunner().invoke(main, ["merge", str(db), "--db", str(merged)]).exit_code == 0
    again = CliRunner().invoke(main, ["report", "--db", str(merged)]).stdout
    assert (
        again.split("Listed but not scanned")[1] == report.stdout.split("Listed but not scanned")[1]
    )

    # The token went to git through the environment, as a URL-scoped header ...
    calls = spy_git.calls()
    secrets = _secret_forms(TOKEN, "x-access-token")
    remote = [c for c in calls if " clone " in c["ARGV"] or " ls-remote " in c["ARGV"]]
    assert {" clone ", " ls-remote "} <= {
        w for c in remote for w in (" clone ", " ls-remote ") if w in c["ARGV"]
    }
    assert all(c["VAL"] == f"Authorization: Basic {secrets[1]}" for c in remote)
    assert all(c["KEY"] == "http.file:///.extraHeader" for c in remote)
    # ... and never in an argv (git's, or any process `ps` showed while git ran), output or file.
    with sqlite3.connect(db) as conn:
        dump = "\n".join(conn.iterdump())
    written = _everything_written(tmp_path / "db", tmp_path / "out", tmp_path / "work")
    for secret in secrets:
        assert all(secret not in c["ARGV"] and secret not in c["PS"] for c in calls)
        assert secret not in output + report.stdout
        assert secret not in written and secret not in dump
    sarif = list((tmp_path / "out").rglob("*.sarif"))
    assert sarif and all(TOKEN not in p.read_text() for p in sarif)


def test_github_user_and_errors_from_the_command(
    github: GitHubReplay, httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "_sleep", Sleeps())
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    result = _run_batch(
        tmp_path,
        "--github-user",
        "someone",
        "--github-api-url",
        httpserver.url_for("/"),
        "--topic",
        "payments",
    )
    assert "lists 6 repositories; 2 to scan, 4 excluded" in result.stderr
    assert "excluded acme/docs-site: no topic payments" in result.stderr
    assert result.exit_code == 0, result.stderr


def test_bad_token_from_the_command(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request("/orgs/acme/repos").respond_with_json(
        {"message": "Bad credentials"}, 401
    )
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    result = _run_batch(
        tmp_path, "--github-org", "acme", "--github-api-url", httpserver.url_for("/")
    )
    assert result.exit_code == 2
    assert "rejected the token (401 Bad credentials): check GITHUB_TOKEN" in result.stderr
    assert TOKEN not in result.stdout + result.stderr
    assert CliRunner().invoke(main, ["batch", "--no-progress"]).exit_code == 2


class GitLabReplay:
    """/api/v4/groups/acme/projects in two pages; page 2 answers 429 once, then 500 once."""

    def __init__(self, server: HTTPServer, urls: dict[str, str]) -> None:
        self.server = server
        self.tokens: list[str | None] = []
        self.page2_calls = 0

        def project(pid: int, name: str, url: str, **extra: Any) -> dict[str, Any]:
            data = {
                "id": pid,
                "name": name,
                "path": name,
                "path_with_namespace": f"acme/{name}",
                "http_url_to_repo": url,
                "archived": False,
                "visibility": "private",
                "topics": [],
                "default_branch": "main",
            }
            data.update(extra)
            return data

        self.pages = {
            "1": [
                project(1, "app-one", urls["app-one"]),
                project(2, "legacy", urls["old"], archived=True),
            ],
            "2": [
                project(3, "app-two", urls["app-two"]),
                project(4, "mirror", urls["old"], forked_from_project={"id": 99}),
            ],
        }

    def handler(self, request: Request) -> Response:
        self.tokens.append(request.headers.get("PRIVATE-TOKEN"))
        page = request.args.get("page", "1")
        if page == "2":
            self.page2_calls += 1
            if self.page2_calls == 1:
                return Response(
                    json.dumps({"message": "Retry later"}),
                    429,
                    headers={
                        "Content-Type": "application/json",
                        "RateLimit-Remaining": "0",
                        "RateLimit-Reset": str(int(time.time()) + 20),
                    },
                )
            if self.page2_calls == 2:
                return Response(json.dumps({"message": "500 Internal Server Error"}), 500)
        headers = {"Content-Type": "application/json", "X-Page": page, "X-Per-Page": "100"}
        if page == "1":
            nxt = self.server.url_for("/api/v4/groups/acme/projects")
            headers["Link"] = f'<{nxt}?include_subgroups=true&page=2&per_page=100>; rel="next"'
            headers["X-Next-Page"] = "2"
        return Response(json.dumps(self.pages[page]), 200, headers=headers)


def test_gitlab_group_batch(
    httpserver: HTTPServer,
    bare_repos: dict[str, str],
    tmp_path: Path,
    spy_git: SpyGit,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    replay = GitLabReplay(httpserver, bare_repos)
    httpserver.expect_request("/api/v4/groups/acme/projects").respond_with_handler(replay.handler)
    sleeps = Sleeps()
    monkeypatch.setattr(listing, "_sleep", sleeps)
    monkeypatch.setenv("GITLAB_TOKEN", GL_TOKEN)
    result = _run_batch(
        tmp_path, "--gitlab-group", "acme", "--gitlab-url", httpserver.url_for("/").rstrip("/")
    )
    output = result.stdout + result.stderr
    assert result.exit_code == 0, output
    assert "gitlab:acme lists 4 repositories; 2 to scan, 2 excluded" in output
    assert "excluded acme/legacy: archived" in output and "excluded acme/mirror: fork" in output
    assert "GitLab rate limit reached" in output and "GitLab API error (HTTP 500)" in output
    assert 15 <= sleeps.waits[0] <= 22 and sleeps.waits[1] == 2.0
    assert set(replay.tokens) == {GL_TOKEN}
    calls = spy_git.calls()
    secrets = _secret_forms(GL_TOKEN, "oauth2")
    remote = [c for c in calls if " clone " in c["ARGV"] or " ls-remote " in c["ARGV"]]
    assert remote and all(c["VAL"] == f"Authorization: Basic {secrets[1]}" for c in remote)
    for secret in secrets:
        assert all(secret not in c["ARGV"] and secret not in c["PS"] for c in calls)
        assert secret not in output
        assert secret not in _everything_written(tmp_path / "db", tmp_path / "out")


def test_gitlab_bad_token_and_unknown_group(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v4/groups/acme/projects").respond_with_json(
        {"message": "401 Unauthorized"}, 401
    )
    httpserver.expect_request("/api/v4/groups/nosuch/projects").respond_with_json(
        {"message": "404 Group Not Found"}, 404
    )
    url = httpserver.url_for("/").rstrip("/")
    with pytest.raises(
        ListingError, match="rejected the token \\(401 Unauthorized\\): check GITLAB_TOKEN"
    ):
        list_gitlab("acme", GL_TOKEN, url, ApiPatience(sleep=Sleeps()))
    with pytest.raises(ListingError, match="no group 'nosuch' visible to this token \\(404\\)"):
        list_gitlab("nosuch", GL_TOKEN, url, ApiPatience(sleep=Sleeps()))
