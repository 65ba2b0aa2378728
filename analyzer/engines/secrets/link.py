"""The project step: an encrypted key whose passphrase is committed in another file.

A key file (``tests/test_rsa_password.key``) or a key held by a name in code
(``keydata.privateRSA_encrypted``) is referred to where it is loaded; a passphrase literal on that
line or the lines around it (``passphrase=b"..."``, ``.unlock("...")``, a second string argument)
puts the key and its passphrase in the same repository: one finding naming both places.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from analyzer.catalogue.ids import KEY_MATERIAL_IN_FILE
from analyzer.engines.secrets.engine import ENGINE, NO_PASSPHRASE
from analyzer.engines.secrets.placeholders import is_placeholder_text
from analyzer.findings.model import Finding, KeySite, Location, Related
from analyzer.knowledge.languages import SKIP_DIRS

LINK_SUFFIXES = frozenset(
    {".py", ".go", ".js", ".ts", ".java", ".kt", ".cs", ".rb", ".php", ".rs", ".sh"}
)
_MAX_BYTES = 1_000_000
_WINDOW = 3
_MAX_LINE = 1000  # minified code names everything on one line
_NAMED = re.compile(
    r"""(?i)(?:pass\w*|pwd|secret|unlock|decrypt)\w*["']?\s*(?:=|:|\()\s*[bru]?["']([^"'\n]{1,128})["']"""
)
_LITERAL = re.compile(r"""[bru]?["']([^"'\n]{3,128})["']""")
# Paths and file names, and hex fingerprints or ids, are never passphrases ...
# ... nor are environment variable names (``os.environ["KEY_PASS"]``).
_PATHLIKE = re.compile(r"[/\\]|\.\w{1,5}$|\A[0-9A-Fa-f: ]{16,}\Z|\A[A-Z][A-Z0-9_]*\Z")


@dataclass(frozen=True)
class _Reference:
    path: str
    line: int
    column: int


def _needle(site: KeySite) -> str:
    """How other files name the key: its file name, or the name that holds it in code."""
    holder = site.properties.get("holder", "")
    if holder:
        return holder
    return PurePosixPath(site.location.path).name


def _passphrase_at(lines: list[str], index: int, needle: str) -> tuple[int, int, int] | None:
    """A passphrase literal on the referring line (a second, non-path string: rank 0) or a
    passphrase-named one beside it (rank 1), as (rank, line, column)."""
    line = lines[index]
    for match in _LITERAL.finditer(line):
        value = match[1]
        usable = needle not in value and not _PATHLIKE.search(value)
        if usable and not is_placeholder_text(value) and match.start() > line.find(needle):
            return 0, index + 1, match.start(1) + 1
    for number in range(max(index - _WINDOW, 0), min(index + _WINDOW + 1, len(lines))):
        named = _NAMED.search(lines[number])
        if named and not is_placeholder_text(named[1]) and not _PATHLIKE.search(named[1]):
            return 1, number + 1, named.start(1) + 1
    return None


def _candidates(root: Path) -> list[tuple[str, list[str]]]:
    files = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in LINK_SUFFIXES or not path.is_file() or path.is_symlink():
            continue
        if SKIP_DIRS.intersection(path.relative_to(root).parts[:-1]):
            continue
        try:
            if path.stat().st_size > _MAX_BYTES:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        files.append((path.relative_to(root).as_posix(), text.splitlines()))
    return files


def link_passphrases(sites: list[KeySite], root: Path) -> list[Finding]:
    """Findings for encrypted keys (inventory sites of this engine) whose passphrase is committed
    where the key is loaded; their sites say where the passphrase is."""
    waiting = [s for s in sites if s.properties.get("protection") == NO_PASSPHRASE]
    if not waiting:
        return []
    files = _candidates(root)
    findings: list[Finding] = []
    for site in waiting:
        needle = _needle(site)
        found = _find(files, needle, site.location.path)
        if found is None:
            continue
        where = f"{found.path}:{found.line}"
        site.properties["protection"] = f"encrypted; passphrase committed at {where}"
        key = site.properties.get("key", "encrypted private key")
        findings.append(
            Finding(
                rule_id=KEY_MATERIAL_IN_FILE,
                location=site.location,
                message=(
                    f"{key} committed together with its passphrase ({where}); "
                    "revoke it and load keys from a secret manager"
                ),
                engine=ENGINE,
                related=[Related(Location(found.path, found.line, found.column), "its passphrase")],
                facts={
                    "detector": "encrypted-key-with-passphrase",
                    "key": key,
                    "passphrase_at": where,
                    "secret_sha256": site.properties.get("secret_sha256", ""),
                },
            )
        )
    return findings


def _find(files: list[tuple[str, list[str]]], needle: str, own: str) -> _Reference | None:
    """Where the key is loaded with its passphrase: a literal handed to the loader beats a
    passphrase-named literal nearby (which may be another credential, a login password)."""
    best: tuple[int, _Reference] | None = None
    for rel, lines in files:
        if rel == own and needle == PurePosixPath(own).name:
            continue
        pattern = re.compile(rf"(?<![\w-]){re.escape(needle)}(?![\w-])")
        for index, line in enumerate(lines):
            if len(line) > _MAX_LINE or needle not in line or "-----BEGIN" in line:
                continue
            if not pattern.search(line):
                continue
            hit = _passphrase_at(lines, index, needle)
            if hit is None or (best is not None and best[0] <= hit[0]):
                continue
            best = (hit[0], _Reference(rel, hit[1], hit[2]))
            if hit[0] == 0:
                return best[1]
    return best[1] if best else None
