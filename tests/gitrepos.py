"""Throwaway git repositories for tests: deterministic identity, no user or system config;
small repositories with known findings, bare copies reachable through file:// URLs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo``; fail the test with git's message when it fails."""
    done = subprocess.run(
        ["git", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
        check=False,
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


def init(repo: Path) -> Path:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "commit.gpgsign", "false")
    return repo


def commit_head(repo: Path, files: dict[str, str], message: str = "change") -> str:
    """Write ``files``, stage everything, commit, return the new HEAD."""
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


WEAK_RSA = (
    "from cryptography.hazmat.primitives.asymmetric import rsa\n"
    "KEY_BITS = 1024\n"
    "key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)\n"
)
STRONG_RSA = (
    "from cryptography.hazmat.primitives.asymmetric import rsa\n"
    "KEY_BITS = 3072\n"
    "key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)\n"
)
CURVES = (
    "from cryptography.hazmat.primitives.asymmetric import ec, rsa\n"
    "good = ec.generate_private_key(ec.SECP384R1())\n"
    "bad = ec.generate_private_key(ec.SECP192R1())\n"
    "def make(bits):\n"
    "    return rsa.generate_private_key(public_exponent=65537, key_size=bits)\n"
)
SYNTAX_ERROR = (
    "from cryptography.hazmat.primitives.asymmetric import rsa\n"
    "def broken(:\n"
    "    rsa.generate_private_key(public_exponent=65537, key_size=512)\n"
)


def make_repo(path: Path, files: dict[str, str]) -> Path:
    """A repository at ``path`` with ``files`` in one commit on branch main."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    return commit(path, files, "initial")


def commit(path: Path, files: dict[str, str], message: str) -> Path:
    """Commit ``files`` in the repository at ``path``; returns the path, for chaining."""
    commit_head(path, files, message)
    return path


def bare_copy(repo: Path, dest: Path) -> str:
    """A bare clone of ``repo`` at ``dest``; returns its file:// URL."""
    git(repo.parent, "clone", "-q", "--bare", str(repo), str(dest))
    return dest.as_uri()


def head(path: Path) -> str:
    return git(path, "rev-parse", "HEAD")
