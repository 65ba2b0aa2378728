"""File discovery: .gitignore, skipped folders, symlink loops, explicit files."""

from __future__ import annotations

import os
from pathlib import Path

from analyzer.pipeline.discover import discover, scan_root


def rels(paths: list[Path], root: Path) -> list[str]:
    return sorted(c.rel for c in discover(paths, root))


def test_gitignore_and_skipped_folders(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("generated/\n*.log\n!keep.log\n")
    for rel in [
        "src/app.py",
        "src/generated/out.py",
        "generated/x.py",
        "debug.log",
        "keep.log",
        "node_modules/lib/index.js",
        ".git/config",
        "build/lib/x.py",
        "pkg.egg-info/PKG-INFO",
        "env/lib/site.py",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr")
    (tmp_path / "src" / ".gitignore").write_text("secret_*.py\n")
    (tmp_path / "src" / "secret_gen.py").write_text("x")
    assert rels([tmp_path], tmp_path) == [".gitignore", "keep.log", "src/.gitignore", "src/app.py"]


def test_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.py").write_text("x")
    os.symlink(tmp_path, tmp_path / "a" / "loop")
    os.symlink(tmp_path / "a" / "x.py", tmp_path / "a" / "link.py")
    assert rels([tmp_path], tmp_path) == ["a/x.py"]


def test_explicit_file_is_always_scanned(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.py\n")
    (tmp_path / "ignored.py").write_text("x")
    assert rels([tmp_path], tmp_path) == [".gitignore"]
    assert rels([tmp_path / "ignored.py"], tmp_path) == ["ignored.py"]


def test_duplicates_are_scanned_once(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x")
    assert rels([tmp_path, tmp_path / "a.py"], tmp_path) == ["a.py"]


def test_scan_root_is_cwd_when_it_holds_every_path(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "x").mkdir()
    monkeypatch.chdir(tmp_path)
    assert scan_root([Path("x")]) == tmp_path
    other = tmp_path.parent
    monkeypatch.chdir(tmp_path / "x")
    assert scan_root([tmp_path / "x", other]) == other


def test_own_reports_are_not_scanned(tmp_path: Path) -> None:
    for name in ["keyguard.sarif", ".keyguard-baseline.json", "app.py"]:
        (tmp_path / name).write_text("x")
    assert rels([tmp_path], tmp_path) == ["app.py"]
