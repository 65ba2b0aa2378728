"""Download (once, cached) and unpack a pinned project; return the folder that is its root.

Layout: ``<cache>/<ecosystem>/<package>-<version>/`` (+ the project's ``subdir``). The cache is
``--cache DIR``, else ``$KEYGUARD_REALWORLD_CACHE``, else ``~/.cache/keyguard-realworld``; it is
never inside the repository, so third-party code is never committed by accident.

    python benchmarks/realworld/fetch.py [--cache DIR] [NAME ...]   # prints each root
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from projects import PROJECTS_DIR, Project, load_project, load_projects

REPO = Path(__file__).resolve().parents[2]
PYPI_JSON = "https://pypi.org/pypi/{package}/{version}/json"
PYPI_PROJECT_JSON = "https://pypi.org/pypi/{package}/json"
_ARCHIVES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


class FetchError(RuntimeError):
    """A project could not be downloaded or unpacked."""


def default_cache_dir() -> Path:
    """``$KEYGUARD_REALWORLD_CACHE`` or ``~/.cache/keyguard-realworld``."""
    env = os.environ.get("KEYGUARD_REALWORLD_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "keyguard-realworld"


def _check_outside_repo(cache_dir: Path) -> None:
    resolved = cache_dir.resolve()
    if resolved == REPO or REPO in resolved.parents:
        raise FetchError(f"cache {cache_dir} is inside the repository; pick a folder outside it")


def _run(cmd: list[str], cwd: Path) -> None:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise FetchError(f"{' '.join(cmd)} failed ({result.returncode}): " + " | ".join(tail))


def _one_archive(folder: Path) -> Path:
    found = [p for p in folder.iterdir() if p.name.endswith((*_ARCHIVES, ".deb"))]
    if len(found) != 1:
        raise FetchError(f"expected one archive in {folder}, found {[p.name for p in found]}")
    return found[0]


def _unpack(archive: Path, dest: Path) -> None:
    """Unpack a tar or zip archive into ``dest`` with no path leaving it."""
    dest.mkdir(parents=True, exist_ok=True)
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                target = (dest / member).resolve()
                if dest.resolve() not in target.parents and target != dest.resolve():
                    raise FetchError(f"{archive.name}: member {member!r} leaves the folder")
            zf.extractall(dest)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(dest, filter="data")


def _strip_single_top(folder: Path, dest: Path) -> None:
    """Move the tree to ``dest``, dropping the one top-level folder sdists and npm tarballs have."""
    entries = list(folder.iterdir())
    source = entries[0] if len(entries) == 1 and entries[0].is_dir() else folder
    shutil.move(str(source), str(dest))


def _pypi_sdist(project: Project) -> dict | None:
    """The sdist entry (filename, url, digests) of the exact version from PyPI's JSON API."""
    for url in (
        PYPI_JSON.format(package=project.package, version=project.version),
        PYPI_PROJECT_JSON.format(package=project.package),
    ):
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                meta = json.load(response)
        except urllib.error.HTTPError:
            continue
        files = meta.get("releases", {}).get(project.version) or (
            meta.get("urls", []) if meta.get("info", {}).get("version") == project.version else []
        )
        sdists = [f for f in files if f.get("packagetype") == "sdist"]
        if sdists:  # a mirror may answer with URLs relative to the JSON document
            return {**sdists[0], "url": urllib.parse.urljoin(url, sdists[0]["url"])}
    return None


def _download_pypi(project: Project, work: Path) -> Path:
    """The sdist of the exact version: pip first, PyPI's JSON API when pip cannot fetch it as is."""
    spec = f"{project.package}=={project.version}"
    cmd = [sys.executable, "-m", "pip", "download", spec, "--no-deps", "--no-binary", ":all:"]
    cmd += ["--no-build-isolation", "--quiet", "-d", str(work)]
    env = {**os.environ, "PIP_CONSTRAINT": "", "PIP_REQUIRE_VIRTUALENV": "0"}
    result = subprocess.run(cmd, cwd=work, capture_output=True, text=True, env=env, check=False)
    if result.returncode == 0:
        return _one_archive(work)
    for stale in work.iterdir():  # pip may leave a partial file when metadata preparation fails
        stale.unlink() if stale.is_file() else shutil.rmtree(stale)
    sdist = _pypi_sdist(project)
    if sdist is None:
        raise FetchError(f"{spec}: no sdist on PyPI (pip said: {result.stderr.strip()[-300:]})")
    target = work / sdist["filename"]
    with urllib.request.urlopen(sdist["url"], timeout=120) as response, target.open("wb") as fh:
        shutil.copyfileobj(response, fh)
    digest = sdist.get("digests", {}).get("sha256")
    if digest and hashlib.sha256(target.read_bytes()).hexdigest() != digest:
        raise FetchError(f"{spec}: sha256 of {target.name} differs from PyPI's")
    return target


def _download_npm(project: Project, work: Path) -> Path:
    _run(["npm", "pack", f"{project.package}@{project.version}", "--silent"], cwd=work)
    return _one_archive(work)


def _download_deb(project: Project, work: Path) -> Path:
    _run(["apt-get", "download", f"{project.package}={project.version}"], cwd=work)
    return _one_archive(work)


def _unpack_deb(archive: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    _run(["dpkg-deb", "-x", str(archive), str(dest)], cwd=dest)


def fetch(project: Project, cache_dir: Path | None = None) -> Path:
    """The root of ``project`` under ``cache_dir``, downloading and unpacking it on first use."""
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    _check_outside_repo(cache_dir)
    base = cache_dir / project.ecosystem / f"{project.package}-{project.version}"
    if not base.is_dir():
        base.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=base.parent, prefix=".fetch-") as tmp:
            work, tree = Path(tmp) / "download", Path(tmp) / "tree"
            work.mkdir()
            if project.ecosystem == "pypi":
                _unpack(_download_pypi(project, work), tree)
                _strip_single_top(tree, Path(tmp) / "root")
            elif project.ecosystem == "npm":
                _unpack(_download_npm(project, work), tree)
                _strip_single_top(tree, Path(tmp) / "root")
            elif project.ecosystem == "deb":
                _unpack_deb(_download_deb(project, work), Path(tmp) / "root")
            else:
                raise FetchError(f"unknown ecosystem {project.ecosystem!r}")
            try:  # atomic: a half-unpacked tree is never cached
                (Path(tmp) / "root").rename(base)
            except OSError:
                if not base.is_dir():  # else another run unpacked it first
                    raise
    root = base / project.subdir if project.subdir else base
    if not root.is_dir():
        raise FetchError(f"{project.name}: subdir {project.subdir!r} not found in {base}")
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="project names (default: all)")
    parser.add_argument("--cache", type=Path, default=None, help="cache folder")
    args = parser.parse_args(argv)
    if args.names:
        chosen = [load_project(PROJECTS_DIR / f"{name}.toml") for name in args.names]
    else:
        chosen = load_projects()
    status = 0
    for project in chosen:
        try:
            print(f"{project.name}\t{fetch(project, args.cache)}")
        except (FetchError, OSError, ValueError) as exc:
            print(f"{project.name}\tERROR {exc}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
