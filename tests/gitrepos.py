"""Helpers for batch tests: small git repositories, bare copies reachable through file:// URLs."""

from __future__ import annotations

from pathlib import Path

from tests import gitrepo
from tests.gitrepo import git

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
    gitrepo.commit(path, files, message)
    return path


def bare_copy(repo: Path, dest: Path) -> str:
    """A bare clone of ``repo`` at ``dest``; returns its file:// URL."""
    git(repo.parent, "clone", "-q", "--bare", str(repo), str(dest))
    return dest.as_uri()


def head(path: Path) -> str:
    return git(path, "rev-parse", "HEAD")
