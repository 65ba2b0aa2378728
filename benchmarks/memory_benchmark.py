"""Peak memory of a scan: one 50 MB file, and a generated tree of 100,000 files.

Each case runs in a fresh child process so that its peak RSS is its own, and prints one line:
the case, files seen and analysed, seconds, and the peak RSS of the scanning process (and of its
worker processes, which ``getrusage(RUSAGE_CHILDREN)`` reports as the largest single child).

    python benchmarks/memory_benchmark.py                 # both cases, in a temporary folder
    python benchmarks/memory_benchmark.py --files 20000   # a smaller tree
    python benchmarks/memory_benchmark.py --case big-file --max-file-size 100MB
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

MODULE = """\
from cryptography.hazmat.primitives.asymmetric import rsa
import os

KEY_BITS = {bits}


def make_key_{i}():
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


def token_{i}():
    return os.urandom(16)
"""
PLAIN = "def helper_{i}(x):\n    return x * {i}\n"


def make_big_file(folder: Path, megabytes: int) -> Path:
    """A Python file of ``megabytes`` MB with crypto calls sprinkled in, so every engine reads it."""
    path = folder / "generated_keys.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    target = megabytes * 1_000_000 - 2_000
    with path.open("w", encoding="utf-8") as fh:
        written, i = 0, 0
        while written < target:
            chunk = MODULE.format(i=i, bits=1024 if i % 50 == 0 else 3072)
            written += fh.write(chunk)
            i += 1
    return folder


def make_tree(folder: Path, files: int) -> Path:
    """``files`` small files in nested folders: a tenth hold crypto code, the rest none."""
    root = folder / "tree"
    rnd = random.Random(1)
    for i in range(files):
        sub = root / f"d{i % 100:02}" / f"e{(i // 100) % 100:02}"
        sub.mkdir(parents=True, exist_ok=True)
        ext = rnd.choice([".py"] * 8 + [".txt", ".yaml"])
        text = MODULE.format(i=i, bits=2048) if i % 10 == 0 else PLAIN.format(i=i)
        (sub / f"f{i}{ext}").write_text(text)
    return root


def _child(root: str, jobs: int, max_file_size: int, semgrep: bool) -> None:
    sys.path.insert(0, str(REPO))
    from analyzer.pipeline.run import ScanOptions, scan
    from analyzer.policy import default_policy

    started = time.perf_counter()
    options = ScanOptions(
        jobs=jobs,
        max_file_bytes=max_file_size,
        without=() if semgrep else ("semgrep",),
    )
    report = scan([Path(root)], Path(root), default_policy(), options)
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "files_seen": report.files_seen,
                "files_analyzed": report.files_analyzed,
                "findings": len(report.findings),
                "notifications": sorted({n.kind for n in report.notifications}),
                "seconds": round(seconds, 1),
                "peak_rss_mb": round(own, 1),
                "peak_child_rss_mb": round(children, 1),
            }
        )
    )


def run_case(name: str, root: Path, jobs: int, max_file_size: int, semgrep: bool) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        str(root),
        "--jobs",
        str(jobs),
        "--max-file-size",
        str(max_file_size),
    ]
    if not semgrep:
        command.append("--no-semgrep")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{name}: scan failed\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["case"] = name
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=["big-file", "at-limit", "tree", "all"], default="all")
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument(
        "--max-file-size",
        type=lambda v: int(float(v.rstrip("MB")) * 1e6) if v.endswith("MB") else int(v),
        default=None,
    )
    parser.add_argument("--no-semgrep", action="store_true")
    parser.add_argument("--child", metavar="ROOT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.jobs, args.max_file_size or 2_000_000, not args.no_semgrep)
        return
    semgrep = not args.no_semgrep
    default_limit = args.max_file_size or 2_000_000
    with tempfile.TemporaryDirectory(prefix="keyguard-mem-") as tmp:
        folder = Path(tmp)
        results = []
        if args.case in ("big-file", "all"):
            root = make_big_file(folder / "big", args.megabytes)
            name = f"one {args.megabytes} MB file, --max-file-size {default_limit:,}"
            results.append(run_case(name, root, args.jobs, default_limit, semgrep))
        if args.case in ("at-limit", "all"):  # the largest file the default limit lets in
            root = make_big_file(folder / "limit", 2)
            results.append(run_case("one 2 MB file (at the limit)", root, 1, 2_000_000, False))
        if args.case in ("tree", "all"):
            started = time.perf_counter()
            root = make_tree(folder, args.files)
            took = time.perf_counter() - started
            print(f"generated {args.files:,} files in {took:.0f} s", file=sys.stderr)
            name = f"{args.files:,}-file tree"
            results.append(run_case(name, root, args.jobs, default_limit, semgrep))
    for r in results:
        print(
            f"{r['case']}: {r['files_seen']:,} seen, {r['files_analyzed']:,} analysed, "
            f"{r['findings']:,} findings, notifications {r['notifications']}, {r['seconds']} s, "
            f"peak RSS {r['peak_rss_mb']} MB (largest worker {r['peak_child_rss_mb']} MB)"
        )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
