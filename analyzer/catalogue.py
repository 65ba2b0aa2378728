"""The rule catalogue (``rules/catalogue.toml``): metadata and documentation of every rule."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from analyzer.resources import rules_dir

HELP_URI = "https://github.com/keyguard-dev/keyguard/blob/main/README.md#rules"


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

    @property
    def help_uri(self) -> str:
        return f"{HELP_URI.rsplit('#', 1)[0]}#{self.id.lower()}"

    def markdown(self) -> str:
        """The documentation as Markdown: What it does / Why is this bad? / Example / Use instead."""
        return (
            f"## {self.id} {self.name}\n\n{self.short}.\n\n"
            f"### What it does\n{self.what.strip()}\n\n"
            f"### Why is this bad?\n{self.why.strip()}\n\n"
            f"### Example\n{self.example.strip()}\n\n"
            f"### Use instead\n{self.use_instead.strip()}\n"
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
    return {entry["id"]: Rule(**entry) for entry in data["rule"]}
