"""Cost of keyguard's Semgrep rules: the rules of an older revision against the working tree's.

Each side's templates are rendered by that side's own renderer with the default thresholds (the
old revision is exported with ``git archive`` into a temporary directory: placeholders change
between revisions). Both rule sets then run with the same Semgrep CLI keyguard uses (the native
one, with keyguard's own options: local rules only, ``--metrics=off``, ``-j 2``) on the same
files: those of the working tree's fixtures (or of ``--corpus DIR``) that keyguard hands to
Semgrep (a language with Semgrep rules, past the engine's byte prefilter). The sides alternate, in
swapped order each round; the script prints the median wall and CPU time of each and the ratio.
``--time`` adds one timed run of each side and lists the rules that took the most matching time.
``--cli python`` runs both under Semgrep's Python CLI, the one keyguard used when issue 14 was
filed. ``--shipped`` times instead each revision's whole Semgrep run as that revision's keyguard does it
(its own runner: rendering, the CLI it picks, its options, reading the output), on the same files.

Usage: python benchmarks/semgrep_rules_benchmark.py [--old REV] [--rounds N] [--corpus DIR]
       [--jobs N] [--time] [--top N] [--cli native|python] [--shipped]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT))

from analyzer.engines.semgrep.cli import SemgrepCommand, native_command, python_command  # noqa: E402
from analyzer.engines.semgrep.prefilter import semgrep_prefilter  # noqa: E402
from analyzer.engines.semgrep.runner import _QUIET_ENV, _options, find_semgrep  # noqa: E402
from analyzer.engines.semgrep.timeouts import rule_timeout  # noqa: E402
from analyzer.knowledge.languages import language_of  # noqa: E402

# Rendered by the side's own code, so each revision's placeholders get that revision's values.
RENDER = (
    "import sys; from pathlib import Path; "
    "from analyzer.engines.semgrep.render import render_rules; "
    "from analyzer.policy.thresholds import Thresholds; "
    "render_rules(Thresholds(), Path(sys.argv[1]))"
)
# One Semgrep run by the side's own runner (module path as of that revision), timed around it.
SHIPPED = (
    "import json, sys, time; from pathlib import Path; "
    "from analyzer.policy.thresholds import Thresholds; "
    "spec = json.load(sys.stdin); root = Path(spec['root']); "
    "mod = __import__(spec['module'], fromlist=['run_semgrep']); "
    "start = time.perf_counter(); "
    "results, notes = mod.run_semgrep([(root / r, r) for r in spec['targets']], Thresholds(), "
    "root=root, jobs=spec['jobs'], languages_of=spec['languages']); "
    "print(json.dumps({'wall': time.perf_counter() - start, "
    "'findings': sum(len(r.findings) for r in results), 'notes': [n.message for n in notes]}))"
)
# Where run_semgrep lives: the runner since issue 18, the engine module before.
RUNNER_MODULES = ("analyzer.engines.semgrep.runner", "analyzer.engines.semgrep.engine")
# The commit before issue 14 (non-Python rules) was worked on: its cost cap's reference.
DEFAULT_OLD = "4b55708"


@dataclass
class Run:
    """One Semgrep process: wall and CPU seconds (its own and its waited-for children's), results."""

    wall: float
    cpu: float
    results: int
    output: dict[str, Any]


def render(source: Path, out_dir: Path) -> int:
    """Render the templates of the checkout at ``source`` into ``out_dir``; the number of rules."""
    out_dir.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(source)}
    subprocess.run([sys.executable, "-c", RENDER, str(out_dir)], cwd=source, env=env, check=True)
    return sum(
        line.lstrip().startswith("- id:")
        for path in out_dir.glob("*.yaml")
        for line in path.read_text(encoding="utf-8").splitlines()
    )


def export(rev: str, into: Path) -> Path:
    """The analyzer and rules of revision ``rev`` as plain files under ``into``."""
    into.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(CHECKOUT), "archive", rev, "analyzer", "rules"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def semgrep_languages(corpus: Path) -> dict[Path, str]:
    """The files under ``corpus`` that keyguard would hand to Semgrep, with their language."""
    targets = {}
    for path in sorted(corpus.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        language = language_of(path.relative_to(corpus).as_posix(), data[:4096])
        if language is not None and language.rules is not None and semgrep_prefilter(data):
            targets[path] = language.name
    return targets


def semgrep_targets(corpus: Path) -> list[Path]:
    """The files under ``corpus`` that keyguard would hand to Semgrep."""
    return list(semgrep_languages(corpus))


def runner_module(source: Path) -> str:
    """The module of the checkout at ``source`` that holds ``run_semgrep``."""
    for module in RUNNER_MODULES:
        path = source / (module.replace(".", "/") + ".py")
        if path.is_file() and "def run_semgrep(" in path.read_text(encoding="utf-8"):
            return module
    sys.exit(f"no run_semgrep in {source}")


def shipped(source: Path, corpus: Path, languages: dict[Path, str], jobs: int) -> Run:
    """The Semgrep run of the checkout at ``source``, as its keyguard does it, on ``languages``."""
    spec = {
        "root": str(corpus),
        "module": runner_module(source),
        "targets": [path.relative_to(corpus).as_posix() for path in languages],
        "languages": {
            path.relative_to(corpus).as_posix(): name for path, name in languages.items()
        },
        "jobs": jobs,
    }
    env = {**os.environ, "PYTHONPATH": str(source)}
    proc = subprocess.run(
        [sys.executable, "-c", SHIPPED],
        input=json.dumps(spec),
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"the run of {source} failed: {proc.stderr.strip()[-500:]}")
    out = json.loads(proc.stdout)
    for note in out["notes"]:
        print(f"warning: {source.name}: {note}", file=sys.stderr)
    return Run(out["wall"], 0.0, out["findings"], out)


def main_shipped(args: argparse.Namespace) -> None:
    """``--shipped``: each revision's own Semgrep run, alternated; medians and the ratio."""
    corpus = args.corpus.resolve()
    languages = semgrep_languages(corpus)
    with tempfile.TemporaryDirectory(prefix="keyguard-sgbench-") as tmp:
        sources = {"old": export(args.old, Path(tmp) / "src-old"), "new": CHECKOUT}
        print(f"{len(languages)} files of {args.corpus}; old {args.old}, new the working tree")
        runs: dict[str, list[Run]] = {"old": [], "new": []}
        for round_no in range(args.rounds):
            order = ("old", "new") if round_no % 2 == 0 else ("new", "old")
            for side in order:
                runs[side].append(shipped(sources[side], corpus, languages, args.jobs))
            line = "  ".join(f"{s} {runs[s][-1].wall:6.2f} s" for s in ("old", "new"))
            print(f"round {round_no + 1}: {line}", flush=True)
    walls = {side: statistics.median(r.wall for r in rs) for side, rs in runs.items()}
    for side in ("old", "new"):
        print(f"{side}: median wall {walls[side]:.2f} s, findings {runs[side][-1].results}")
    ratio = walls["new"] / walls["old"]
    print(f"new/old: wall {ratio:.3f} ({ratio - 1:+.1%})")


def semgrep_command(cli: str = "native") -> SemgrepCommand:
    """The native CLI keyguard uses, or (``cli="python"``) the Python CLI it used before issue 18."""
    launcher = find_semgrep()
    if launcher is None:
        sys.exit("semgrep is not installed in this environment")
    return python_command(launcher) if cli == "python" else native_command(launcher)


def run(
    command: SemgrepCommand,
    config: Path,
    targets: list[Path],
    work: Path,
    jobs: int = 2,
    extra: tuple[str, ...] = (),
) -> Run:
    """One Semgrep process as keyguard starts it, timed with ``os.wait4``."""
    limit = rule_timeout((t.stat().st_size for t in targets), 30)
    argv = [*command.argv, *_options(config, jobs, limit), *extra, *map(str, targets)]
    env = {
        **os.environ,
        **_QUIET_ENV,
        **command.env,
        "SEMGREP_SETTINGS_FILE": str(work / "settings.yml"),
        "SEMGREP_LOG_FILE": str(work / "semgrep.log"),
    }
    out = work / "out.json"
    start = time.perf_counter()
    with out.open("w") as stdout:
        proc = subprocess.Popen(
            argv, executable=command.executable, cwd=work, env=env, stdout=stdout
        )
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    try:
        output = json.loads(out.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        sys.exit(f"semgrep gave no JSON (exit status {os.waitstatus_to_exitcode(status)})")
    if output.get("errors"):
        print(
            f"warning: {len(output['errors'])} Semgrep error(s) with {config.name}", file=sys.stderr
        )
    return Run(wall, usage.ru_utime + usage.ru_stime, len(output.get("results", [])), output)


def rule_times(output: dict[str, Any]) -> dict[str, float]:
    """Seconds of matching per rule id, summed over the targets (``--time`` output)."""
    timing = output.get("time") or {}
    rules = [r.get("id", "?") if isinstance(r, dict) else str(r) for r in timing.get("rules", [])]
    totals: dict[str, float] = defaultdict(float)
    for target in timing.get("targets", []):
        for rule, seconds in zip(rules, target.get("match_times", []), strict=False):
            totals[rule] += max(seconds, 0.0)
    return dict(totals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default=DEFAULT_OLD, help=f"old revision (default {DEFAULT_OLD})")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per side (default 5)")
    parser.add_argument("--corpus", type=Path, default=CHECKOUT / "fixtures", metavar="DIR")
    parser.add_argument("--jobs", type=int, default=2, help="Semgrep's -j (default 2, keyguard's)")
    parser.add_argument("--time", action="store_true", help="list the costliest rules per side")
    parser.add_argument("--top", type=int, default=15, help="rules listed by --time (default 15)")
    parser.add_argument(
        "--cli",
        choices=("native", "python"),
        default="native",
        help="the Semgrep CLI both rule sets run under (default native, keyguard's)",
    )
    parser.add_argument(
        "--shipped", action="store_true", help="time each revision's own whole Semgrep run"
    )
    args = parser.parse_args()
    if args.shipped:
        main_shipped(args)
        return

    command = semgrep_command(args.cli)
    targets = semgrep_targets(args.corpus.resolve())
    with tempfile.TemporaryDirectory(prefix="keyguard-sgbench-") as tmp:
        base = Path(tmp)
        configs = {"old": base / "rules-old", "new": base / "rules-new"}
        counts = {
            "old": render(export(args.old, base / "src-old"), configs["old"]),
            "new": render(CHECKOUT, configs["new"]),
        }
        print(
            f"{len(targets)} files of {args.corpus}; rules: old ({args.old}) {counts['old']}, new (working tree) {counts['new']}"
        )
        runs: dict[str, list[Run]] = {"old": [], "new": []}
        for round_no in range(args.rounds):
            order = ("old", "new") if round_no % 2 == 0 else ("new", "old")
            for side in order:
                runs[side].append(run(command, configs[side], targets, base, args.jobs))
            line = "  ".join(
                f"{s} {runs[s][-1].wall:6.2f} s wall {runs[s][-1].cpu:6.2f} s CPU"
                for s in ("old", "new")
            )
            print(f"round {round_no + 1}: {line}", flush=True)
        medians = {
            side: (statistics.median(r.wall for r in rs), statistics.median(r.cpu for r in rs))
            for side, rs in runs.items()
        }
        for side in ("old", "new"):
            wall, cpu = medians[side]
            print(
                f"{side}: median wall {wall:.2f} s, CPU {cpu:.2f} s, results {runs[side][-1].results}"
            )
        wall_ratio = medians["new"][0] / medians["old"][0]
        cpu_ratio = medians["new"][1] / medians["old"][1]
        print(
            f"new/old: wall {wall_ratio:.3f} ({wall_ratio - 1:+.1%}), CPU {cpu_ratio:.3f} ({cpu_ratio - 1:+.1%})"
        )
        if args.time:
            for side in ("old", "new"):
                timed = run(command, configs[side], targets, base, args.jobs, ("--time",))
                totals = rule_times(timed.output)
                print(
                    f"\n{side}: {sum(totals.values()):.2f} s of matching in {len(totals)} rules; costliest:"
                )
                for rule, seconds in sorted(totals.items(), key=lambda kv: -kv[1])[: args.top]:
                    print(f"  {seconds:7.3f} s  {rule}")


if __name__ == "__main__":
    main()
