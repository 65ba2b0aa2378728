"""Git run safely on repositories we do not control: no hooks, filters, fsmonitor, submodules,
LFS smudge, credential prompts, or configuration from the user's home or the system."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from analyzer.org.gitauth import GitAuth

# Every git command we run gets these; the LFS filter keys are emptied so no driver can run,
# and no other filter driver can exist because no user/system config is read.
SAFE_CONFIG: tuple[str, ...] = (
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "core.symlinks=false",
    "core.protectNTFS=true",
    "core.protectHFS=true",
    "protocol.file.allow=always",
    "protocol.ext.allow=never",
    "submodule.recurse=false",
    "filter.lfs.smudge=",
    "filter.lfs.process=",
    "filter.lfs.clean=",
    "filter.lfs.required=false",
    "credential.helper=",
    "advice.detachedHead=false",
)


class GitError(Exception):
    """A git command failed or timed out; the message says which and why."""


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str


def run_bounded(
    command: list[str], *, timeout: float | None, env: dict[str, str], cwd: Path, stdin: bytes = b""
) -> Completed:
    """Run ``command`` in its own process group; on timeout kill the whole group.

    Raises ``TimeoutError`` when the deadline passes.
    """
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise TimeoutError(f"timed out after {timeout:.0f}s") from None
    except BaseException:
        _kill_group(proc)
        raise
    return Completed(
        proc.returncode,
        out.decode("utf-8", errors="replace"),
        err.decode("utf-8", errors="replace"),
    )


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


@contextmanager
def git_env() -> Iterator[dict[str, str]]:
    """An environment with an empty HOME and no system/global config, prompts or LFS smudge."""
    home = tempfile.mkdtemp(prefix="keyguard-git-home-")
    try:
        yield {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": home,
            "XDG_CONFIG_HOME": home,
            "LANG": "C",
            "LC_ALL": "C",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": "/bin/false",
            "SSH_ASKPASS": "/bin/false",
            "GIT_SSH_COMMAND": "ssh -o BatchMode=yes",
            "GIT_LFS_SKIP_SMUDGE": "1",
            "GIT_ALLOW_PROTOCOL": "file:git:http:https:ssh",
        }
    finally:
        shutil.rmtree(home, ignore_errors=True)


def git_command(*args: str) -> list[str]:
    flags = [part for item in SAFE_CONFIG for part in ("-c", item)]
    return ["git", *flags, *args]


def _git(
    args: list[str], cwd: Path, timeout: float | None, extra_env: dict[str, str] | None = None
) -> str:
    with git_env() as env:
        env.update(extra_env or {})
        try:
            done = run_bounded(git_command(*args), timeout=timeout, env=env, cwd=cwd)
        except TimeoutError as exc:
            raise GitError(f"git {args[0]}: {exc}") from None
        except OSError as exc:
            raise GitError(f"git {args[0]}: {exc.strerror or exc}") from None
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()
        raise GitError(f"git {args[0]} failed: {reason[-1] if reason else done.returncode}")
    return done.stdout.strip()


def remote_head(url: str, timeout: float | None = 60, auth: GitAuth | None = None) -> str:
    """The commit a remote's HEAD points to, without cloning it."""
    extra = auth.env_for(url) if auth else None
    out = _git(["ls-remote", "--", url, "HEAD"], Path(tempfile.gettempdir()), timeout, extra)
    if not out:
        raise GitError(f"git ls-remote: {url} has no HEAD (empty repository?)")
    return out.split()[0]


def local_head(path: Path, timeout: float | None = 30) -> str | None:
    """HEAD of a local checkout, or None when it is not a git repository (or has no commit)."""
    if not (path / ".git").exists():
        return None
    try:
        return _git(["-C", str(path), "rev-parse", "--verify", "HEAD^{commit}"], path, timeout)
    except GitError:
        return None


def safe_clone(url: str, dest: Path, timeout: float | None, auth: GitAuth | None = None) -> Path:
    """Shallow clone of ``url`` into ``dest`` (replaced if present), made safe to scan.

    ``auth`` reaches git through the environment only (see :mod:`analyzer.org.gitauth`)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    args = [
        "clone",
        "--depth",
        "1",
        "--single-branch",
        "--no-recurse-submodules",
        "--no-tags",
        "--config",
        "core.symlinks=false",
        "--config",
        "core.hooksPath=/dev/null",
        "--config",
        "core.fsmonitor=false",
        "--",
        url,
        str(dest),
    ]
    _git(args, dest.parent, timeout, auth.env_for(url) if auth else None)
    remove_symlinks(dest)
    return dest


def remove_symlinks(root: Path) -> list[str]:
    """Delete every symlink under ``root``: none may point outside the clone (belt and braces,
    since core.symlinks=false already checks links out as plain files)."""
    removed = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            if path.is_symlink():
                path.unlink()
                removed.append(path.relative_to(root).as_posix())
        dirnames[:] = [d for d in dirnames if d != ".git" and not (Path(dirpath) / d).is_symlink()]
    return removed
