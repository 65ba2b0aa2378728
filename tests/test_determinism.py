"""Determinism: the same tree gives the same SARIF, whatever the worker count; fingerprints survive
unrelated edits."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from analyzer.pipeline.files import PARALLEL_MIN_FILES
from analyzer.pipeline.run import ScanOptions, ScanReport, scan
from analyzer.policy import default_policy
from analyzer.reporters.jsonout import render_json
from analyzer.reporters.run import RunInfo
from analyzer.reporters.sarif import render_sarif

INFO = RunInfo(command_line="keyguard scan .", exit_code=1)
TIMES = re.compile(r'"(startTimeUtc|endTimeUtc)": "[^"]*"')

WEAK = """\
from cryptography.hazmat.primitives.asymmetric import rsa, ec
import random
import os

BITS = {bits}


def make_{i}():
    key = rsa.generate_private_key(public_exponent=3, key_size=BITS)
    curve = ec.generate_private_key(ec.SECP192R1())
    secret = bytes(random.getrandbits(8) for _ in range(16))
    iv = os.urandom(8)
    return key, curve, secret, iv
"""
HARDCODED = (
    'from Crypto.Cipher import AES\ncipher = AES.new(b"q7Vr2mXz9LcB4nWe{i:04d}", AES.MODE_GCM)\n'
)


def _tree(root: Path) -> Path:
    for i in range(20):
        (root / "pkg" / f"sub{i % 4}").mkdir(parents=True, exist_ok=True)
        (root / "pkg" / f"sub{i % 4}" / f"mod{i}.py").write_text(WEAK.format(i=i, bits=512 + i))
    for i in range(8):
        (root / "pkg" / f"crypto{i}.py").write_text(HARDCODED.format(i=i))
    (root / "tests").mkdir()
    (root / "tests" / "test_keys.py").write_text(WEAK.format(i=99, bits=1024))
    (root / ".env").write_text("SIGNING_KEY=9fK2mQ7xL4vB8nR1tZ6wC3yH5jP0sD2gA7eU4iO1\n")
    (root / "bad.py").write_bytes(b"import random\nkey = (\n\xff\xfe\n")
    (root / "deep.py").write_text("import os\nkey = os.urandom(" + "(" * 300 + ")" * 300 + ")\n")
    (root / "big.py").write_text("import os\nkey = os.urandom(8)\n" + "#" * 3000 + "\n")
    return root


def _scan(root: Path, jobs: int) -> ScanReport:
    options = ScanOptions(jobs=jobs, without=("semgrep",), max_file_bytes=2_000)
    return scan([root], root, default_policy(), options)


def _sarif(report: ScanReport) -> str:
    return TIMES.sub(r'"\1": "-"', render_sarif(report, INFO))


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _tree(tmp_path_factory.mktemp("determinism"))


def test_tree_uses_the_worker_pool(tree: Path) -> None:
    report = _scan(tree, jobs=1)
    assert report.files_seen >= max(30, PARALLEL_MIN_FILES)
    assert len(report.findings) > 40 and report.sites and len(report.notifications) >= 2


def test_jobs_do_not_change_the_sarif(tree: Path) -> None:
    one, two = _sarif(_scan(tree, jobs=1)), _sarif(_scan(tree, jobs=2))
    assert one == two


def test_repeated_scans_are_identical(tree: Path) -> None:
    first, second = _scan(tree, jobs=2), _scan(tree, jobs=2)
    assert _sarif(first) == _sarif(second)
    assert json.loads(render_json(first, INFO)) == json.loads(render_json(second, INFO))


def _fingerprints(report: ScanReport) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for f in report.findings:
        out.setdefault((f.location.path, f.rule_id), []).append(f.fingerprint)
    return {k: sorted(v) for k, v in out.items()}


def test_fingerprints_survive_unrelated_line_moves(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    before = _fingerprints(_scan(root, jobs=1))
    target = root / "pkg" / "sub1" / "mod1.py"
    text = target.read_text()
    head, _, body = text.partition("\n\n\n")
    moved = f'"""Docstring added above."""\n\n{head}\n\nUNRELATED = 1\n\n\n\n{body}'
    target.write_text(moved)
    crypto = root / "pkg" / "crypto3.py"
    crypto.write_text("# a comment\n\n\n" + crypto.read_text())
    after_report = _scan(root, jobs=1)
    after = _fingerprints(after_report)
    assert after == before
    lines = {f.location.line for f in after_report.findings if f.location.path.endswith("mod1.py")}
    assert min(lines) > 9, "the findings did move"


def test_cli_jobs_1_and_2_on_the_fixtures_with_every_engine(tmp_path: Path) -> None:
    """The issue's acceptance check, Semgrep included, through the command line."""
    from click.testing import CliRunner

    from analyzer.cli import main

    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    logs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}.sarif"
        result = CliRunner().invoke(
            main, ["scan", str(fixtures), "--format", "sarif", "--jobs", jobs, "-o", str(out)]
        )
        assert result.exit_code in (0, 1), result.output
        log = json.loads(out.read_text())
        for invocation in log["runs"][0]["invocations"]:
            for key in ("startTimeUtc", "endTimeUtc", "commandLine"):
                invocation.pop(key, None)
        logs.append(json.dumps(log, indent=2))
    assert logs[0] == logs[1]
    assert '"ruleId"' in logs[0]
