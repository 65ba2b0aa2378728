"""Publish every finding as a GitHub check run, so none is lost to the annotation limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from analyzer.reporters.checks import batches

TIMEOUT = 30.0


class ChecksError(Exception):
    """The Checks API refused or failed; the message says what to do and never holds the token."""


@dataclass(frozen=True)
class CheckRun:
    """Where and as what the check run is published."""

    api_url: str
    repository: str
    head_sha: str
    token: str
    name: str


def _raise_for(response: requests.Response, what: str) -> None:
    if response.status_code == 403:
        raise ChecksError(
            f"the Checks API refused to {what} (403): give the workflow "
            "`permissions: checks: write`, or set the input checks to false"
        )
    if response.status_code >= 400:
        raise ChecksError(f"the Checks API could not {what} (HTTP {response.status_code})")


def publish(
    run: CheckRun,
    annotations: Sequence[dict[str, Any]],
    summary: str,
    failed: bool,
) -> int:
    """Create the check run, add the annotations in batches, complete it; returns its id."""
    session = requests.Session()
    session.headers.update(
        {
            "Authorization": f"Bearer {run.token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
    )
    base = f"{run.api_url.rstrip('/')}/repos/{run.repository}/check-runs"
    title = f"{len(annotations)} finding{'s' if len(annotations) != 1 else ''}"
    try:
        created = session.post(
            base,
            json={"name": run.name, "head_sha": run.head_sha, "status": "in_progress"},
            timeout=TIMEOUT,
        )
        _raise_for(created, "create a check run")
        run_id = int(created.json()["id"])
        for batch in batches(annotations):
            output = {"title": title, "summary": summary, "annotations": batch}
            _raise_for(
                session.patch(f"{base}/{run_id}", json={"output": output}, timeout=TIMEOUT),
                "add annotations",
            )
        done = {
            "status": "completed",
            "conclusion": "failure" if failed else "success",
            "output": {"title": title, "summary": summary},
        }
        _raise_for(session.patch(f"{base}/{run_id}", json=done, timeout=TIMEOUT), "complete it")
    except requests.RequestException as exc:
        raise ChecksError(f"the Checks API could not be reached ({type(exc).__name__})") from None
    except (KeyError, ValueError):
        raise ChecksError("the Checks API answered without a check run id") from None
    return run_id


def check_run_from_env(env: Mapping[str, str], head_sha: str | None, name: str) -> CheckRun:
    """The check run's target from the runner's environment and the action's ``token`` input."""
    token = env.get("INPUT_TOKEN", "").strip()
    repository = env.get("GITHUB_REPOSITORY", "").strip()
    sha = head_sha or env.get("GITHUB_SHA", "").strip()
    if not token:
        raise ChecksError("input checks is true but no token was given (input token)")
    if not repository or not sha:
        raise ChecksError("GITHUB_REPOSITORY or the commit SHA is not set")
    api_url = env.get("GITHUB_API_URL", "").strip() or "https://api.github.com"
    return CheckRun(api_url, repository, sha, token, name)
