"""Helpers for batch tests: small git repositories, bare copies reachable through file:// URLs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

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

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def make_repo(path: Path, files: dict[str, str]) -> Path:
    """A repository at ``path`` with ``files`` in one commit on branch main."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    return commit(path, files, "initial")


def commit(path: Path, files: dict[str, str], message: str) -> Path:
    for rel, text in files.items():
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", message)
    return path


def bare_copy(repo: Path, dest: Path) -> str:
    """A bare clone of ``repo`` at ``dest``; returns its file:// URL."""
    git(repo.parent, "clone", "-q", "--bare", str(repo), str(dest))
    return dest.as_uri()


def head(path: Path) -> str:
    return git(path, "rev-parse", "HEAD")
