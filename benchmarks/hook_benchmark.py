"""Wall time of ``pre-commit run --files`` on a five-file Python change: keyguard against Bandit.

Three hooks run on the same five files in the same temporary repository, interleaved:

- ``keyguard``: the real hook, pre-commit building its environment from this checkout;
- ``keyguard-system`` and ``bandit-system``: ``repo: local`` hooks with ``language: system``
  running keyguard from this checkout and the installed ``bandit``, with the same pre-commit
  overhead on both sides (Bandit's own hook repository is not needed).

Usage: python benchmarks/hook_benchmark.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gitenv import GIT_ENV  # benchmarks/ is on sys.path when a script runs

CHECKOUT = Path(__file__).resolve().parent.parent
MODULE = '''"""Service module {n}: tokens, sessions and a key for signing."""

import hashlib
import os
import random
import secrets

from cryptography.hazmat.primitives.asymmetric import ec, rsa


def session_token() -> str:
    return secrets.token_hex(32)


def shuffle_playlist(songs: list[str]) -> list[str]:
    random.shuffle(songs)
    return songs


def derive(password: bytes, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password, salt, 600_000)


def signing_key():
    return ec.generate_private_key(ec.SECP256R1())


def legacy_key():
    return rsa.generate_private_key(public_exponent=65537, key_size={bits})


def nonce() -> bytes:
    return os.urandom(12)
'''


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=repo,
        env={**os.environ, **GIT_ENV},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def copy_checkout(dest: Path) -> str:
    """This checkout as it is now (uncommitted edits included), committed in ``dest``."""
    names = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=CHECKOUT,
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .split("\0")
    )
    dest.mkdir(parents=True)
    git(dest, "init", "-q", "-b", "main")
    for name in filter(None, names):
        if (CHECKOUT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(CHECKOUT / name, dest / name)
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "keyguard")
    return git(dest, "rev-parse", "HEAD")


def project(dest: Path, source: Path, rev: str) -> list[str]:
    """A repository with a committed base and five changed Python files; returns their names."""
    dest.mkdir(parents=True)
    git(dest, "init", "-q", "-b", "main")
    files = [f"service/mod_{n}.py" for n in range(5)]
    for n, name in enumerate(files):
        (dest / name).parent.mkdir(exist_ok=True)
        (dest / name).write_text(MODULE.format(n=n, bits=3072))
    for n in range(20):
        (dest / f"service/other_{n}.py").write_text(MODULE.format(n=n, bits=4096))
    python = shlex.quote(sys.executable)
    keyguard_env = f"env PYTHONPATH={shlex.quote(str(CHECKOUT))} {python} -m analyzer scan"
    bandit = shutil.which("bandit", path=str(Path(sys.executable).parent)) or "bandit"
    (dest / ".pre-commit-config.yaml").write_text(
        f"""repos:
  - repo: {source}
    rev: {rev}
    hooks:
      - id: keyguard
  - repo: local
    hooks:
      - id: keyguard-system
        name: keyguard (system)
        language: system
        entry: {keyguard_env} --no-color
        types: [python]
        require_serial: true
      - id: bandit-system
        name: bandit (system)
        language: system
        entry: {shlex.quote(bandit)} -q
        types: [python]
        require_serial: true
"""
    )
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "base")
    for n, name in enumerate(files):
        (dest / name).write_text(MODULE.format(n=n, bits=1024) + "\n# changed\n")
    git(dest, "add", "-A")
    return files


def run_hook(repo: Path, hook: str, files: list[str], home: Path) -> float:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home)}
    env.pop("PYTHONPATH", None)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", hook, "--files", *files],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1) or "Failed" not in done.stdout:
        raise SystemExit(f"{hook} did not run as expected:\n{done.stdout}\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per hook (default 7)")
    args = parser.parse_args()
    hooks = ["keyguard", "keyguard-system", "bandit-system"]
    with tempfile.TemporaryDirectory(prefix="kg-hook-bench-") as tmp:
        base = Path(tmp)
        rev = copy_checkout(base / "keyguard")
        files = project(base / "project", base / "keyguard", rev)
        home = base / "pre-commit-home"
        for hook in hooks:  # warm-up: builds the keyguard hook environment once
            run_hook(base / "project", hook, files, home)
        times: dict[str, list[float]] = {h: [] for h in hooks}
        for _ in range(args.runs):
            for hook in hooks:
                times[hook].append(run_hook(base / "project", hook, files, home))
    medians = {h: statistics.median(t) for h, t in times.items()}
    print(f"pre-commit run --files on 5 changed Python files, median of {args.runs} runs:")
    for hook in hooks:
        print(f"  {hook:16s} {medians[hook] * 1000:8.0f} ms")
    bandit = medians["bandit-system"]
    print(f"  ratio keyguard (hook env) / bandit: {medians['keyguard'] / bandit:.2f}")
    print(f"  ratio keyguard (system)   / bandit: {medians['keyguard-system'] / bandit:.2f}")


if __name__ == "__main__":
    main()
