"""The key inventory: every key-generation site with algorithm, size or curve, library, place
and verdict, for one repository or many, as text or JSON (the CBOM reporter builds on it)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from analyzer.findings.model import KeySite


@dataclass(frozen=True)
class InventoryItem:
    """One key-generation site in one repository."""

    repo: str
    path: str
    line: int
    api: str
    library: str
    algorithm: str
    primitive: str
    size: int | None
    curve: str | None
    verdict: str
    rule_ids: tuple[str, ...] = ()
    properties: tuple[tuple[str, str], ...] = ()

    @property
    def parameter(self) -> str:
        """Size or curve as an assessor reads it, ``?`` when not resolved statically."""
        if self.curve:
            return self.curve
        return str(self.size) if self.size is not None else "?"


def from_sites(repo: str, sites: list[KeySite]) -> list[InventoryItem]:
    return [
        InventoryItem(
            repo=repo,
            path=s.location.path,
            line=s.location.line,
            api=s.api,
            library=s.library,
            algorithm=s.algorithm,
            primitive=s.primitive,
            size=s.size,
            curve=s.curve,
            verdict=s.verdict,
            rule_ids=tuple(s.rule_ids),
            properties=tuple(sorted((getattr(s, "properties", {}) or {}).items())),
        )
        for s in sites
    ]


def from_rows(repo: str, rows: list[dict[str, Any]]) -> list[InventoryItem]:
    """Items from the history's site rows."""
    return [
        InventoryItem(
            repo=repo,
            path=r["path"],
            line=r["line"],
            api=r["api"],
            library=r["library"],
            algorithm=r["algorithm"],
            primitive=r["primitive"],
            size=r["size"],
            curve=r["curve"],
            verdict=r["verdict"],
            rule_ids=tuple(r["rule_ids"]),
            properties=tuple(sorted((r.get("properties") or {}).items())),
        )
        for r in rows
    ]


def render_json(items: list[InventoryItem]) -> str:
    data = [
        asdict(i) | {"rule_ids": list(i.rule_ids), "properties": dict(i.properties)} for i in items
    ]
    return json.dumps({"inventory": data}, indent=2) + "\n"


def render_text(items: list[InventoryItem]) -> str:
    """One line per site, then counts per verdict."""
    lines = [
        f"{i.path}:{i.line}: {i.algorithm} {i.parameter} via {i.api} ({i.library}) "
        f"[{i.verdict}{': ' + ', '.join(i.rule_ids) if i.rule_ids else ''}]"
        for i in items
    ]
    verdicts = {
        v: sum(1 for i in items if i.verdict == v) for v in ("compliant", "violation", "unverified")
    }
    lines.append(
        f"{len(items)} key-generation site{'s' * (len(items) != 1)}: "
        + ", ".join(f"{n} {v}" for v, n in verdicts.items())
    )
    return "\n".join(lines) + "\n"
