"""Diff-aware scans: changed lines from git, whole-file analysis, reporting narrowed to the diff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.policy.diffscope import DiffError, diff_scope, parse_diff
from tests.gitrepos import commit_head, git, init

RSA = "from cryptography.hazmat.primitives.asymmetric import rsa\n"
WEAK_CALL = "key = rsa.generate_private_key(public_exponent=65537, key_size={})\n"

DIFF = """\
diff --git a/app/keys.py b/app/keys.py
index 1111111..2222222 100644
--- a/app/keys.py
+++ b/app/keys.py
@@ -2,0 +3,2 @@ import os
+a = 1
+b = 2
@@ -10 +12 @@ def f():
-old = 1
+new = 1
diff --git a/gone.py b/gone.py
deleted file mode 100644
index 3333333..0000000
--- a/gone.py
+++ /dev/null
@@ -1 +0,0 @@
-x = 1
diff --git a/fresh.py b/fresh.py
new file mode 100644
index 0000000..4444444
--- /dev/null
+++ b/fresh.py
@@ -0,0 +1 @@
+y = 2
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_parse_diff_added_changed_new_and_deleted() -> None:
    assert parse_diff(DIFF) == {"app/keys.py": {3, 4, 12}, "fresh.py": None}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = init(tmp_path / "repo")
    commit_head(
        repo,
        {
            "app/old.py": RSA + WEAK_CALL.format(1024),
            "app/sizes.py": RSA + "BITS = 2048\n" + WEAK_CALL.format("BITS"),
            "app/other.py": "x = 1\n",
        },
        "initial",
    )
    monkeypatch.chdir(repo)
    return repo


def test_scope_includes_staged_unstaged_and_untracked(repo: Path) -> None:
    (repo / "app" / "other.py").write_text("x = 1\ny = 2\n")
    git(repo, "add", "app/other.py")
    (repo / "app" / "old.py").write_text(RSA + WEAK_CALL.format(1024) + "z = 3\n")
    (repo / "app" / "new.py").write_text("w = 4\n")
    (repo / "ignored.log").write_text("noise\n")
    (repo / ".gitignore").write_text("*.log\n")
    scope = diff_scope(repo, "HEAD")
    assert scope.changed == {
        "app/other.py": {2},
        "app/old.py": {3},
        "app/new.py": None,
        ".gitignore": None,
    }


def test_merge_base_ignores_changes_on_the_base_branch(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    commit_head(repo, {"app/other.py": "x = 1\nfeature = 1\n"}, "feature")
    git(repo, "checkout", "-q", "main")
    commit_head(repo, {"app/main_only.py": "m = 1\n"}, "main moves on")
    git(repo, "checkout", "-q", "feature")
    scope = diff_scope(repo, "main")
    assert scope.changed == {"app/other.py": {2}}
    assert scope.merge_base == git(repo, "merge-base", "main", "feature")


def test_diff_reports_only_new_lines(repo: Path) -> None:
    """The old 1024-bit key stays quiet; the line added to the same file is reported."""
    (repo / "app" / "old.py").write_text(
        RSA + WEAK_CALL.format(1024) + "\n" + "other = " + WEAK_CALL.format(512)
    )
    code, out, _ = run("scan", "--diff", "HEAD", "--no-color")
    assert code == 1
    assert "app/old.py:4:" in out and "KG201" in out
    assert "app/old.py:2:" not in out
    assert "1 finding " in out.splitlines()[-1]


def test_flow_through_an_unchanged_line_is_reported(repo: Path) -> None:
    """Only the constant changes; the call that uses it (unchanged) is the finding."""
    (repo / "app" / "sizes.py").write_text(RSA + "BITS = 1024\n" + WEAK_CALL.format("BITS"))
    code, out, _ = run("scan", "--diff", "HEAD", "--format", "json")
    data = json.loads(out)
    assert [(f["location"]["path"], f["location"]["line"]) for f in data["findings"]] == [
        ("app/sizes.py", 3)
    ]
    assert code == 1


def test_no_changes_means_no_findings(repo: Path) -> None:
    code, out, _ = run("scan", "--diff", "HEAD", "--no-color")
    assert code == 0
    assert "0 findings" in out and "0 of 0 files" in out


def test_github_format_prints_annotations(repo: Path) -> None:
    (repo / "app" / "new.py").write_text(RSA + WEAK_CALL.format(1024))
    code, out, _ = run("scan", "app/new.py", "--format", "github")
    assert code == 1
    [line] = out.splitlines()
    assert line.startswith("::error file=app/new.py,line=2,endLine=2,title=KG201::")
    assert "1024" in line


def test_paths_narrow_the_diff(repo: Path) -> None:
    (repo / "lib").mkdir()
    (repo / "lib" / "k.py").write_text(RSA + WEAK_CALL.format(1024))
    (repo / "app" / "k.py").write_text(RSA + WEAK_CALL.format(1024))
    code, out, _ = run("scan", "lib", "--diff", "HEAD", "--format", "json")
    assert {f["location"]["path"] for f in json.loads(out)["findings"]} == {"lib/k.py"}
    assert code == 1


def test_bad_base_is_one_line_usage_error(repo: Path) -> None:
    code, _, err = run("scan", "--diff", "no-such-branch")
    assert code == 2
    assert err.strip().splitlines() == [
        "keyguard: --diff no-such-branch: not a commit in this repository"
    ]


def test_not_a_git_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.chdir(plain)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    code, _, err = run("scan", "--diff", "HEAD")
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "not inside a git repository" in err


def test_diff_scope_error_names_shallow_history(repo: Path) -> None:
    git(repo, "checkout", "-q", "--orphan", "unrelated")
    commit_head(repo, {"u.py": "u = 1\n"}, "unrelated root")
    with pytest.raises(DiffError, match="no merge base"):
        diff_scope(repo, "main")
