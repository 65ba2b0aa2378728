"""Read the ``expect:`` / ``ok:`` annotations of fixture files: the fixtures' exact expectations.

An annotation ends a line inside that language's comment: ``# expect: KG201`` or
``// ok: KG101, KG301``. Files that cannot hold comments (JSON) carry a side file
``<name>.labels`` with one ``<line> expect: KG501`` or ``<line> ok: KG501`` per line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

LABEL = re.compile(r"(?:#|//|/\*|--|<!--)\s*(expect|ok):\s*(KG\d{3}(?:\s*,\s*KG\d{3})*)")
SIDE = re.compile(r"^\s*(\d+)\s+(expect|ok):\s*(KG\d{3}(?:\s*,\s*KG\d{3})*)\s*$")


@dataclass
class Labels:
    """Expected and forbidden (path, line, rule) triples for a fixture tree."""

    expected: set[tuple[str, int, str]] = field(default_factory=set)
    forbidden: set[tuple[str, int, str]] = field(default_factory=set)

    def add(self, kind: str, path: str, line: int, rules: str) -> None:
        target = self.expected if kind == "expect" else self.forbidden
        for rule in re.split(r"\s*,\s*", rules.strip()):
            target.add((path, line, rule))

    def __len__(self) -> int:
        return len({(p, n) for p, n, _ in self.expected | self.forbidden})


def read_labels(root: Path) -> Labels:
    """Collect labels for every file below ``root``; paths are POSIX, relative to ``root``."""
    labels = Labels()
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = file.relative_to(root).as_posix()
        if file.suffix == ".labels":
            target = rel.removesuffix(".labels")
            for raw in file.read_text(encoding="utf-8").splitlines():
                m = SIDE.match(raw)
                if m:
                    labels.add(m.group(2), target, int(m.group(1)), m.group(3))
            continue
        try:
            text = file.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for number, raw in enumerate(text.splitlines(), start=1):
            for m in LABEL.finditer(raw):
                labels.add(m.group(1), rel, number, m.group(2))
    return labels
