"""The rule catalogue (``rules/catalogue/KGxxx/``): each rule's metadata, its documentation and
its example files, the one source for ``keyguard explain``, the README and SARIF ``help``."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from analyzer.knowledge.algorithms import prohibited_names
from analyzer.knowledge.files import rules_dir

RULE_FILE = "rule.toml"
# A fact of the knowledge base a rule text may name; filled in when the rule is loaded.
PROHIBITED_PLACEHOLDER = "${prohibited_algorithms}"
# Example kinds, in the order the documentation shows them: the file stem and the section title.
EXAMPLE_KINDS: dict[str, str] = {"example": "Example", "use_instead": "Use instead"}
# Example file suffix -> Markdown fence language, in the order the documentation shows them.
FENCES: dict[str, str] = {
    ".py": "python",
    ".java": "java",
    ".kt": "kotlin",
    ".go": "go",
    ".js": "javascript",
    ".ts": "typescript",
    ".cs": "csharp",
    ".tf": "hcl",
    ".yaml": "yaml",
    ".json": "json",
}


@dataclass(frozen=True)
class Example:
    """One example file: ``example`` (must produce the rule) or ``use_instead`` (must not)."""

    kind: str
    path: Path

    @property
    def fence(self) -> str:
        return FENCES[self.path.suffix]

    def code(self) -> str:
        return self.path.read_text(encoding="utf-8").strip("\n")

    def markdown(self) -> str:
        return f"```{self.fence}\n{self.code()}\n```"


@dataclass(frozen=True)
class Rule:
    """One rule's metadata, its What/Why text and its example files."""

    id: str
    name: str
    category: str
    level: str
    cwe: int
    security_severity: float
    short: str
    what: str
    why: str
    examples: tuple[Example, ...] = ()
    # A boolean switch of the standard (a ``Policy`` field) without which the rule never runs.
    requires: str | None = None

    @property
    def cwe_tag(self) -> str:
        return f"external/cwe/cwe-{self.cwe}"

    def examples_of(self, kind: str) -> tuple[Example, ...]:
        return tuple(e for e in self.examples if e.kind == kind)

    def _section(self, kind: str) -> str:
        return "\n\n".join(e.markdown() for e in self.examples_of(kind))

    def markdown(self, level: int = 2) -> str:
        """The documentation as Markdown: What it does / Why is this bad? / Example / Use instead."""
        h, sub = "#" * level, "#" * (level + 1)
        examples = "".join(
            f"\n\n{sub} {title}\n{self._section(kind)}" for kind, title in EXAMPLE_KINDS.items()
        )
        return (
            f'{h} <a id="{self.id.lower()}"></a>{self.id} {self.name}\n\n{self.short}.\n\n'
            f"{sub} What it does\n{self.what.strip()}\n\n"
            f"{sub} Why is this bad?\n{self.why.strip()}{examples}\n"
        )

    def text(self) -> str:
        """The documentation as plain text for terminals and SARIF ``help.text``."""
        examples = "".join(
            f"\n\n{title}:\n" + _plain_examples(self.examples_of(kind))
            for kind, title in EXAMPLE_KINDS.items()
        )
        return (
            f"{self.id} {self.name}: {self.short}.\n\n"
            f"What it does:\n{_plain(self.what)}\n\n"
            f"Why is this bad?\n{_plain(self.why)}{examples}\n"
        )


def _plain_examples(examples: tuple[Example, ...]) -> str:
    """Example code for a terminal; several languages each under a ``(language)`` line."""
    if len(examples) == 1:
        return examples[0].code()
    return "\n\n".join(f"({e.fence})\n{e.code()}" for e in examples)


def _plain(markdown: str) -> str:
    return "\n".join(line for line in markdown.strip().splitlines() if not line.startswith("```"))


def catalogue_dir() -> Path:
    """Where the rule folders live."""
    return rules_dir() / "catalogue"


def load_rule(folder: Path) -> Rule:
    """One rule folder: ``rule.toml`` and its ``example.*`` / ``use_instead.*`` files."""
    with (folder / RULE_FILE).open("rb") as fh:
        data = tomllib.load(fh)
    examples = tuple(
        Example(kind, path)
        for kind in EXAMPLE_KINDS
        for suffix in FENCES
        if (path := folder / f"{kind}{suffix}").is_file()
    )
    names = ", ".join(prohibited_names())
    data = {
        k: v.replace(PROHIBITED_PLACEHOLDER, names) if isinstance(v, str) else v
        for k, v in data.items()
    }
    return Rule(**data, examples=examples)


@cache
def rules() -> dict[str, Rule]:
    """Every rule, by id, in id order."""
    folders = sorted(p for p in catalogue_dir().iterdir() if (p / RULE_FILE).is_file())
    return {rule.id: rule for rule in map(load_rule, folders)}


def markdown_table(clauses: Mapping[str, str]) -> str:
    """The README's rule table; ``clauses`` maps rule ids to clause ids (the standard owns them)."""
    head = "| Rule | Category | Level | Clause | CWE | Finds |\n|---|---|---|---|---|---|\n"
    return head + "".join(
        f"| [{r.id}](#{r.id.lower()}) | {r.category} | {r.level} | {clauses.get(r.id, '-')} | "
        f"[CWE-{r.cwe}](https://cwe.mitre.org/data/definitions/{r.cwe}.html) | {r.short} |\n"
        for r in rules().values()
    )


def markdown_docs() -> str:
    """Every rule's documentation, for the README's rule reference."""
    return "\n".join(r.markdown(level=3) for r in rules().values())
