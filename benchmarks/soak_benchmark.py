"""A thousand repositories without drift: ``keyguard batch`` over generated repositories (mixed
languages, some failing, some with huge files), with the memory of the parent and of the workers
sampled as the batch goes, and the database checked at the end.

Run from the checkout root:  python benchmarks/soak_benchmark.py [--repos 1000] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitenv import GIT_ENV  # benchmarks/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("python", "java", "go", "javascript", "terraform", "secrets", "csharp", "kotlin")
HUGE_BYTES = 3_000_000  # over the default 2 MB limit: skipped with a notification


def _fixture_files() -> dict[str, list[Path]]:
    return {
        language: sorted(p for p in (ROOT / "fixtures" / language).rglob("*") if p.is_file())
        for language in LANGUAGES
    }


def make_repos(base: Path, count: int) -> list[str]:
    """``count`` repositories: two languages' fixtures each; every 10th has a file that does not
    parse, every 25th a huge file, every 50th is a folder that does not exist (a failure)."""
    fixtures = _fixture_files()
    env = {**os.environ, **GIT_ENV}
    listed: list[str] = []
    for i in range(count):
        repo = base / f"repo{i:04d}"
        if i % 50 == 49:
            listed.append(str(repo))  # never created
            continue
        for language in (LANGUAGES[i % len(LANGUAGES)], LANGUAGES[(i * 3 + 1) % len(LANGUAGES)]):
            files = fixtures[language]
            for j in range(3):
                source = files[(i + j) % len(files)]
                target = repo / language / f"{j}_{source.name}"
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
        if i % 10 == 9:
            (repo / "broken.py").write_text("import os\ndef broken(:\n    key = os.urandom(4)\n")
        if i % 25 == 24:
            (repo / "huge.py").write_text("x = 1\n" * (HUGE_BYTES // 6))
        for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "fixtures"]):
            subprocess.run(["git", *args], cwd=repo, env=env, check=True)
        listed.append(str(repo))
    return listed


def _rss_mb(pid: int) -> float:
    """A process's resident memory now (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (workers and what they start), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        kids = [child for child, parent in parents.items() if parent == current]
        found += kids
        frontier += kids
    return found


def _done(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM batch_repos").fetchone()[0])
    except sqlite3.Error:
        return 0


@dataclass
class Window:
    """Memory seen while the batch went from ``start`` to ``end`` repositories."""

    end: int
    label: str = ""
    parent_mb: float = 0.0
    worker_mb: float = 0.0
    seconds: float = 0.0
    workers: set[int] = field(default_factory=set)


def start(repos: list[str], work: Path, jobs: int) -> subprocess.Popen[bytes]:
    """``keyguard batch`` over ``repos`` in a subprocess, its database and files under ``work``."""
    listing = work / "repos.txt"
    listing.write_text("".join(f"{r}\n" for r in repos), encoding="utf-8")
    command = [
        sys.executable, "-m", "analyzer", "batch", str(listing), "--jobs", str(jobs),
        "--db", str(work / "soak.sqlite"), "--out", str(work / "out"),
        "--workdir", str(work / "w"), "--no-progress", "--no-semgrep", "--format", "csv",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def run(repos: list[str], work: Path, jobs: int, marks: list[int]) -> list[Window]:
    """The batch, sampled every 0.2 s until it ends."""
    started = time.perf_counter()
    proc = start(repos, work, jobs)
    windows = [Window(m) for m in marks]
    outputs = Window(len(repos), label="outputs")  # every repository recorded: the files follow
    while proc.poll() is None:
        done = _done(work / "soak.sqlite")
        window = next((w for w in windows if done < w.end), outputs)
        window.parent_mb = max(window.parent_mb, _rss_mb(proc.pid))
        for child in _children(proc.pid):
            window.worker_mb = max(window.worker_mb, _rss_mb(child))
            window.workers.add(child)
        window.seconds = time.perf_counter() - started
        time.sleep(0.2)
    return [*windows, outputs]


def check(db: Path, count: int) -> list[str]:
    """The database's health: integrity, one row per repository and commit, every repository."""
    with sqlite3.connect(db) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        duplicates = conn.execute(
            "SELECT count(*) FROM (SELECT repo, commit_sha, count(*) AS n FROM scans"
            " GROUP BY repo, commit_sha HAVING n > 1)"
        ).fetchone()[0]
        listed = conn.execute("SELECT count(DISTINCT repo) FROM batch_repos").fetchone()[0]
        scans = conn.execute("SELECT count(*) FROM scans").fetchone()[0]
        statuses = dict(conn.execute("SELECT status, count(*) FROM batch_repos GROUP BY status"))
    return [
        f"PRAGMA integrity_check: {integrity}",
        f"repositories in batch_repos: {listed} of {count} ({statuses}); scan rows: {scans}; "
        f"repository+commit with more than one scan row: {duplicates}",
    ]


def content(work: Path) -> dict[str, Any]:
    """What a batch left: scan rows, findings, sites, each repository's last status and the
    summary's totals, with the repositories' folder written as ``<repos>`` (ids, times and
    "skipped as already scanned" versus "scanned" set aside: both mean done at that commit)."""
    with sqlite3.connect(work / "soak.sqlite") as conn:
        rows = {
            "scans": "SELECT repo, commit_sha, files_seen, files_analyzed FROM scans",
            "findings": "SELECT s.repo, f.fingerprint, f.rule_id, f.path, f.line, f.suppressed"
            " FROM findings f JOIN scans s ON s.id = f.scan_id",
            "sites": "SELECT s.repo, t.path, t.line, t.api, t.verdict FROM sites t"
            " JOIN scans s ON s.id = t.scan_id",
            "latest": "SELECT repo, status = 'failed', commit_sha FROM batch_repos b WHERE"
            " batch_id = (SELECT max(batch_id) FROM batch_repos c WHERE c.repo = b.repo)",
        }
        data: dict[str, Any] = {k: sorted(conn.execute(q).fetchall()) for k, q in rows.items()}
    data["totals"] = json.loads((work / "out" / "summary.json").read_text())["totals"]
    data["sarif files"] = len(list((work / "out" / "sarif").iterdir()))
    return dict(json.loads(json.dumps(data).replace(str(work / "repos"), "<repos>")))


def kill_and_resume(work: Path, jobs: int, kill_after: int) -> list[str]:
    """The same batch over a copy of the repositories (the same commits), killed with SIGKILL
    once ``kill_after`` repositories are recorded and run again; compared with ``work``'s run."""
    again = work / "again"
    shutil.copytree(work / "repos", again / "repos", symlinks=True)
    repos = [r.replace(str(work), str(again)) for r in (work / "repos.txt").read_text().split()]
    proc = start(repos, again, jobs)
    while _done(again / "soak.sqlite") < kill_after and proc.poll() is None:
        time.sleep(0.05)
    killed_at = _done(again / "soak.sqlite")
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)  # the batch process; its workers finish on their own
    proc.wait()
    resumed = start(repos, again, jobs).wait()
    same = content(again) == content(work)
    return [
        f"killed with SIGKILL after {killed_at} of {len(repos)} repositories, resumed"
        f" (exit {resumed}): same database content and outputs as the uninterrupted run: {same}"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--kill-after",
        type=int,
        metavar="N",
        help="Then run the batch again over a copy, SIGKILL it after N repositories, resume it "
        "and compare its database and outputs with the uninterrupted run's.",
    )
    args = parser.parse_args()
    marks = sorted({m for m in (100, 500, 1000) if m < args.repos} | {args.repos})
    with tempfile.TemporaryDirectory(prefix="keyguard-soak-") as tmp:
        work = Path(tmp)
        repos = make_repos(work / "repos", args.repos)
        print(f"{len(repos)} repositories, --jobs {args.jobs}, Semgrep off")
        windows = run(repos, work, args.jobs, marks)
        print("| repositories | elapsed | parent peak RSS | largest worker RSS | workers seen |")
        print("|---:|---:|---:|---:|---:|")
        for w in windows:
            print(
                f"| {w.label or f'{w.end:,}'} | {w.seconds:,.0f} s | {w.parent_mb:,.0f} MB "
                f"| {w.worker_mb:,.0f} MB | {len(w.workers)} |"
            )
        print("\n".join(check(work / "soak.sqlite", len(repos))))
        if args.kill_after:
            print("\n".join(kill_and_resume(work, args.jobs, args.kill_after)))


if __name__ == "__main__":
    main()
