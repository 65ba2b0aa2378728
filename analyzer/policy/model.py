"""Policy records: what the loader builds and the scan, the engines and the reporters read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from analyzer.catalogue import rules
from analyzer.thresholds import Thresholds


@dataclass(frozen=True)
class Standard:
    """Identity of the organisation's key-generation standard."""

    id: str = "KGS"
    title: str = "Key Generation Standard (keyguard default)"
    version: str = "1.0"
    owner: str = "Security Engineering"
    url: str = "https://www.pcisecuritystandards.org/document_library/"


@dataclass(frozen=True)
class Clause:
    """One clause of the standard, as an assessor reads it, and the rules that enforce it."""

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


DEFAULT_CLAUSES: tuple[Clause, ...] = (
    Clause(
        "KGS-1",
        "Randomness",
        "Key material, IVs, salts, nonces and tokens are drawn only from a cryptographically "
        "secure random number generator that is never seeded with a predictable value.",
        ("KG101", "KG102"),
    ),
    Clause(
        "KGS-2",
        "Key strength",
        "Keys are generated with at least the strength the standard's thresholds set: modulus "
        "size, approved curves, symmetric key length, public exponent, KDF work factor and salt.",
        ("KG201", "KG202", "KG203", "KG204", "KG205", "KG206", "KG501"),
    ),
    Clause(
        "KGS-3",
        "No key material in code",
        "Keys and secrets are never written into source code, configuration or repositories; "
        "they are generated at run time or provisioned from a secret manager.",
        ("KG301", "KG302"),
    ),
    Clause(
        "KGS-4",
        "Approved generation path",
        "Keys are generated only through approved libraries and, where the standard requires "
        "it, inside a KMS or HSM.",
        ("KG401", "KG402", "KG502"),
    ),
    Clause(
        "KGS-5",
        "Approved algorithms",
        "No key is generated for a prohibited algorithm (DES, 3DES, RC4, Blowfish, RC2, IDEA).",
        ("KG403",),
    ),
    Clause(
        "KGS-6",
        "Key governance",
        "Key creation and administration are restricted to named key custodians, separate from "
        "key users, and keys are rotated within their cryptoperiod.",
        ("KG503", "KG504"),
    ),
)


@dataclass(frozen=True)
class Policy:
    """The effective policy of one scan, loaded once and passed explicitly."""

    standard: Standard = field(default_factory=Standard)
    clauses: tuple[Clause, ...] = DEFAULT_CLAUSES
    thresholds: Thresholds = field(default_factory=Thresholds)
    exceptions: tuple[PolicyException, ...] = ()
    require_kms: bool = False
    local_generation_paths: tuple[str, ...] = ()
    test_paths: tuple[str, ...] = (
        "tests/**",
        "test/**",
        "**/tests/**",
        "**/test/**",
        "**/test_*.py",
        "**/*_test.py",
        "**/*_test.go",
        "**/src/test/**",
        "**/*.test.js",
        "**/*.test.ts",
        "**/*.spec.js",
        "**/*.spec.ts",
        "**/*Test.java",
        "**/*Tests.cs",
    )
    source: str = "<built-in default>"
    sha256: str = ""
    enabled_rules: tuple[str, ...] = ()
    disabled_rules: tuple[str, ...] = ("KG402",)

    def clause_for(self, rule_id: str) -> Clause | None:
        """The clause that covers a rule (the first that lists it)."""
        for clause in self.clauses:
            if rule_id in clause.rules:
                return clause
        return None

    def rule_enabled(self, rule_id: str) -> bool:
        if rule_id == "KG402":
            return self.require_kms
        return rule_id in rules() and rule_id not in self.disabled_rules


def default_policy() -> Policy:
    """The embedded default standard."""
    return Policy()
