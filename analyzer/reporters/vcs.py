"""Version-control provenance of a scan root, read from git."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sarif_om as so

_USERINFO = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@]+@", re.IGNORECASE)
_SCP = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>[^/].*)$")


def remote_uri(remote: str) -> str:
    """A remote as a URI without credentials; scp-style ``git@host:org/repo`` becomes ssh://,
    a local path a file:// URI."""
    if "://" not in remote:
        if m := _SCP.match(remote):
            return f"ssh://{m['host']}/{m['path']}"
        return Path(remote).absolute().as_uri()
    return _USERINFO.sub(r"\g<scheme>", remote)


def _git(root: Path, *args: str) -> str | None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GIT_TERMINAL_PROMPT": "0"}
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            env=env,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = done.stdout.strip()
    return out if done.returncode == 0 and out else None


REPO_ROOT = "REPOROOT"


def repository_root(root: Path) -> Path | None:
    """The top of the git work tree holding ``root``, if any."""
    toplevel = _git(root, "rev-parse", "--show-toplevel")
    return Path(toplevel) if toplevel else None


def repository_facts(root: Path) -> tuple[str | None, str | None, str | None]:
    """The origin remote as a URI without credentials, the commit and the branch of ``root``
    (None for what git does not know)."""
    remote = _git(root, "config", "--get", "remote.origin.url")
    branch = _git(root, "rev-parse", "--abbrev-ref", "HEAD")
    return (
        remote_uri(remote) if remote else None,
        _git(root, "rev-parse", "HEAD"),
        branch if branch and branch != "HEAD" else None,
    )


def inside_repository(root: Path) -> str:
    """The scan root's path inside its repository (``.`` at the top or outside git): how a
    report names it without a path of the scanning machine."""
    top = repository_root(root)
    if top is None:
        return "."
    try:
        return root.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return "."


def portable_path(text: str, root: Path) -> str:
    """A file name such as the policy's source relative to the scan root, or only its name when
    it lies outside (built-in sources such as ``<built-in profile default>`` stay as they are)."""
    path = Path(text)
    if not path.is_absolute():
        return text
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def provenance(root: Path) -> list[so.VersionControlDetails] | None:
    """Repository URI (credentials stripped), revision and branch when ``root`` is in git.

    ``mappedTo`` names the ``REPOROOT`` base id, which the SARIF run defines as the work tree's top.
    """
    import sarif_om as so

    revision = _git(root, "rev-parse", "HEAD")
    if revision is None:
        return None
    remote = _git(root, "config", "--get", "remote.origin.url")
    toplevel = _git(root, "rev-parse", "--show-toplevel")
    branch = _git(root, "rev-parse", "--abbrev-ref", "HEAD")
    uri = remote_uri(remote) if remote else Path(toplevel or root).absolute().as_uri()
    return [
        so.VersionControlDetails(
            repository_uri=uri,
            revision_id=revision,
            branch=branch if branch and branch != "HEAD" else None,
            mapped_to=so.ArtifactLocation(uri_base_id=REPO_ROOT),
        )
    ]
