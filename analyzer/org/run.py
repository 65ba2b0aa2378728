"""Run a batch: every repository through :func:`analyzer.org.worker.process`, in parallel
(local processes or a Dask cluster), each outcome stored in the history as soon as it arrives."""

from __future__ import annotations

import dataclasses
import itertools
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.org.gitauth import GitAuth
from analyzer.org.history import History, ListingRow
from analyzer.org.records import Job, Outcome
from analyzer.org.repos import RepoSpec
from analyzer.org.worker import process
from analyzer.policy import Policy

Echo = Callable[[str], None]


@dataclass(frozen=True)
class BatchSettings:
    """How to run a batch, independent of which repositories it covers."""

    workdir: Path
    jobs: int = 0
    timeout: float | None = None
    force: bool = False
    semgrep: bool = True
    max_file_bytes: int = 2_000_000
    command_line: str = "keyguard batch"
    label: str | None = None
    dask_scheduler: str | None = None
    progress: bool = True
    worker_command: tuple[str, ...] = ()
    auth: GitAuth | None = None


@dataclass
class BatchResult:
    batch_id: int
    outcomes: list[Outcome]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def status_line(outcome: Outcome) -> str:
    """The per-repository line shown as each repository finishes."""
    commit = (outcome.commit or "-")[:12]
    if outcome.status == "failed":
        return f"failed   {outcome.repo}: {outcome.reason}"
    if outcome.status == "skipped":
        return f"skipped  {outcome.repo} @ {commit} (already scanned with this policy)"
    active = sum(1 for f in outcome.findings if not f.get("suppressed"))
    notes = len(outcome.notifications)
    return (
        f"scanned  {outcome.repo} @ {commit}: {active} finding{'s' * (active != 1)}, "
        f"{len(outcome.sites)} key site{'s' * (len(outcome.sites) != 1)}, "
        f"{notes} notification{'s' * (notes != 1)} ({outcome.seconds:.1f}s)"
    )


def _local(jobs: list[Job], workers: int) -> Iterator[Outcome]:
    """Outcomes as they complete; at most two jobs per worker are in flight, so a long batch
    holds only a few outcomes at a time."""
    queue = iter(jobs)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="keyguard-repo") as pool:
        pending = {pool.submit(process, job) for job in itertools.islice(queue, workers * 2)}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    following = next(queue, None)
                    if following is not None:
                        pending.add(pool.submit(process, following))
                    yield future.result()
        finally:
            for future in pending:
                future.cancel()


def _slim(outcome: Outcome) -> Outcome:
    """An outcome once it is recorded: its status, without the findings, sites and SARIF run
    (the database holds those), so that a batch of thousands does not grow in memory."""
    return dataclasses.replace(outcome, run=None, findings=[], sites=[], notifications=[])


def _dask(jobs: list[Job], address: str) -> Iterator[Outcome]:
    """Per-repository scans as Dask tasks; a lost worker becomes that repository's failure."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "--dask-scheduler needs the 'distributed' package (pip install distributed)"
        ) from exc
    with Client(address) as client:
        futures = client.map(process, jobs, pure=False)
        owner: dict[Any, Job] = dict(zip(futures, jobs, strict=True))
        for future in dask_completed(futures):
            job = owner[future]
            try:
                yield future.result()
            except Exception as exc:
                yield Outcome(
                    job.spec.identity,
                    job.spec.source,
                    "failed",
                    reason=f"crashed on the cluster: {type(exc).__name__}: {exc}",
                    policy_sha256=job.policy.sha256,
                )


def run_batch(
    specs: list[RepoSpec],
    policy: Policy,
    history: History,
    settings: BatchSettings,
    echo: Echo,
    listing: list[ListingRow] | None = None,
) -> BatchResult:
    """Scan ``specs``; record each outcome in its own transaction the moment it arrives.

    ``listing`` (from a platform) is recorded with the batch: what was listed and why not scanned.
    """
    batch_id = history.start_batch(settings.command_line, policy, settings.label)
    if listing:
        history.record_listing(batch_id, listing)
    jobs = [
        Job(
            spec=spec,
            policy=policy,
            workdir=settings.workdir.absolute(),
            timeout=settings.timeout,
            scanned_commits=history.scanned_commits(spec.identity, policy.sha256),
            force=settings.force,
            semgrep=settings.semgrep,
            max_file_bytes=settings.max_file_bytes,
            command_line=settings.command_line,
            worker_command=settings.worker_command,
            auth=settings.auth,
        )
        for spec in specs
    ]
    workers = max(1, min(settings.jobs or os.cpu_count() or 1, len(jobs) or 1))
    stream = (
        _dask(jobs, settings.dask_scheduler) if settings.dask_scheduler else _local(jobs, workers)
    )
    bar = _progress(len(jobs), settings.progress)
    outcomes: list[Outcome] = []
    try:
        for outcome in stream:
            history.record(batch_id, outcome)
            line = status_line(outcome)
            outcomes.append(_slim(outcome))
            if bar is None:
                echo(line)
            else:
                bar.write(line, file=sys.stderr)
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    history.finish_batch(batch_id)
    order = {s.identity: i for i, s in enumerate(specs)}
    outcomes.sort(key=lambda o: order.get(o.repo, len(order)))
    return BatchResult(batch_id, outcomes)


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="repo", desc="keyguard batch", file=sys.stderr, leave=True)
