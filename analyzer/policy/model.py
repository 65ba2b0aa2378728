"""Policy records: what the loader builds and the scan, the engines and the reporters read.

Every default here comes from the shipped default profile (``rules/profiles/default.toml``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from analyzer.catalogue.rules import rules
from analyzer.findings.model import Level
from analyzer.policy.profiles import profile_data
from analyzer.policy.thresholds import Thresholds

_DEFAULT = profile_data("default")
_GENERATION = _DEFAULT["generation"]


@dataclass(frozen=True)
class Standard:
    """Identity of the organisation's key-generation standard."""

    id: str = _DEFAULT["standard"]["id"]
    title: str = _DEFAULT["standard"]["title"]
    version: str = _DEFAULT["standard"]["version"]
    owner: str = _DEFAULT["standard"]["owner"]
    url: str = _DEFAULT["standard"]["url"]


@dataclass(frozen=True)
class Taxonomy:
    """An outside catalogue the findings are mapped to (PCI DSS, CWE): its identity."""

    name: str
    full_name: str
    version: str
    organization: str
    url: str


@dataclass(frozen=True)
class Clause:
    """One clause of a standard (ours, or a PCI DSS requirement) and the rules that enforce it."""

    id: str
    title: str
    text: str
    rules: tuple[str, ...]


@dataclass(frozen=True)
class PolicyException:
    """An approved deviation: which rule, where, why, who approved it, until when."""

    rule: str
    paths: tuple[str, ...]
    justification: str
    approved_by: str
    expires: dt.date
    ticket: str = ""

    def expired(self, today: dt.date) -> bool:
        """An exception is valid through its expiry day and stops suppressing the day after."""
        return self.expires < today


def _clauses(entries: list[dict[str, Any]]) -> tuple[Clause, ...]:
    return tuple(Clause(c["id"], c["title"], c["text"], tuple(c["rules"])) for c in entries)


DEFAULT_CLAUSES: tuple[Clause, ...] = _clauses(_DEFAULT["clauses"])


@dataclass(frozen=True)
class Policy:
    """The effective policy of one scan, loaded once and passed explicitly."""

    standard: Standard = field(default_factory=Standard)
    clauses: tuple[Clause, ...] = DEFAULT_CLAUSES
    pci_dss: Taxonomy = field(default_factory=lambda: Taxonomy(**_DEFAULT["pci_dss"]))
    pci_requirements: tuple[Clause, ...] = _clauses(_DEFAULT["pci_requirements"])
    cwe: Taxonomy = field(default_factory=lambda: Taxonomy(**_DEFAULT["cwe"]))
    thresholds: Thresholds = field(default_factory=Thresholds)
    exceptions: tuple[PolicyException, ...] = ()
    require_kms: bool = _GENERATION["require_kms"]
    local_generation_paths: tuple[str, ...] = tuple(_GENERATION["allowed_paths"])
    test_paths: tuple[str, ...] = tuple(_DEFAULT["test_paths"])
    documentation_level: Level = _DEFAULT["documentation_level"]
    source: str = "<built-in default>"
    sha256: str = ""
    enabled_rules: tuple[str, ...] = tuple(_DEFAULT["rules"]["enable"])
    disabled_rules: tuple[str, ...] = tuple(_DEFAULT["rules"]["disable"])
    approved_libraries: dict[str, str] = field(
        default_factory=lambda: dict(_DEFAULT["libraries"]["approved"])
    )
    kms_libraries: tuple[str, ...] = tuple(_GENERATION["kms_libraries"])
    approved_path: str = _GENERATION["approved_path"]
    profile: str = "default"

    @property
    def required_key_tags(self) -> tuple[str, ...]:
        """Tags every declared key must carry (KG505 runs only when there are some)."""
        return self.thresholds.required_key_tags

    def clause_for(self, rule_id: str) -> Clause | None:
        """The clause that covers a rule (the first that lists it)."""
        for clause in self.clauses:
            if rule_id in clause.rules:
                return clause
        return None

    def clause_id(self, rule_id: str) -> str | None:
        """The id of the clause that covers a rule, for reports."""
        clause = self.clause_for(rule_id)
        return clause.id if clause else None

    def pci_requirements_for(self, rule_id: str) -> tuple[Clause, ...]:
        """The PCI DSS requirements a rule gives evidence for."""
        return tuple(req for req in self.pci_requirements if rule_id in req.rules)

    def rule_enabled(self, rule_id: str) -> bool:
        """Whether a rule runs: known, not disabled (unless re-enabled), its switch on if it needs one."""
        rule = rules().get(rule_id)
        if rule is None:
            return False
        if rule_id in self.disabled_rules and rule_id not in self.enabled_rules:
            return False
        return rule.requires is None or bool(getattr(self, rule.requires))
