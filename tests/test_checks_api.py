"""The Action's Checks API path against a local server playing GitHub's API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from analyzer.cli.checks_api import CheckRun, ChecksError, publish
from tests.gitrepo import commit, init
from tests.test_action import RSA, commands, run_step

TOKEN = "ghs_notARealTokenButLongEnough1234"
RUNS = "/repos/acme/shop/check-runs"


def _annotations(n: int) -> list[dict[str, object]]:
    return [
        {
            "path": "a.py",
            "start_line": i,
            "end_line": i,
            "annotation_level": "failure",
            "title": "KG201",
            "message": "m",
        }
        for i in range(1, n + 1)
    ]


def test_publish_creates_a_run_then_batches_of_fifty_then_completes(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(RUNS, method="POST").respond_with_json({"id": 77}, status=201)
    for _ in range(4):
        httpserver.expect_ordered_request(f"{RUNS}/77", method="PATCH").respond_with_json(
            {"id": 77}
        )
    run = CheckRun(httpserver.url_for("/"), "acme/shop", "c0ffee", TOKEN, "keyguard: KGS")
    assert publish(run, _annotations(120), "summary", failed=True) == 77
    httpserver.check_assertions()
    bodies = [json.loads(req.get_data()) for req, _ in httpserver.log]
    assert bodies[0] == {"name": "keyguard: KGS", "head_sha": "c0ffee", "status": "in_progress"}
    assert [len(b["output"]["annotations"]) for b in bodies[1:4]] == [50, 50, 20]
    assert bodies[4]["status"] == "completed" and bodies[4]["conclusion"] == "failure"
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r, _ in httpserver.log)


def test_missing_permission_is_a_clear_error_without_the_token(httpserver: HTTPServer) -> None:
    httpserver.expect_request(RUNS, method="POST").respond_with_json(
        {"message": "Resource not accessible by integration"}, status=403
    )
    run = CheckRun(httpserver.url_for("/"), "acme/shop", "c0ffee", TOKEN, "keyguard: KGS")
    with pytest.raises(ChecksError, match=r"checks: write") as caught:
        publish(run, _annotations(3), "summary", failed=False)
    assert TOKEN not in str(caught.value)


@pytest.fixture
def forty(tmp_path: Path) -> tuple[Path, str]:
    repo = init(tmp_path / "forty")
    weak = "k{} = rsa.generate_private_key(public_exponent=65537, key_size=1024)\n"
    base = commit(repo, {"app/legacy.py": RSA + "".join(weak.format(i) for i in range(40))}, "b")
    return repo, base


@pytest.mark.parametrize("status", [201, 403])
def test_the_action_publishes_every_finding_or_warns_and_keeps_its_exit_code(
    forty: tuple[Path, str], tmp_path: Path, httpserver: HTTPServer, status: int
) -> None:
    repo, base = forty
    if status == 201:
        httpserver.expect_request(RUNS, method="POST").respond_with_json({"id": 5}, status=201)
        httpserver.expect_request(f"{RUNS}/5", method="PATCH").respond_with_json({"id": 5})
    else:
        httpserver.expect_request(RUNS, method="POST").respond_with_json({}, status=403)
    event = {"pull_request": {"number": 1, "base": {"sha": base}, "head": {"sha": "feed"}}}
    done, _, outputs = run_step(
        repo,
        tmp_path,
        "pull_request",
        event,
        only_changed="false",
        checks="true",
        token=TOKEN,
        extra_env={"GITHUB_API_URL": httpserver.url_for("/"), "GITHUB_REPOSITORY": "acme/shop"},
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "findings=40\n" in outputs.read_text()
    assert TOKEN not in done.stdout + done.stderr
    if status == 201:
        bodies = [json.loads(req.get_data()) for req, _ in httpserver.log]
        assert bodies[0]["head_sha"] == "feed" and bodies[0]["name"].startswith("keyguard: ")
        sent = sum(len(b.get("output", {}).get("annotations", [])) for b in bodies[1:])
        assert sent == 40
        assert "published 40 findings as check run 5" in done.stdout
    else:
        assert any("checks: write" in line for line in commands(done.stdout))
