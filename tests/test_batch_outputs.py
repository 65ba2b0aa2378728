"""A batch's files are written one repository at a time: the combined SARIF log is streamed, so
writing the outputs of many repositories takes no more memory than writing those of a few."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from analyzer.org.history import History, open_history
from analyzer.org.outputs import CombinedLog, run_text, sarif_log, write_outputs
from analyzer.org.records import Outcome
from analyzer.org.repos import RepoSpec
from analyzer.policy import default_policy
from analyzer.reporters.sarif import SCHEMA_URI


def _at_once(runs: list[dict[str, Any]]) -> str:
    return json.dumps({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": runs}, indent=2) + "\n"


@pytest.mark.parametrize("count", [0, 1, 3])
def test_the_streamed_log_is_the_log_written_at_once(count: int) -> None:
    runs = [
        {"tool": {"driver": {"name": f"run {i}"}}, "results": [], "x": {}} for i in range(count)
    ]
    out = io.StringIO()
    log = CombinedLog(out)
    for run in runs:
        log.add(run_text(run))
    log.close()
    assert out.getvalue() == sarif_log(runs) == _at_once(runs)


def _run(index: int) -> dict[str, Any]:
    """A SARIF run as big as a real one with its rule descriptors (about 200 kB of JSON)."""
    return {
        "tool": {
            "driver": {
                "name": "keyguard",
                "rules": [{"id": f"R{index}", "fullDescription": {"text": "h" * 200_000}}],
            }
        },
        "results": [],
    }


def _history(path: Path, repos: int) -> tuple[History, list[RepoSpec]]:
    history = open_history(path)
    batch = history.start_batch("keyguard batch", default_policy())
    specs = []
    for i in range(repos):
        spec = RepoSpec(f"/src/repo{i}", is_url=False)
        outcome = Outcome(spec.identity, spec.source, "scanned", commit=f"{i:040x}", run=_run(i))
        history.record(batch, outcome)
        specs.append(spec)
    history.finish_batch(batch)
    return history, specs


def _peak_writing(tmp_path: Path, repos: int) -> int:
    history, specs = _history(tmp_path / f"{repos}.sqlite", repos)
    try:
        tracemalloc.start()
        write_outputs(history, specs, tmp_path / f"out{repos}")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        history.close()
    return peak


def test_writing_forty_repositories_takes_the_memory_of_writing_four(
    tmp_path: Path, validate_sarif: Callable[[Any], None]
) -> None:
    _peak_writing(tmp_path, 1)  # imports and caches
    few, many = _peak_writing(tmp_path, 4), _peak_writing(tmp_path, 40)
    assert many < few * 1.5, (few, many)  # holding every run would take ten times as much
    combined = json.loads((tmp_path / "out40" / "combined.sarif").read_text(encoding="utf-8"))
    validate_sarif(combined)
    assert [r["tool"]["driver"]["rules"][0]["id"] for r in combined["runs"]] == [
        f"R{i}" for i in sorted(range(40), key=lambda i: f"/src/repo{i}")
    ]
    assert len(list((tmp_path / "out40" / "sarif").iterdir())) == 40
