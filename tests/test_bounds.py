"""Bounds: a slow file is abandoned and the scan goes on; no regular expression backtracks badly."""

from __future__ import annotations

import ast
import importlib
import json
import multiprocessing
import pkgutil
import random
import re
import signal
import sys
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import analyzer
from analyzer.engines.secrets import prefilter as secrets_prefilter
from analyzer.findings.model import FileResult
from analyzer.pipeline import run as scan_module
from analyzer.pipeline.files import _analyze, _Context, _Work
from analyzer.pipeline.run import ScanOptions, scan
from analyzer.pipeline.timelimit import TimeLimitExceeded, time_limit
from analyzer.policy import default_policy

REPO = Path(__file__).resolve().parent.parent
RE_FUNCTIONS = {"compile", "search", "match", "fullmatch", "sub", "subn", "split", "findall"}
RE_FUNCTIONS |= {"finditer"}
ADVERSARIAL_LENGTH = 100_000
GUARD_SECONDS = 20.0


# A per-file time limit.


def _stuck_engine(source: bytes, path: str, *_args: Any) -> FileResult:
    if b"STUCK" in source:
        while True:
            pass
    result = FileResult(path)
    return result


@pytest.fixture
def stuck(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr("analyzer.engines.python.engine.analyze_python", _stuck_engine)
    monkeypatch.setattr("analyzer.engines.python.prefilter.python_prefilter", lambda _data: True)
    for i in range(30):
        (tmp_path / f"mod{i:02}.py").write_text(f"x = {i}\n")
    (tmp_path / "slow.py").write_text("STUCK = True\n")
    return tmp_path


def _scan(root: Path, jobs: int) -> scan_module.ScanReport:
    options = ScanOptions(jobs=jobs, file_timeout=0.5, without=("semgrep", "secrets"))
    return scan([root], root, default_policy(), options)


def _check_abandoned(report: scan_module.ScanReport) -> None:
    timeouts = [n for n in report.notifications if n.kind == "file-timeout"]
    assert [n.path for n in timeouts] == ["slow.py"]
    assert "slow.py" in timeouts[0].message and "--file-timeout" in timeouts[0].message
    assert report.files_seen == 31 and report.files_analyzed == 30  # all but the abandoned one


def test_slow_file_is_abandoned_in_process(stuck: Path) -> None:
    _check_abandoned(_scan(stuck, jobs=1))
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork",
    reason="workers only see the patched engine when forked",
)
def test_slow_file_is_abandoned_in_a_worker(stuck: Path) -> None:
    _check_abandoned(_scan(stuck, jobs=2))


def test_no_limit_but_no_crash_outside_the_main_thread(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import os\nkey = os.urandom(32)\n")
    work = _Work(tmp_path / "a.py", "a.py")
    out: list[FileResult] = []
    thread = threading.Thread(
        target=lambda: out.append(
            _analyze(work, _Context(tmp_path, default_policy(), 10**6, None, 0.5))
        )
    )
    thread.start()
    thread.join()
    assert out and out[0].path == "a.py"
    assert not [n for n in out[0].notifications if n.kind == "internal-error"]


def test_previous_alarm_handler_is_restored(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    work = _Work(tmp_path / "a.py", "a.py")
    before = signal.getsignal(signal.SIGALRM)
    _analyze(work, _Context(tmp_path, default_policy(), 10**6, None, 5))
    assert signal.getsignal(signal.SIGALRM) is before


# Regular expressions: every one in analyzer/ and in rules/ data, against long adversarial input.


def _literal(node: ast.expr) -> str | bytes | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left), _literal(node.right)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        if isinstance(left, bytes) and isinstance(right, bytes):
            return left + right
        return None
    return None


def _flags(call: ast.Call) -> int:
    names = {n.attr for n in ast.walk(call) if isinstance(n, ast.Attribute)}
    flags = 0
    for name in ("IGNORECASE", "MULTILINE", "DOTALL", "VERBOSE", "ASCII"):
        if name in names:
            flags |= getattr(re, name)
    return flags


def _source_patterns() -> Iterator[tuple[str, str | bytes, int]]:
    for path in sorted((REPO / "analyzer").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            owner = node.func.value
            if not (isinstance(owner, ast.Name) and owner.id in {"re", "regex"}):
                continue
            if node.func.attr not in RE_FUNCTIONS or not node.args:
                continue
            pattern = _literal(node.args[0])
            if pattern is not None:
                anchored = "(match)" if node.func.attr in {"match", "fullmatch"} else ""
                where = f"{path.relative_to(REPO)}:{node.lineno}{anchored}"
                yield where, pattern, _flags(node)


def _compiled(value: Any, depth: int = 0) -> Iterator[re.Pattern[Any]]:
    if isinstance(value, re.Pattern):
        yield value
    elif depth < 3 and isinstance(value, dict):
        for item in value.values():
            yield from _compiled(item, depth + 1)
    elif depth < 3 and isinstance(value, list | tuple | frozenset | set):
        for item in value:
            yield from _compiled(item, depth + 1)


def _module_patterns() -> Iterator[tuple[str, str | bytes, int]]:
    """Patterns built at import time (for example from a data table), wherever they come from."""
    for info in pkgutil.walk_packages(analyzer.__path__, "analyzer."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in sorted(vars(module).items()):
            for pattern in _compiled(value):
                yield f"{info.name}.{name}", pattern.pattern, pattern.flags & ~re.UNICODE


def _data_regexes(value: Any, where: str) -> Iterator[tuple[str, str, int]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and "regex" in key.lower() and "${" not in item:
                yield f"{where}.{key}", item, 0
            else:
                yield from _data_regexes(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _data_regexes(item, f"{where}[{i}]")


def _rules_patterns() -> Iterator[tuple[str, str | bytes, int]]:
    rules = REPO / "rules"
    for path in sorted(rules.rglob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        yield from _data_regexes(data, str(path.relative_to(REPO)))
    try:
        import yaml
    except ImportError:
        return
    for path in sorted([*rules.rglob("*.yaml"), *rules.rglob("*.yml")]):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for where, pattern, flags in _data_regexes(data, str(path.relative_to(REPO))):
            try:
                re.compile(pattern, flags)
            except re.error:  # PCRE-only syntax: Semgrep's engine, not Python's, runs it
                continue
            yield where, pattern, flags


def all_patterns() -> list[tuple[str, str | bytes, int]]:
    seen: dict[tuple[str | bytes, int], str] = {}
    for where, pattern, flags in [*_source_patterns(), *_module_patterns(), *_rules_patterns()]:
        seen.setdefault((pattern, flags), where)
    return sorted(((where, p, f) for (p, f), where in seen.items()), key=lambda t: t[0])


BASE_ALPHABET = "a0 =-/\"'\t\\"
N = ADVERSARIAL_LENGTH
# Shapes that once made a pattern here quadratic: long whitespace inside a suppression comment,
# long dotted keys with quotes.
HOSTILE = (
    "# keyguard: ignore[KG101] reason: a" + " " * N + "x",
    "# keyguard: ignore[KG101 ," + " " * N + "x",
    "a." * (N // 2) + "'",
    "[" + "a." * (N // 2) + "'",
    "-----BEGIN RSA PRIVATE KEY-----" + "A" * N,
    "x = b'" + "\\x00" * (N // 4),
)
# Patterns whose subject is short by construction: where it comes from, and its bound.
SEMGREP_METAVARIABLE_BOUND = 4_096
BOUNDED_SUBJECT: dict[str | bytes, tuple[str, int]] = {
    secrets_prefilter._BARE_VALUE.pattern: (
        "one line's window, matched at one position",
        secrets_prefilter._LINE_WINDOW,
    ),
}


def adversarial_inputs(pattern: str | bytes, seed: int) -> Iterator[str]:
    """Long runs of single characters and of pairs of the pattern's own literal characters."""
    if isinstance(pattern, bytes):
        pattern = pattern.decode("latin-1")
    own = sorted({c for c in re.sub(r"\\.", "", pattern) if c.isprintable()} - set("^$|?*+{}()"))
    alphabet = sorted(set(BASE_ALPHABET) | set(own))
    rnd = random.Random(seed)
    n = ADVERSARIAL_LENGTH
    for c in alphabet:
        yield c * n + "\x00!"
    for a in rnd.sample(own, min(len(own), 6)):
        b = rnd.choice(alphabet)
        yield (a + b) * (n // 2) + "\n!"
    yield "".join(rnd.choice(own or alphabet) for _ in range(n))
    yield ("key = '" + "a" * 40 + "' ") * (n // 48)
    yield from HOSTILE


guard = time_limit
_Expired = TimeLimitExceeded


def test_patterns_are_found() -> None:
    """The collector sees the known ones, so an empty parametrisation cannot pass silently."""
    found = {p for _, p, _ in all_patterns()}
    assert len(found) >= 10
    from analyzer.findings import redact

    assert redact._QUOTED.pattern in found and redact._LONG_TOKEN.pattern in found


@pytest.mark.parametrize(("where", "pattern", "flags"), all_patterns(), ids=lambda v: str(v)[:60])
def test_no_catastrophic_backtracking(where: str, pattern: str | bytes, flags: int) -> None:
    regex = re.compile(pattern, flags)
    as_bytes = isinstance(pattern, bytes)
    bound = BOUNDED_SUBJECT.get(pattern, ("", ADVERSARIAL_LENGTH + 100))[1]
    if where.startswith("rules/semgrep/"):
        # A rule's regex runs in Semgrep (PCRE, with its own match limit) on one metavariable's
        # text: a name or an expression of one statement.
        bound = min(bound, SEMGREP_METAVARIABLE_BOUND)
    try:
        with guard(GUARD_SECONDS):
            for long_text in adversarial_inputs(pattern, seed=len(pattern)):
                text: Any = long_text[:bound]
                if as_bytes:
                    text = text.encode("utf-8", errors="surrogatepass")
                regex.match(text)
                if not where.endswith("(match)"):  # used with search/sub/split: every start
                    for _ in regex.finditer(text):
                        pass
    except _Expired:
        pytest.fail(f"{where}: {pattern!r} did not finish within {GUARD_SECONDS:g} s")


def test_recursion_limit_is_left_alone(tmp_path: Path) -> None:
    """Deeply nested input is the engine's problem to refuse, not a reason to raise the limit."""
    limit = sys.getrecursionlimit()
    nested = "(" * 5_000 + "1" + ")" * 5_000
    (tmp_path / "deep.py").write_text(f"import os\nkey = os.urandom({nested})\n")
    report = _scan_real(tmp_path)
    assert sys.getrecursionlimit() == limit
    assert [n.path for n in report.notifications] == ["deep.py"]


def _scan_real(root: Path) -> scan_module.ScanReport:
    return scan([root], root, default_policy(), ScanOptions(jobs=1, without=("semgrep",)))


def test_cli_file_timeout(stuck: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from analyzer.cli import main

    monkeypatch.chdir(stuck)
    args = ["scan", ".", "--jobs", "1", "--no-semgrep", "--file-timeout", "0.3"]
    result = CliRunner().invoke(main, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    notes = json.loads(result.stdout)["notifications"]
    assert [(n["kind"], n["path"]) for n in notes] == [("file-timeout", "slow.py")]
    bad = CliRunner().invoke(main, ["scan", ".", "--file-timeout", "-1"])
    assert bad.exit_code == 2 and "--file-timeout" in bad.stderr
