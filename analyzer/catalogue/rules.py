"""The rule catalogue (``rules/catalogue.toml``): metadata and documentation of every rule."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from analyzer.knowledge.algorithms import prohibited_names
from analyzer.knowledge.files import rules_dir

# Facts of the knowledge base the rule texts name: ``${prohibited_algorithms}`` and the like.
PLACEHOLDER = "${prohibited_algorithms}"


def _with_knowledge(entry: dict) -> dict:
    names = ", ".join(prohibited_names())
    return {k: v.replace(PLACEHOLDER, names) if isinstance(v, str) else v for k, v in entry.items()}


@dataclass(frozen=True)
class Rule:
    """One rule's metadata and its four documentation sections."""

    id: str
    name: str
    category: str
    level: str
    cwe: int
    security_severity: float
    clause: str
    short: str
    what: str
    why: str
    example: str
    use_instead: str

    @property
    def cwe_tag(self) -> str:
        return f"external/cwe/cwe-{self.cwe}"

    def markdown(self, level: int = 2) -> str:
        """The documentation as Markdown: What it does / Why is this bad? / Example / Use instead."""
        h, sub = "#" * level, "#" * (level + 1)
        return (
            f'{h} <a id="{self.id.lower()}"></a>{self.id} {self.name}\n\n{self.short}.\n\n'
            f"{sub} What it does\n{self.what.strip()}\n\n"
            f"{sub} Why is this bad?\n{self.why.strip()}\n\n"
            f"{sub} Example\n{self.example.strip()}\n\n"
            f"{sub} Use instead\n{self.use_instead.strip()}\n"
        )

    def text(self) -> str:
        """The documentation as plain text for terminals and SARIF ``help.text``."""
        strip = lambda s: "\n".join(  # noqa: E731
            line for line in s.strip().splitlines() if not line.startswith("```")
        )
        return (
            f"{self.id} {self.name}: {self.short}.\n\n"
            f"What it does:\n{strip(self.what)}\n\n"
            f"Why is this bad?\n{strip(self.why)}\n\n"
            f"Example:\n{strip(self.example)}\n\n"
            f"Use instead:\n{strip(self.use_instead)}\n"
        )


@cache
def rules() -> dict[str, Rule]:
    """Every rule, by id, in catalogue order."""
    with (rules_dir() / "catalogue.toml").open("rb") as fh:
        data = tomllib.load(fh)
    return {entry["id"]: Rule(**_with_knowledge(entry)) for entry in data["rule"]}


def markdown_table() -> str:
    """The README's rule table, generated from the catalogue."""
    head = "| Rule | Category | Level | Clause | CWE | Finds |\n|---|---|---|---|---|---|\n"
    return head + "".join(
        f"| [{r.id}](#{r.id.lower()}) | {r.category} | {r.level} | {r.clause} | "
        f"[CWE-{r.cwe}](https://cwe.mitre.org/data/definitions/{r.cwe}.html) | {r.short} |\n"
        for r in rules().values()
    )


def markdown_docs() -> str:
    """Every rule's documentation, for the README's rule reference."""
    return "\n".join(r.markdown(level=3) for r in rules().values())
