"""One repository, start to finish: resolve its commit, skip it if already scanned, clone it
safely, scan it in a separate bounded process, and return a plain-data outcome."""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import sys
import tempfile
import time
import traceback
from pathlib import Path

import analyzer
from analyzer.org.gitauth import GitAuth
from analyzer.org.gitsafe import GitError, local_head, remote_head, run_bounded, safe_clone
from analyzer.org.records import Job, Outcome
from analyzer.org.repos import RepoSpec


def default_worker_command() -> tuple[str, ...]:
    """``python -P -m analyzer.org.worker``: -P keeps the working folder off sys.path."""
    return (sys.executable, "-P", "-m", "analyzer.org.worker")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def process(job: Job) -> Outcome:
    """Resolve, skip or scan one repository; never raises (a failure is an outcome)."""
    spec = job.spec
    started = time.monotonic()
    outcome = Outcome(spec.identity, spec.source, "failed", policy_sha256=job.policy.sha256)
    outcome.started = _now()
    try:
        commit = _resolve(spec, job.timeout, job.auth)
        outcome.commit = commit
        if commit is not None and commit in job.scanned_commits and not job.force:
            outcome.status = "skipped"
            outcome.reason = "already scanned at this commit with this policy"
            return outcome
        remaining = None if job.timeout is None else job.timeout - (time.monotonic() - started)
        if remaining is not None and remaining <= 0:
            raise TimeoutError(f"timed out after {job.timeout:.0f}s")
        scanned = _run_worker(job, remaining)
        scanned.started = outcome.started
        scanned.commit = scanned.commit or commit
        outcome = scanned
    except (GitError, FileNotFoundError, NotADirectoryError) as exc:
        outcome.reason = str(exc)
    except TimeoutError as exc:
        outcome.reason = f"timed out ({exc}; raise --repo-timeout)"
    except Exception as exc:
        outcome.reason = f"crashed: {type(exc).__name__}: {exc}"
    finally:
        outcome.seconds = round(time.monotonic() - started, 3)
    return outcome


def _resolve(spec: RepoSpec, timeout: float | None, auth: GitAuth | None) -> str | None:
    if spec.is_url:
        return remote_head(spec.source, timeout, auth)
    path = Path(spec.source)
    if not path.exists():
        raise FileNotFoundError("no such folder")
    if not path.is_dir():
        raise NotADirectoryError("not a folder")
    return local_head(path, timeout)


def _run_worker(job: Job, timeout: float | None) -> Outcome:
    """Clone and scan in a child process group that is killed whole on timeout."""
    job.workdir.mkdir(parents=True, exist_ok=True)
    fd, result_path = tempfile.mkstemp(prefix=f"{job.spec.slug}.", suffix=".json", dir=job.workdir)
    os.close(fd)
    try:
        env = dict(os.environ)
        package_parent = str(Path(analyzer.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_parent, env.get("PYTHONPATH", "")) if p
        )
        env["PYTHONSAFEPATH"] = "1"
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        command = [*(job.worker_command or default_worker_command()), result_path]
        done = run_bounded(
            command, timeout=timeout, env=env, cwd=job.workdir, stdin=pickle.dumps(job)
        )
        text = Path(result_path).read_text(encoding="utf-8")
        if done.returncode != 0 or not text:
            tail = [line for line in done.stderr.strip().splitlines() if line.strip()]
            why = tail[-1] if tail else f"exit status {done.returncode}"
            raise RuntimeError(f"worker process ended abnormally ({why})")
        return Outcome.from_dict(json.loads(text))
    finally:
        Path(result_path).unlink(missing_ok=True)


def scan_here(job: Job) -> Outcome:
    """The child's work: clone if needed, scan, turn the report into plain data."""
    from analyzer.org.convert import outcome_from_report
    from analyzer.pipeline.run import ScanOptions, scan
    from analyzer.reporters.run import RunInfo

    spec = job.spec
    if spec.is_url:
        root = safe_clone(spec.source, job.workdir / "clones" / spec.slug, job.timeout, job.auth)
    else:
        root = Path(spec.source).absolute()
    commit = local_head(root)
    options = ScanOptions(
        jobs=1,
        without=() if job.semgrep else ("semgrep",),
        max_file_bytes=job.max_file_bytes,
    )
    report = scan([root], root, job.policy, options)
    exit_code = 1 if report.count_at_or_above("error") else 0
    info = RunInfo(command_line=job.command_line, exit_code=exit_code)
    return outcome_from_report(spec, commit, report, info)


def main(argv: list[str]) -> int:
    """Child entry point: a pickled Job on stdin (from our own parent), the outcome to argv[1]."""
    result_path = Path(argv[1])
    job: Job = pickle.loads(sys.stdin.buffer.read())
    try:
        outcome = scan_here(job)
    except GitError as exc:
        outcome = Outcome(job.spec.identity, job.spec.source, "failed", reason=str(exc))
    except Exception as exc:
        traceback.print_exc()
        outcome = Outcome(
            job.spec.identity,
            job.spec.source,
            "failed",
            reason=f"crashed: {type(exc).__name__}: {exc}",
        )
    outcome.policy_sha256 = job.policy.sha256
    result_path.write_text(json.dumps(outcome.to_dict()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
