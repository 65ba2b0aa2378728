"""keyguard against the tools users would pick, in one run, on the same files.

    python benchmarks/benchmark.py [--corpus stdlib|site-packages|PATH] [--repeat N] [--quick]

Every tool gets the same explicit list of Python files (paths relative to the corpus, the corpus
as working directory): keyguard (cold with an empty cache, then warm), Bandit with only its
key-generation tests in one process, Semgrep with an equivalent local rule file
(semgrep_equivalent.yaml) at -j JOBS, and Ruff's S rules as the reference for compiled tools.
Wall time is the median of --repeat runs of the whole process; peak memory is the largest
resident set of any one process of the tool (os.wait4 of the child, which covers its waited-for
workers). A five-file hook run (keyguard with an empty cache against Bandit) closes the table.
Only public tools and local rules are used; nothing goes to the network.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BANDIT_TESTS = "B311,B505,B413,B303,B304,B324,B105,B106,B107"
SKIP_DIRS = {"__pycache__", ".git", ".hg", ".svn", ".tox", ".keyguard"}
HOOK_FILES = 5
QUICK_FILES = 600


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mb: float
    code: int


@dataclass
class Measure:
    """Repeated runs of one tool on one set of files."""

    tool: str
    runs: list[Run] = field(default_factory=list)
    alerts: int | None = None

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss_mb(self) -> float:
        return max(r.rss_mb for r in self.runs)


def run_once(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run a command to completion, stdout discarded; wall, CPU and peak RSS of its processes."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        sys.exit(
            f"benchmark: {argv[0]} {' '.join(argv[1:4])} ... exited {proc.returncode}:\n"
            + stderr.decode(errors="replace")[-2000:]
        )
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode)


# ----------------------------------------------------------------------------------------------
# Corpus


def corpus_root(name: str) -> Path:
    if name == "stdlib":
        return Path(sysconfig.get_paths()["stdlib"])
    if name == "site-packages":
        return Path(sysconfig.get_paths()["purelib"])
    path = Path(name).resolve()
    if not path.is_dir():
        sys.exit(f"benchmark: {name!r} is neither stdlib, site-packages nor a folder")
    return path


def python_files(root: Path, skip: frozenset[str] = frozenset()) -> list[str]:
    """Every *.py file below root (no symlinks, no caches), relative and sorted."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in SKIP_DIRS and d not in skip and not Path(dirpath, d).is_symlink()
        )
        for name in filenames:
            path = Path(dirpath, name)
            if name.endswith(".py") and path.is_file() and not path.is_symlink():
                found.append(path.relative_to(root).as_posix())
    return sorted(found)


def count_lines(root: Path, files: list[str]) -> int:
    total = 0
    for rel in files:
        with open(root / rel, "rb") as fh:
            total += fh.read().count(b"\n")
    return total


def hook_files(root: Path, files: list[str]) -> list[str]:
    """Five mid-sized files that keyguard must parse (they pass its prefilter): a hook's worst
    honest case."""
    sys.path.insert(0, str(REPO))
    from analyzer.engines.python.prefilter import python_prefilter

    chosen = [f for f in files if python_prefilter((root / f).read_bytes())]
    pool = chosen if len(chosen) >= HOOK_FILES else files
    pool = sorted(pool, key=lambda f: (root / f).stat().st_size)
    middle = len(pool) // 2
    return sorted(pool[max(0, middle - 2) : middle + 3])


# ----------------------------------------------------------------------------------------------
# Tools


def tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        sys.exit(f"benchmark: {name} not found (pip install bandit semgrep ruff)")
    return found


def version(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=120).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return out.strip().splitlines()[0] if out.strip() else "?"


def keyguard_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def keyguard_argv(files: list[str], jobs: int, cache: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "analyzer",
        "scan",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--jobs",
        str(jobs),
        "--cache-dir",
        str(cache),
        "-o",
        str(out),
        *files,
    ]


def bandit_argv(files: list[str], out: Path) -> list[str]:
    return [tool("bandit"), "-q", "-t", BANDIT_TESTS, "-f", "json", "-o", str(out), *files]


def semgrep_argv(files: list[str], jobs: int, out: Path) -> list[str]:
    return [
        tool("semgrep"),
        "scan",
        "--config",
        str(HERE / "semgrep_equivalent.yaml"),
        "-j",
        str(jobs),
        "--metrics=off",
        "--disable-version-check",
        "--quiet",
        "--json",
        "-o",
        str(out),
        *files,
    ]


def ruff_argv(files: list[str], out: Path) -> list[str]:
    return [
        tool("ruff"),
        "check",
        "--isolated",
        "--no-cache",
        "--select",
        "S",
        "--exit-zero",
        "--output-format",
        "json",
        "-o",
        str(out),
        *files,
    ]


def _count(out: Path, pick: Callable[[object], int]) -> int | None:
    try:
        return pick(json.loads(out.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass
class Step:
    """One tool's command in a round, with what to count in its output."""

    measure: Measure
    make: Callable[[], list[str]]
    out: Path
    alerts: Callable[[object], int]
    env: dict[str, str] | None = None
    before: Callable[[], None] | None = None


def rounds(steps: list[Step], cwd: Path, repeat: int) -> None:
    """Run every step once per round, round after round, so that all tools meet the same load."""
    for i in range(repeat):
        for step in steps:
            if step.before is not None:
                step.before()
            run = run_once(step.make(), cwd, step.env)
            step.measure.runs.append(run)
            print(f"  round {i + 1}/{repeat} {step.measure.tool:<30} {run.wall:7.2f} s", flush=True)
    for step in steps:
        step.measure.alerts = _count(step.out, step.alerts)


# ----------------------------------------------------------------------------------------------
# Report


def machine() -> str:
    model = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{usable} usable of {os.cpu_count()} CPUs ({model}), {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def table(measures: list[Measure], files: int, lines: int) -> list[str]:
    rows = [
        "| tool | wall (median) | CPU | files/s | lines/s | peak RSS (largest process) | alerts |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for m in measures:
        rows.append(
            f"| {m.tool} | {m.wall:.2f} s | {m.cpu:.2f} s | {files / m.wall:,.0f} "
            f"| {lines / m.wall:,.0f} | {m.rss_mb:,.0f} MB | "
            f"{'' if m.alerts is None else m.alerts} |"
        )
    return rows


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="site-packages", help="stdlib, site-packages or PATH")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool (median reported)")
    parser.add_argument("--jobs", type=int, default=2, help="workers for keyguard and Semgrep")
    parser.add_argument(
        "--quick", action="store_true", help=f"one run on {QUICK_FILES} files (a smoke test)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser.parse_args()


def _corpus(args: argparse.Namespace) -> tuple[Path, list[str]]:
    """The corpus folder and its Python files (a sample of them with --quick)."""
    root = corpus_root(args.corpus)
    # The standard library's folder also holds the interpreter's own site-packages.
    skip = frozenset({"site-packages", "dist-packages"}) if args.corpus == "stdlib" else frozenset()
    files = python_files(root, skip)
    if args.quick and len(files) > QUICK_FILES:
        step = len(files) / QUICK_FILES
        files = [files[int(i * step)] for i in range(QUICK_FILES)]
    if not files:
        sys.exit(f"benchmark: no Python files below {root}")
    return root, files


def _print_header(
    args: argparse.Namespace, started: dt.datetime, root: Path, files: list[str], lines: int
) -> None:
    print(f"keyguard benchmark, {started.isoformat()}")
    print(f"machine: {machine()}")
    print(f"corpus: {args.corpus} = {root}: {len(files):,} Python files, {lines:,} lines")
    print(
        "tools: keyguard "
        + version([sys.executable, "-c", "import analyzer; print(analyzer.__version__)"])
        + f", {version([tool('bandit'), '--version'])}, semgrep "
        + version([tool("semgrep"), "--version", "--disable-version-check"])
        + f", {version([tool('ruff'), '--version'])}"
    )
    print(f"jobs: {args.jobs}; repeat: {args.repeat}")


def _kg_alerts(d: object) -> int:
    return len(d["findings"])  # type: ignore[index]


def _bandit_count(d: object) -> int:
    return len(d["results"])  # type: ignore[index]


def _measure(
    args: argparse.Namespace, root: Path, files: list[str], hook: list[str], work: Path
) -> tuple[list[Measure], list[Measure]]:
    """Every tool on the whole corpus, then keyguard and Bandit as a hook on a few files."""
    out = {name: work / f"{name}.json" for name in ("kg", "bandit", "semgrep", "ruff", "hook")}
    env = keyguard_env()
    caches: list[Path] = []

    def fresh_cache() -> None:
        caches.append(work / f"cache-{len(caches)}")

    def kg(targets: list[str], result: Path) -> Callable[[], list[str]]:
        return lambda: keyguard_argv(targets, args.jobs, caches[-1], result)

    cold, warm = Measure("keyguard (cold)"), Measure("keyguard (warm cache)")
    bandit = Measure("bandit (9 key-generation tests)")
    semgrep = Measure(f"semgrep -j {args.jobs} (11 rules)")
    ruff = Measure("ruff --select S")
    kg_hook, bandit_hook = Measure("keyguard hook"), Measure("bandit hook")
    rounds(
        [
            Step(cold, kg(files, out["kg"]), out["kg"], _kg_alerts, env, fresh_cache),
            Step(warm, kg(files, out["kg"]), out["kg"], _kg_alerts, env),
            Step(bandit, lambda: bandit_argv(files, out["bandit"]), out["bandit"], _bandit_count),
            Step(
                semgrep,
                lambda: semgrep_argv(files, args.jobs, out["semgrep"]),
                out["semgrep"],
                _bandit_count,
            ),
            Step(ruff, lambda: ruff_argv(files, out["ruff"]), out["ruff"], len),  # type: ignore[arg-type]
        ],
        root,
        args.repeat,
    )
    rounds(
        [
            Step(kg_hook, kg(hook, out["hook"]), out["hook"], _kg_alerts, env, fresh_cache),
            Step(
                bandit_hook,
                lambda: bandit_argv(hook, out["bandit"]),
                out["bandit"],
                _bandit_count,
            ),
        ],
        root,
        _hook_repeat(args),
    )
    return [cold, warm, bandit, semgrep, ruff], [kg_hook, bandit_hook]


def _hook_repeat(args: argparse.Namespace) -> int:
    return max(args.repeat, 5)


def _ratios(full: list[Measure], hooks: list[Measure]) -> dict[str, float]:
    cold, warm, bandit, semgrep, _ = full
    kg_hook, bandit_hook = hooks
    return {
        "cold_vs_bandit": cold.wall / bandit.wall,
        "cold_vs_semgrep": cold.wall / semgrep.wall,
        "warm_vs_bandit": warm.wall / bandit.wall,
        "hook_vs_bandit": kg_hook.wall / bandit_hook.wall,
    }


def _ratio_table(
    args: argparse.Namespace, full: list[Measure], hooks: list[Measure], ratios: dict[str, float]
) -> list[str]:
    """Each ratio against its target."""
    cold, warm, bandit, semgrep, _ = full
    kg_hook = hooks[0]
    r_bandit, r_semgrep = ratios["cold_vs_bandit"], ratios["cold_vs_semgrep"]
    r_warm, r_hook = ratios["warm_vs_bandit"], ratios["hook_vs_bandit"]
    return [
        "| ratio | value | target | |",
        "|---|---:|---:|---|",
        f"| keyguard cold / Bandit | {r_bandit:.3f} | <= 0.20 | {verdict(r_bandit <= 0.20)} |",
        f"| keyguard cold / Semgrep -j {args.jobs} | {r_semgrep:.3f} | <= 1.0 "
        f"| {verdict(r_semgrep <= 1.0)} |",
        f"| keyguard warm / Bandit cold | {r_warm:.3f} | <= 0.05 | {verdict(r_warm <= 0.05)} |",
        f"| keyguard warm wall | {warm.wall:.2f} s | <= 0.5 s | {verdict(warm.wall <= 0.5)} |",
        f"| keyguard hook / Bandit hook | {r_hook:.2f} | <= 2.0 | {verdict(r_hook <= 2.0)} |",
        f"| keyguard hook wall | {kg_hook.wall:.2f} s | <= 1.0 s "
        f"| {verdict(kg_hook.wall <= 1.0)} |",
        f"| (CPU time) keyguard cold / Bandit | {cold.cpu / bandit.cpu:.3f} | | load-independent |",
        f"| (CPU time) keyguard cold / Semgrep | {cold.cpu / semgrep.cpu:.3f} | | load-independent |",
        f"| keyguard peak RSS per process | {cold.rss_mb:,.0f} MB | <= 450 MB "
        f"| {verdict(cold.rss_mb <= 450)} |",
    ]


def main() -> None:
    args = _arguments()
    args.repeat = 1 if args.quick else max(1, args.repeat)
    root, files = _corpus(args)
    lines = count_lines(root, files)
    hook = hook_files(root, files)
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    _print_header(args, started, root, files, lines)

    # An installed keyguard has byte code (pip compiles it); a checkout gets the same here.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "analyzer")], check=True)
    work = Path(tempfile.mkdtemp(prefix="keyguard-bench-"))
    try:
        full, hooks = _measure(args, root, files, hook, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    ratios = _ratios(full, hooks)
    print(
        "\n".join(
            [
                "",
                f"Corpus: {len(files):,} files, {lines:,} lines ({args.corpus}); "
                f"median of {args.repeat} run(s); {args.jobs} jobs",
                "",
                *table(full, len(files), lines),
                "",
                f"Hook: {', '.join(hook)} (median of {_hook_repeat(args)})",
                "",
                *table(hooks, len(hook), count_lines(root, hook)),
                "",
                *_ratio_table(args, full, hooks, ratios),
            ]
        )
    )
    if args.json:
        figures = {
            "date": started.isoformat(),
            "machine": machine(),
            "corpus": str(root),
            "files": len(files),
            "lines": lines,
            "tools": {
                m.tool: {"wall": m.wall, "cpu": m.cpu, "rss_mb": m.rss_mb, "alerts": m.alerts}
                for m in full + hooks
            },
            "ratios": ratios,
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
