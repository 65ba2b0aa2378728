"""The scan command: formats, exit codes, output files, bad input and bad command lines."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer import __version__
from analyzer.cli import main

WEAK = (
    "from cryptography.hazmat.primitives.asymmetric import rsa\n"
    "KEY_BITS = 512 * 2\n"
    "key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)\n"
)
CLEAN = "import random\nsongs = ['a', 'b', 'c']\nrandom.shuffle(songs)\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "keys.py").write_text(WEAK)
    (tmp_path / "app" / "playlist.py").write_text(CLEAN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and __version__ in out


def test_help_has_examples_and_exit_codes() -> None:
    code, out, _ = run("scan", "--help")
    assert code == 0
    assert "Examples:" in out and "Exit codes:" in out and "--fail-on" in out


def test_text_report_and_exit_code(project: Path) -> None:
    code, out, _ = run("scan", "app", "--no-color")
    assert code == 1
    assert "app/keys.py:3:7: KG201 [error]" in out
    assert "playlist" not in out
    assert out.strip().splitlines()[-1].startswith("keyguard: 1 finding (1 error, 0 warning")


def test_clean_tree_exits_zero(project: Path) -> None:
    code, out, _ = run("scan", "app/playlist.py")
    assert code == 0
    assert "0 findings" in out


def test_fail_on_never(project: Path) -> None:
    code, _, _ = run("scan", "app", "--fail-on", "never")
    assert code == 0


def test_json_format(project: Path) -> None:
    code, out, _ = run("scan", "app", "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert data["summary"]["by_rule"] == {"KG201": 1}
    assert data["findings"][0]["clause"] == "KGS-2"
    assert data["exit_code"] == 1


def test_sarif_output_file_is_valid(project: Path, validate_sarif) -> None:
    target = project / "out" / "nested" / "k.sarif"
    code, _, err = run("scan", "app", "--format", "sarif", "-o", str(target))
    assert code == 1
    assert "1 finding" in err
    log = json.loads(target.read_text())
    validate_sarif(log)
    assert log["runs"][0]["results"][0]["ruleId"] == "KG201"
    assert log["runs"][0]["invocations"][0]["exitCode"] == 1
    assert not list(target.parent.glob(".*.tmp"))


def test_unwritable_output_is_exit_2(project: Path) -> None:
    blocker = project / "file"
    blocker.write_text("x")
    code, _, err = run("scan", "app", "-o", str(blocker / "k.sarif"))
    assert code == 2
    assert "cannot write" in err and "k.sarif" in err


def test_missing_path_is_usage_error(project: Path) -> None:
    code, _, err = run("scan", "does-not-exist")
    assert code == 2
    assert "does-not-exist" in err


def test_bad_option_is_usage_error(project: Path) -> None:
    code, _, err = run("scan", "--format", "xml")
    assert code == 2
    assert "xml" in err


def test_bad_max_file_size(project: Path) -> None:
    code, _, err = run("scan", "--max-file-size", "lots")
    assert code == 2
    assert "lots" in err


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"print 'python 2'\n", "syntax"),
        (b"x = 1\n\x00\x00binary", "nul"),
        (b"# -*- coding: utf-8 -*-\nkey = '\xff\xfe'\n", "decode"),
        (b"x = " + b"(" * 10000 + b"1" + b")" * 10000 + b"\n", "deep"),
    ],
)
def test_bad_python_becomes_notification(
    project: Path, content: bytes, kind: str, validate_sarif
) -> None:
    bad = project / "app" / f"bad_{kind}.py"
    bad.write_bytes(b"from cryptography.hazmat.primitives import hashes\n" + content)
    code, out, err = run("scan", "app", "--format", "sarif")
    assert "Traceback" not in out + err
    log = json.loads(out)
    validate_sarif(log)
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any(f"bad_{kind}.py" in n["message"]["text"] for n in notes), notes
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["KG201"]
    assert code == 1


def test_file_over_size_limit(project: Path) -> None:
    big = project / "app" / "big.py"
    big.write_text("import random\n" + "x = 1\n" * 2000)
    code, out, _ = run("scan", "app", "--max-file-size", "1k", "--no-color")
    assert "big.py: skipped" in out and "over the 1,000-byte limit" in out
    assert code == 1


def test_unreadable_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = project / "app" / "locked.py"
    locked.write_text("import random\n")
    real = Path.read_bytes

    def deny(self: Path) -> bytes:
        if self.name == "locked.py":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    code, out, _ = run("scan", "app", "--no-color", "--jobs", "1")
    assert "locked.py: cannot be read (Permission denied)" in out
    assert code == 1


def test_fifo_is_not_opened(project: Path) -> None:
    os.mkfifo(project / "app" / "pipe.py")
    code, _, _ = run("scan", "app", "--jobs", "1")
    assert code == 1
