"""Wall time of ``pre-commit run --files`` on changes in several languages, against Semgrep's floor.

Two changes in the same temporary repository: five files in five languages (Python, JavaScript,
Go, Java, Terraform) and two files (JavaScript, Go). On each, interleaved in one run:

- ``keyguard`` with Semgrep's native CLI (the default) and with its Python CLI
  (``KEYGUARD_SEMGREP_CLI=python``: the "before"), both as the real hook (pre-commit builds its
  environment from this checkout) and as a ``language: system`` hook running this checkout;
- Semgrep's CLI floor: ``semgrep scan`` with one trivial rule (a regex that never matches) on the
  same files, as a ``language: system`` hook (the same pre-commit overhead as keyguard's), with
  its default CLI and, for reference, with ``--experimental`` (the native CLI).

Only local rules, ``--metrics=off --disable-version-check``: nothing goes to the network.
Usage: python benchmarks/hook_languages_benchmark.py [--runs N] [--no-hook-env]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from gitenv import GIT_ENV  # benchmarks/ is on sys.path when a script runs
from hook_benchmark import CHECKOUT, MODULE, copy_checkout, git

FILLER = {
    ".js": "function helper{n}(items) {{\n  return items.map((x) => x * {n}).filter(Boolean);\n}}\n",
    ".go": "func helper{n}(items []int) int {{\n\ttotal := 0\n\tfor _, x := range items {{\n"
    "\t\ttotal += x * {n}\n\t}}\n\treturn total\n}}\n",
    ".java": "    static int helper{n}(int[] items) {{\n        int total = 0;\n"
    "        for (int x : items) {{ total += x * {n}; }}\n        return total;\n    }}\n",
    ".tf": 'resource "aws_s3_bucket" "logs_{n}" {{\n  bucket = "logs-{n}"\n}}\n',
}

JS = """const crypto = require("crypto");

function signingKeys() {{
  return crypto.generateKeyPairSync("rsa", {{ modulusLength: {bits} }});
}}

function sessionId() {{
  return crypto.randomBytes(32).toString("hex");
}}

{filler}
module.exports = {{ signingKeys, sessionId }};
"""

GO = """package keys

import (
\t"crypto/ecdsa"
\t"crypto/elliptic"
\t"crypto/rand"
\t"crypto/rsa"
)

func SigningKey() (*rsa.PrivateKey, error) {{
\treturn rsa.GenerateKey(rand.Reader, {bits})
}}

func DeviceKey() (*ecdsa.PrivateKey, error) {{
\treturn ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}}

{filler}"""

JAVA = """package com.example.keys;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;

public class KeyService {{
    private final SecureRandom random = new SecureRandom();

    public KeyPair signingKey() throws Exception {{
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("RSA");
        kpg.initialize({bits}, random);
        return kpg.generateKeyPair();
    }}

{filler}}}
"""

TERRAFORM = """resource "tls_private_key" "deploy" {{
  algorithm = "RSA"
  rsa_bits  = {bits}
}}

resource "aws_kms_key" "data" {{
  description         = "application data"
  enable_key_rotation = true
}}

{filler}"""

TEMPLATES = {
    "app/service.py": MODULE.replace("{n}", "0"),
    "web/keys.js": JS,
    "svc/keys.go": GO,
    "api/src/KeyService.java": JAVA,
    "infra/main.tf": TERRAFORM,
}
CASES = {
    "5 files, 5 languages (py, js, go, java, tf)": list(TEMPLATES),
    "2 files (js, go)": ["web/keys.js", "svc/keys.go"],
}
FLOOR_RULE = """rules:
  - id: floor
    languages: [regex]
    severity: INFO
    message: never matches
    pattern-regex: keyguard-benchmark-floor-never-matches
"""


@dataclass(frozen=True)
class Hook:
    """One timed row: a pre-commit hook id and the environment it runs with."""

    label: str
    hook: str
    env: tuple[tuple[str, str], ...] = ()
    expect_findings: bool = True


def _source(name: str, bits: int) -> str:
    template = TEMPLATES[name]
    suffix = Path(name).suffix
    if suffix == ".py":
        return template.format(bits=bits)
    filler = "\n".join(FILLER[suffix].format(n=n) for n in range(12))
    return template.format(bits=bits, filler=filler)


def project(dest: Path, source: Path, rev: str) -> None:
    """A repository whose five files are committed with strong keys and then staged with weak ones."""
    dest.mkdir(parents=True)
    git(dest, "init", "-q", "-b", "main")
    for name in TEMPLATES:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).write_text(_source(name, 4096))
    (dest / "floor.yaml").write_text(FLOOR_RULE)
    python = shlex.quote(sys.executable)
    keyguard_env = f"env PYTHONPATH={shlex.quote(str(CHECKOUT))} {python} -m analyzer scan"
    semgrep = shutil.which("semgrep", path=str(Path(sys.executable).parent)) or "semgrep"
    floor = f"{shlex.quote(semgrep)} scan --config floor.yaml --metrics=off --disable-version-check --quiet"
    types = "types_or: [python, javascript, go, java, terraform]"
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
        {types}
        require_serial: true
      - id: semgrep-floor
        name: semgrep floor (default CLI)
        language: system
        entry: {floor}
        {types}
        require_serial: true
      - id: semgrep-floor-native
        name: semgrep floor (native CLI)
        language: system
        entry: {floor} --experimental
        {types}
        require_serial: true
"""
    )
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "base")
    for name in TEMPLATES:
        (dest / name).write_text(_source(name, 1024) + "\n")
    git(dest, "add", "-A")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_hook(repo: Path, hook: Hook, files: list[str], home: Path) -> tuple[float, float, str]:
    """Wall time, CPU time (pre-commit and every process it waited for) and the hook's output.

    keyguard's result cache is emptied first: a commit changes the files it checks, so their
    results are never in the cache (writing them is part of the cost).
    """
    shutil.rmtree(repo / ".keyguard", ignore_errors=True)
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), **dict(hook.env)}
    env.pop("PYTHONPATH", None)
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", hook.hook, "--files", *files],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    cpu = _children_cpu() - cpu
    failed = "Failed" in done.stdout
    if done.returncode not in (0, 1) or failed != hook.expect_findings:
        log = home / "pre-commit.log"
        detail = log.read_text(errors="replace")[-3000:] if log.is_file() else ""
        raise SystemExit(
            f"{hook.label} did not run as expected:\n{done.stdout}\n{done.stderr}\n{detail}"
        )
    return elapsed, cpu, done.stdout


def _findings(output: str) -> list[str]:
    """The finding lines of a keyguard hook's output (what must not depend on the CLI)."""
    return sorted(line for line in output.splitlines() if " KG" in line and "[" in line)


def hooks(hook_env: bool) -> list[Hook]:
    python_cli = (("KEYGUARD_SEMGREP_CLI", "python"),)
    rows = [
        Hook("keyguard, native CLI (system)", "keyguard-system"),
        Hook("keyguard, Python CLI (system)", "keyguard-system", python_cli),
    ]
    if hook_env:
        rows += [
            Hook("keyguard, native CLI (hook env)", "keyguard"),
            Hook("keyguard, Python CLI (hook env)", "keyguard", python_cli),
        ]
    floors = [
        Hook("semgrep floor: default CLI, 1 rule", "semgrep-floor", expect_findings=False),
        Hook("semgrep floor: native CLI, 1 rule", "semgrep-floor-native", expect_findings=False),
    ]
    return [*rows, *floors]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per hook (default 5)")
    parser.add_argument(
        "--no-hook-env", action="store_true", help="skip the real hook (no environment to build)"
    )
    args = parser.parse_args()
    rows = hooks(not args.no_hook_env)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    print(f"keyguard hook benchmark (languages), {now}")
    print(f"machine: {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, ", end="")
    print(f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory(prefix="kg-hook-lang-bench-") as tmp:
        base = Path(tmp)
        rev = copy_checkout(base / "keyguard")
        repo = base / "project"
        project(repo, base / "keyguard", rev)
        home = base / "pre-commit-home"
        for case, files in CASES.items():
            seen: dict[str, list[str]] = {}
            for hook in rows:  # warm-up (builds the hook environment once)
                *_, output = run_hook(repo, hook, files, home)
                if hook.expect_findings:
                    seen[hook.label] = _findings(output)
            if len({tuple(f) for f in seen.values()}) != 1:
                raise SystemExit(f"{case}: the keyguard rows disagree on the findings: {seen}")
            walls: dict[str, list[float]] = {h.label: [] for h in rows}
            cpus: dict[str, list[float]] = {h.label: [] for h in rows}
            for _ in range(args.runs):
                for hook in rows:
                    wall, cpu, _ = run_hook(repo, hook, files, home)
                    walls[hook.label].append(wall)
                    cpus[hook.label].append(cpu)
            wall_m = {label: statistics.median(t) for label, t in walls.items()}
            cpu_m = {label: statistics.median(t) for label, t in cpus.items()}
            floor = "semgrep floor: default CLI, 1 rule"
            print(f"\n{case}: pre-commit run --files, median of {args.runs} runs")
            print(f"({len(next(iter(seen.values())))} findings, the same in every keyguard row)\n")
            print("| hook | wall (median) | / floor | CPU (median) | / floor |")
            print("|---|---:|---:|---:|---:|")
            for label in wall_m:
                print(
                    f"| {label} | {wall_m[label]:.2f} s | {wall_m[label] / wall_m[floor]:.2f}x "
                    f"| {cpu_m[label]:.2f} s | {cpu_m[label] / cpu_m[floor]:.2f}x |"
                )
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    print("target: keyguard's hook (native CLI) <= 0.5x the Semgrep CLI floor (wall)")


if __name__ == "__main__":
    main()
