"""Nothing lost: reports are replaced atomically, and write failures are one clear line, exit 2."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.reporters import output
from analyzer.reporters.output import OutputError, write_atomic

OLD = '{"old": "report"}\n'
NEW = '{"new": "report"}\n' * 10_000
KEYS = (
    "from cryptography.hazmat.primitives.asymmetric import rsa\n"
    "key = rsa.generate_private_key(public_exponent=65537, key_size=1024)\n"
)


def _no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def _enospc(*_args: object, **_kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _interrupt(*_args: object, **_kwargs: object) -> None:
    raise KeyboardInterrupt


@pytest.fixture
def target(tmp_path: Path) -> Path:
    path = tmp_path / "reports" / "keyguard.sarif"
    path.parent.mkdir()
    path.write_text(OLD)
    return path


def test_replaces_whole_file_and_leaves_no_temp(target: Path) -> None:
    write_atomic(target, NEW)
    assert target.read_text() == NEW
    assert _no_temp_files(target.parent)


@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
def test_interrupted_write_keeps_old_file(
    target: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if where == "write":
        real_fdopen = os.fdopen

        class Half:
            """A file object that writes half of the text, then is interrupted."""

            def __init__(self, *args: object, **kwargs: object) -> None:
                self.fh = real_fdopen(*args, **kwargs)  # type: ignore[call-overload]

            def __enter__(self) -> Half:
                return self

            def __exit__(self, *exc: object) -> None:
                self.fh.close()

            def fileno(self) -> int:
                return self.fh.fileno()

            def write(self, text: str) -> None:
                self.fh.write(text[: len(text) // 2])
                self.fh.flush()
                raise KeyboardInterrupt

        monkeypatch.setattr(output.os, "fdopen", Half)
    else:
        monkeypatch.setattr(output.os, where, _interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, NEW)
    assert target.read_text() == OLD
    assert _no_temp_files(target.parent)


def test_disk_full_is_output_error(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output.os, "fsync", _enospc)
    with pytest.raises(OutputError, match="No space left on device"):
        write_atomic(target, NEW)
    assert target.read_text() == OLD
    assert _no_temp_files(target.parent)


def test_missing_folders_are_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "c" / "out.json"
    write_atomic(path, NEW)
    assert path.read_text() == NEW


def test_existing_permissions_are_kept(target: Path) -> None:
    target.chmod(0o640)
    write_atomic(target, NEW)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_new_file_is_not_private_only(tmp_path: Path) -> None:
    """mkstemp makes 0600 files; a report must follow the umask like any other output."""
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "r.sarif", NEW)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "r.sarif").stat().st_mode) == 0o644


def test_unencodable_text_is_still_written(tmp_path: Path) -> None:
    """A lone surrogate (from an undecodable file name) must not abort the write."""
    path = tmp_path / "r.txt"
    write_atomic(path, "bad\udcffname.py: finding\n")
    assert "bad" in path.read_text() and "finding" in path.read_text()


# The command line: one line on stderr, exit code 2, never a traceback.


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "keys.py").write_text(KEYS)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _scan(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["scan", "app", "--no-semgrep", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout, result.stderr


def _one_clear_line(err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("keyguard: cannot write")
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0]


def test_cli_creates_missing_output_folder(project: Path) -> None:
    out = project / "new" / "deeper" / "k.sarif"
    code, _, _ = _scan("--format", "sarif", "-o", str(out))
    assert code == 1
    assert out.is_file() and '"ruleId": "KG201"' in out.read_text()


def test_cli_disk_full(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = project / "k.sarif"
    out.write_text(OLD)
    monkeypatch.setattr(output.os, "fsync", _enospc)
    code, _, err = _scan("--format", "sarif", "-o", str(out))
    assert code == 2
    _one_clear_line(err, "k.sarif", "No space left on device")
    assert out.read_text() == OLD
    assert _no_temp_files(project)


def test_cli_read_only_folder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = project / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    if os.geteuid() == 0:  # root ignores permission bits: refuse the way the kernel would

        def _denied(*_args: object, **_kwargs: object) -> None:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

        monkeypatch.setattr(tempfile, "mkstemp", _denied)
    try:
        code, _, err = _scan("--format", "json", "-o", str(folder / "k.json"))
    finally:
        folder.chmod(0o755)
    assert code == 2
    _one_clear_line(err, "k.json", "Permission denied")
    assert not (folder / "k.json").exists()


def test_cli_output_under_a_file(project: Path) -> None:
    blocker = project / "plain-file"
    blocker.write_text("x")
    code, _, err = _scan("-o", str(blocker / "sub" / "k.txt"))
    assert code == 2
    _one_clear_line(err, "k.txt")


def test_cli_output_is_a_folder(project: Path) -> None:
    (project / "k.sarif").mkdir()
    code, _, err = _scan("--format", "sarif", "-o", str(project / "k.sarif"))
    assert code == 2
    assert "Traceback" not in err
    assert "is a directory" in err.strip().splitlines()[-1]
