"""The text fast paths of discovery give what pathlib gives (they are lexical, as pathlib is)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.pipeline.discover import _rel, scan_root


@pytest.mark.parametrize(
    ("path", "root"),
    [
        ("/a/b/c.py", "/a"),
        ("/a/b/c.py", "/a/b"),
        ("/ab/c.py", "/a"),  # a sibling whose name starts like the root is not below it
        ("/a/../x.py", "/a"),
        ("/x.py", "/"),
        ("/a", "/a"),
    ],
)
def test_rel_is_relative_to_or_the_whole_path(path: str, root: str) -> None:
    try:
        expected = Path(path).relative_to(root).as_posix()
    except ValueError:
        expected = Path(path).as_posix()
    assert _rel(Path(path), Path(root)) == expected


def test_scan_root_of_many_relative_paths_is_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("")
    monkeypatch.chdir(tmp_path / "pkg")
    assert scan_root([Path("a.py"), Path("."), Path("sub/b.py")]) == tmp_path / "pkg"
    assert scan_root([Path("a.py"), Path("../other.py")]) == tmp_path / "pkg"  # lexical
    assert scan_root([tmp_path / "pkg" / "a.py", tmp_path / "x" / "y.py"]) == tmp_path
