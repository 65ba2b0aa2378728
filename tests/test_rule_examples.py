"""Rule examples are tests (Fixit-style): each rule's "Example" files produce exactly that rule and
its "Use instead" files produce nothing; a rule without both fails.

The catalogue folder is scanned as it ships: Python in-process, the other languages through one
Semgrep run, Terraform through the IaC engine. A rule that only runs behind a switch of the
standard (``requires``) is scanned again with that switch on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import pytest

from analyzer.catalogue.rules import EXAMPLE_KINDS, Rule, catalogue_dir, rules
from analyzer.pipeline.run import ScanOptions, ScanReport, scan
from analyzer.policy import Policy, default_policy

RULES = list(rules().values())


def _rule_ids_by_file(report: ScanReport) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for finding in report.findings:
        found[finding.location.path].add(finding.rule_id)
    return found


# A switch of the standard that is a list rather than a boolean, and the value that turns it on.
_LIST_SWITCHES = {"required_key_tags": ("owner", "purpose", "data-classification")}


def _policy_for(rule: Rule) -> Policy:
    policy = default_policy()
    if rule.requires in _LIST_SWITCHES:
        on = {rule.requires: _LIST_SWITCHES[rule.requires]}
        return replace(policy, thresholds=replace(policy.thresholds, **on))
    return replace(policy, **{rule.requires: True}) if rule.requires else policy


@pytest.fixture(scope="module")
def found() -> dict[str, set[str]]:
    """Rule ids per example file (relative to the catalogue folder)."""
    root = catalogue_dir()
    report = scan([root], root, default_policy(), ScanOptions(jobs=1))
    assert not [n for n in report.notifications if n.level == "error"], report.notifications
    by_file = _rule_ids_by_file(report)
    for rule in (r for r in RULES if r.requires):
        switched = scan([root / rule.id], root, _policy_for(rule), ScanOptions(jobs=1))
        by_file.update(_rule_ids_by_file(switched))
    return by_file


def _rel(path: Path) -> str:
    return path.relative_to(catalogue_dir()).as_posix()


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_has_an_example_and_a_use_instead(rule: Rule) -> None:
    for kind in EXAMPLE_KINDS:
        assert rule.examples_of(kind), f"{rule.id} has no {kind}.* file"
    example_suffixes = {e.path.suffix for e in rule.examples_of("example")}
    fixed_suffixes = {e.path.suffix for e in rule.examples_of("use_instead")}
    assert example_suffixes == fixed_suffixes, f"{rule.id}: every example needs a use_instead"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_example_finds_exactly_its_rule(rule: Rule, found: dict[str, set[str]]) -> None:
    for example in rule.examples_of("example"):
        rel = _rel(example.path)
        assert found.get(rel, set()) == {rule.id}, f"{rel}: {sorted(found.get(rel, set()))}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_use_instead_finds_nothing(rule: Rule, found: dict[str, set[str]]) -> None:
    for example in rule.examples_of("use_instead"):
        rel = _rel(example.path)
        assert not found.get(rel), f"{rel}: {sorted(found[rel])}"


def test_findings_only_in_example_files(found: dict[str, set[str]]) -> None:
    examples = {_rel(e.path) for r in RULES for e in r.examples_of("example")}
    assert set(found) <= examples, sorted(set(found) - examples)
