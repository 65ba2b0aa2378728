"""Repositories per minute for ``keyguard batch``: 50 small repositories built from the fixtures,
scanned with --jobs 1 and --jobs 2 (Semgrep off, a fresh database each time, so nothing is skipped).

Run from the checkout root:  python benchmarks/batch_benchmark.py [--repos 50] [--semgrep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gitenv import GIT_ENV  # benchmarks/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent


def make_repos(base: Path, count: int) -> list[Path]:
    """``count`` repositories, each holding a rotating slice of the Python fixtures."""
    fixtures = sorted((ROOT / "fixtures" / "python").rglob("*.py"))
    if not fixtures:
        raise SystemExit("no fixtures under fixtures/python")
    env = {**os.environ, **GIT_ENV}
    repos = []
    for i in range(count):
        repo = base / f"repo{i:02d}"
        (repo / "src").mkdir(parents=True)
        for j in range(4):
            source = fixtures[(i * 4 + j) % len(fixtures)]
            shutil.copyfile(source, repo / "src" / f"{j}_{source.name}")
        for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "fixtures"]):
            subprocess.run(["git", *args], cwd=repo, env=env, check=True)
        repos.append(repo)
    return repos


def measure(repos: list[Path], jobs: int, work: Path, semgrep: bool) -> float:
    """Seconds for one batch over ``repos`` with a fresh database."""
    db = work / f"jobs{jobs}.sqlite"
    command = [
        sys.executable, "-m", "analyzer", "batch", *map(str, repos), "--jobs", str(jobs),
        "--db", str(db), "--out", str(work / f"out{jobs}"), "--workdir", str(work / "w"),
        "--no-progress", "--format", "csv",
    ]  # fmt: skip
    if not semgrep:
        command.append("--no-semgrep")
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repos", type=int, default=50)
    parser.add_argument("--semgrep", action="store_true", help="also run Semgrep in each repo")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="keyguard-bench-") as tmp:
        base = Path(tmp)
        repos = make_repos(base / "repos", args.repos)
        print(
            f"{len(repos)} repositories, {os.cpu_count()} cores, semgrep={'on' if args.semgrep else 'off'}"
        )
        for jobs in (1, 2):
            seconds = measure(repos, jobs, base, args.semgrep)
            print(
                f"--jobs {jobs}: {seconds:6.1f} s  {len(repos) / seconds * 60:6.1f} repositories/minute"
            )


if __name__ == "__main__":
    main()
