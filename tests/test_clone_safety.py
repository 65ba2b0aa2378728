"""Issue 8, point 3: a hostile repository cloned and scanned by ``keyguard batch`` runs nothing
(hooks, filter drivers, fsmonitor, submodules, its own Python) and follows no outward symlink."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.org.gitsafe import remove_symlinks
from tests.gitrepos import WEAK_RSA, bare_copy, git, make_repo

SECRET = "SECRET-CONTENT-7f3a9c"


def _script(path: Path, marker: Path) -> str:
    path.write_text(f"#!/bin/sh\necho ran >> '{marker}'\ncat\n", encoding="utf-8")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path | str]:
    """A bare repository (file:// URL) plus an attacker-friendly user configuration in HOME."""
    markers = tmp_path / "markers"
    markers.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text(
        f"# {SECRET}\n{WEAK_RSA}", encoding="utf-8"
    )  # would be a finding if followed

    sub = make_repo(tmp_path / "subrepo", {"sub.py": WEAK_RSA})
    origin = make_repo(
        tmp_path / "origin",
        {
            "app/keys.py": WEAK_RSA,
            ".gitattributes": "* filter=evil\n*.py diff=evil\n",
            ".lfsconfig": "[lfs]\n\turl = file:///nonexistent\n",
            "setup.py": f"open({str(markers / 'setup')!r}, 'w').write('ran')\n",
            "conftest.py": f"open({str(markers / 'conftest')!r}, 'w').write('ran')\n",
            "app/evil.py": f"import os\nos.system('touch {markers / 'import'}')\n",
        },
    )
    os.symlink(outside / "secret.py", origin / "app" / "leak.py")
    os.symlink(outside, origin / "outside_dir")
    git(
        origin, "-c", "protocol.file.allow=always", "submodule", "add", "-q", sub.as_uri(), "vendor"
    )
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "hostile")
    url = bare_copy(origin, tmp_path / "hostile.git")
    bare = tmp_path / "hostile.git"
    hooks = bare / "hooks"
    _script(hooks / "post-checkout", markers / "bare-hook")
    git(
        bare,
        "config",
        "core.fsmonitor",
        _script(tmp_path / "fsm-bare.sh", markers / "bare-fsmonitor"),
    )
    git(
        bare,
        "config",
        "filter.evil.smudge",
        _script(tmp_path / "f-bare.sh", markers / "bare-filter"),
    )

    # The user's own configuration is hostile too (e.g. a shared CI runner's HOME).
    home = tmp_path / "home"
    (home / "hooks").mkdir(parents=True)
    _script(home / "hooks" / "post-checkout", markers / "home-hook")
    (home / ".gitconfig").write_text(
        "[core]\n"
        f"\thooksPath = {home / 'hooks'}\n"
        f"\tfsmonitor = {_script(home / 'fsm.sh', markers / 'home-fsmonitor')}\n"
        '[filter "evil"]\n'
        f"\tsmudge = {_script(home / 'smudge.sh', markers / 'home-filter')}\n"
        "\trequired = true\n"
        '[filter "lfs"]\n'
        f"\tsmudge = {_script(home / 'lfs.sh', markers / 'home-lfs')}\n"
        "[submodule]\n\trecurse = true\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.chdir(tmp_path)
    return {"url": url, "markers": markers, "home": home, "tmp": tmp_path}


def test_the_hostile_setup_is_effective_with_plain_git(hostile: dict[str, Path | str]) -> None:
    """Control: an ordinary clone with this HOME does run the hook and the filter."""
    tmp = Path(hostile["tmp"])
    subprocess.run(
        ["git", "clone", "-q", str(hostile["url"]), str(tmp / "plain")],
        check=False,
        capture_output=True,
        env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1"},
    )
    ran = {p.name for p in Path(hostile["markers"]).iterdir()}
    assert "home-hook" in ran
    assert "home-filter" in ran
    assert (tmp / "plain" / "app" / "leak.py").is_symlink()


def test_batch_runs_nothing_and_follows_no_symlink(hostile: dict[str, Path | str]) -> None:
    tmp = Path(hostile["tmp"])
    result = CliRunner().invoke(
        main,
        [
            "batch",
            str(hostile["url"]),
            "--db",
            "r.sqlite",
            "--out",
            "out",
            "--workdir",
            "work",
            "--no-semgrep",
            "--format",
            "json",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    assert "1 scanned" in result.stderr
    assert sorted(p.name for p in Path(hostile["markers"]).iterdir()) == []

    clone = next((tmp / "work" / "clones").iterdir())
    assert (clone / "app" / "keys.py").is_file()
    links = [p for p in clone.rglob("*") if p.is_symlink()]
    assert links == []
    vendor = clone / "vendor"
    assert not vendor.exists() or not any(vendor.iterdir())  # submodule not cloned
    config = (clone / ".git" / "config").read_text().lower()
    assert "hookspath = /dev/null" in config and "symlinks = false" in config

    outputs = [p for p in (tmp / "out").rglob("*") if p.is_file()]
    assert outputs
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in outputs]
    texts.append(result.stdout + result.stderr)
    with sqlite3.connect(tmp / "r.sqlite") as db:
        texts.append("\n".join(db.iterdump()))
    for text in texts:
        assert SECRET not in text
        assert "secret.py" not in text
    with sqlite3.connect(tmp / "r.sqlite") as db:
        paths = {
            row[0] for row in db.execute("SELECT path FROM findings UNION SELECT path FROM sites")
        }
    assert paths == {"app/keys.py"}


def test_remove_symlinks_removes_every_link(tmp_path: Path) -> None:
    (tmp_path / "inside.txt").write_text("x")
    os.symlink("/etc/passwd", tmp_path / "out")
    os.symlink(tmp_path / "inside.txt", tmp_path / "in")
    (tmp_path / "d").mkdir()
    os.symlink("/etc", tmp_path / "d" / "etc")
    assert sorted(remove_symlinks(tmp_path)) == ["d/etc", "in", "out"]
    assert [p for p in tmp_path.rglob("*") if p.is_symlink()] == []
