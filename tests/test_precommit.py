"""The pre-commit hook, run for real: pre-commit builds keyguard from a copy of this checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import analyzer.engines.python.engine
import analyzer.engines.semgrep.runner
from analyzer.cli import main
from tests.conftest import REPO
from tests.gitrepos import GIT_ENV, commit_head, git, init

BAD = (
    "from cryptography.hazmat.primitives.asymmetric import rsa\n"
    "\n"
    "key = rsa.generate_private_key(public_exponent=65537, key_size=1024)\n"
)
GOOD = (
    "from cryptography.hazmat.primitives.asymmetric import rsa\n"
    "\n"
    "key = rsa.generate_private_key(public_exponent=65537, key_size=3072)\n"
)


def _working_tree_files() -> list[str]:
    """Tracked and untracked-but-not-ignored files: the checkout as it is now, edits included."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in out.split("\0") if name and (REPO / name).is_file()]


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A git repository holding a copy of this checkout, committed; returns it and its HEAD."""
    copy = init(tmp_path_factory.mktemp("keyguard-src") / "keyguard")
    for name in _working_tree_files():
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    return copy, commit_head(copy, {}, "keyguard under test")


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the module, so pre-commit builds the hook environment once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(tmp_path: Path, hook_repo: tuple[Path, str]) -> Path:
    source, rev = hook_repo
    repo = init(tmp_path / "project")
    config = {"repos": [{"repo": str(source), "rev": rev, "hooks": [{"id": "keyguard"}]}]}
    commit_head(repo, {".pre-commit-config.yaml": yaml.safe_dump(config), "README": "x\n"}, "init")
    return repo


def pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def test_hook_fails_on_a_weak_key_and_names_file_line_rule(
    project: Path, pre_commit_home: Path
) -> None:
    (project / "app").mkdir()
    (project / "app" / "keys.py").write_text(BAD)
    git(project, "add", "app/keys.py")
    done = pre_commit(project, pre_commit_home, "run", "--files", "app/keys.py")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "keyguard" in output and "Failed" in output
    assert "app/keys.py:3:7: KG201 [error]" in output


def test_hook_passes_on_a_clean_file(project: Path, pre_commit_home: Path) -> None:
    (project / "app").mkdir()
    (project / "app" / "keys.py").write_text(GOOD)
    git(project, "add", "app/keys.py")
    done = pre_commit(project, pre_commit_home, "run", "--files", "app/keys.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Passed" in done.stdout


def test_installed_hook_blocks_a_bad_commit_and_lets_a_good_one_through(
    project: Path, pre_commit_home: Path
) -> None:
    installed = pre_commit(project, pre_commit_home, "install")
    assert installed.returncode == 0, installed.stderr
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(pre_commit_home)}
    env.pop("PYTHONPATH", None)

    def try_commit(text: str) -> subprocess.CompletedProcess[str]:
        (project / "keys.py").write_text(text)
        git(project, "add", "keys.py")
        return subprocess.run(
            ["git", "commit", "-m", "keys"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    blocked = try_commit(BAD)
    assert blocked.returncode != 0
    assert "keys.py:3:7: KG201" in blocked.stdout + blocked.stderr
    assert git(project, "rev-list", "--count", "HEAD") == "1"
    allowed = try_commit(GOOD)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert git(project, "rev-list", "--count", "HEAD") == "2"


def test_hook_manifest() -> None:
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "keyguard" and hook["language"] == "python"
    assert hook["entry"].startswith("keyguard scan")
    assert hook.get("pass_filenames", True) is True
    assert {"python", "java", "go", "ts", "tsx", "c#", "terraform", "yaml", "json", "pem"} <= set(
        hook["types_or"]
    )


def test_five_python_files_parse_five_and_never_start_semgrep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the hook runs for a five-file change, with the engines counted."""
    repo = init(tmp_path / "repo")
    untouched = {f"lib/old_{i}.py": BAD for i in range(10)}
    untouched |= {
        "web/app.js": "const {generateKeyPairSync} = require('crypto');\nconst key = generateKeyPairSync('rsa', {modulusLength: 1024});\n",
        "svc/Main.java": "class Main {}\n",
    }
    commit_head(repo, untouched, "existing code")
    changed = [f"app/m{i}.py" for i in range(5)]
    for name in changed:
        (repo / name).parent.mkdir(exist_ok=True)
        (repo / name).write_text(BAD)
    monkeypatch.chdir(repo)

    parsed: list[str] = []
    semgrep_runs: list[object] = []
    real_analyze = analyzer.engines.python.engine.analyze_python

    def counting_analyze(source: bytes, path: str, *args: object, **kwargs: object):
        parsed.append(path)
        return real_analyze(source, path, *args, **kwargs)

    def no_semgrep(*args: object, **kwargs: object):
        semgrep_runs.append(args)
        return [], []

    monkeypatch.setattr(analyzer.engines.python.engine, "analyze_python", counting_analyze)
    monkeypatch.setattr(analyzer.engines.semgrep.runner, "run_semgrep", no_semgrep)
    result = CliRunner().invoke(main, ["scan", "--no-color", "--no-cache", *changed])
    assert result.exit_code == 1, result.output
    assert sorted(parsed) == changed
    assert semgrep_runs == []
    assert result.output.count(" KG201 [error]") == 5

    parsed.clear()
    result = CliRunner().invoke(main, ["scan", "--no-color", "--no-cache", "--diff", "HEAD"])
    assert result.exit_code == 1, result.output
    assert sorted(parsed) == changed
    assert semgrep_runs == []

    result = CliRunner().invoke(main, ["scan", "--no-color", "web/app.js", *changed])
    assert len(semgrep_runs) == 1, "control: a JavaScript file does start Semgrep"
