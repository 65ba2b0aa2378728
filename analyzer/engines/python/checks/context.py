"""What every check shares: the module's walk, the evaluator, and the findings and sites so far."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from analyzer.engines.python.evaluate.consts import Evaluator
from analyzer.engines.python.evaluate.taint import Flow
from analyzer.engines.python.table import ApiSpec, Table
from analyzer.engines.python.walk.scopes import Scope
from analyzer.engines.python.walk.visitor import Collected, Sink
from analyzer.findings.model import Location
from analyzer.policy.thresholds import Thresholds

Anchor = cst.CSTNode | Location
Facts = dict[str, str | int]


@dataclass
class RawFinding:
    """A finding anchored at a CST node; the engine turns nodes into locations at the end."""

    rule_id: str
    node: cst.CSTNode
    message: str
    facts: Facts
    related: list[tuple[Anchor, str]] = field(default_factory=list)


@dataclass
class RawSite:
    """A key-generation (or KMS, or key-material RNG) site for the inventory."""

    node: cst.CSTNode
    api: str
    library: str
    algorithm: str
    primitive: str
    size: int | None = None
    curve: str | None = None
    verdict: str = "unverified"
    rule_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ApiCall:
    """A call of a known crypto API, with the library and algorithm it was attributed to."""

    call: cst.Call
    scope: Scope
    qualname: str
    spec: ApiSpec
    library: str
    algorithm: str | None
    facts: Facts


@dataclass
class CheckContext:
    """One module's walk and evaluator, and the findings, sites and sinks the checks add."""

    collected: Collected
    table: Table
    thresholds: Thresholds
    evaluator: Evaluator
    flow: Flow
    findings: list[RawFinding] = field(default_factory=list)
    sites: dict[int, RawSite] = field(default_factory=dict)
    sinks: list[tuple[Sink, str]] = field(default_factory=list)
    seeds: dict[str, list[tuple[cst.Call, Scope]]] = field(default_factory=dict)
    uses_pycrypto: bool = False
    api_calls: set[int] = field(default_factory=set)
    # id of a call built for a partial's callee -> (that call, the call in the source).
    stand_ins: dict[int, tuple[cst.Call, cst.Call]] = field(default_factory=dict)

    def report(
        self,
        rule: str,
        node: cst.CSTNode,
        message: str,
        facts: Facts,
        related: list[tuple[Anchor, str]] | None = None,
    ) -> None:
        self.findings.append(RawFinding(rule, node, message, dict(facts), related or []))


def short(qualname: str) -> str:
    """The last two parts of a qualified name, as messages show it: ``rsa.generate_private_key``."""
    parts = [p for p in qualname.replace("()", "").split(".") if p]
    return ".".join(parts[-2:])
