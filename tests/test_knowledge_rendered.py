"""Every fact of the knowledge base reaches every language's rendered rules: each spelling of each
prohibited algorithm, each curve alias, and the IaC engine's view of both."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from analyzer.catalogue.ids import EC_CURVE_NOT_APPROVED, PROHIBITED_ALGORITHM
from analyzer.engines.iac.engine import analyze_iac
from analyzer.engines.semgrep.render import render_rules
from analyzer.knowledge.algorithms import LANGUAGE_SPELLINGS, curves, prohibited
from analyzer.policy.thresholds import Thresholds

SEMGREP_DIRS = ("java", "kotlin", "go", "javascript", "csharp")
# Curve rules exist for these template directories.
CURVE_DIRS = ("java", "kotlin", "go", "javascript", "csharp")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    out = tmp_path_factory.mktemp("rules")
    by_dir: dict[str, list[dict]] = {}
    for path in render_rules(Thresholds(), out):
        language = path.name.split("-", 1)[0]
        by_dir.setdefault(language, []).extend(yaml.safe_load(path.read_text())["rules"])
    return by_dir


def _regexes(node: object) -> Iterator[str]:
    """Every metavariable-regex of a rule, at any depth."""
    if isinstance(node, dict):
        if "metavariable" in node and "regex" in node:
            yield str(node["regex"])
        for value in node.values():
            yield from _regexes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _regexes(item)


def _rule_regexes(rules: list[dict], rule_id: str) -> list[re.Pattern[str]]:
    return [
        re.compile(r)
        for rule in rules
        if rule.get("metadata", {}).get("keyguard_rule") == rule_id
        for r in _regexes(rule)
    ]


def _as_code(spelling: str) -> tuple[str, ...]:
    """How a spelling appears as a Semgrep metavariable value: bare, quoted, with a mode."""
    return (spelling, f'"{spelling}"', f"'{spelling}'", f'"{spelling}/CBC/PKCS5Padding"')


@pytest.mark.parametrize("language", SEMGREP_DIRS)
def test_every_prohibited_spelling_reaches_the_rendered_rules(
    rendered: dict[str, list[dict]], language: str
) -> None:
    regexes = _rule_regexes(rendered[language], PROHIBITED_ALGORITHM)
    assert regexes, f"no {PROHIBITED_ALGORITHM} rule with a regex for {language}"
    missing = [
        spelling
        for key in LANGUAGE_SPELLINGS[language]
        for spelling in prohibited(key)
        if not any(r.search(code) for r in regexes for code in _as_code(spelling))
    ]
    assert not missing, f"{language} rules miss {missing}"


@pytest.mark.parametrize("language", CURVE_DIRS)
def test_every_curve_alias_reaches_the_rendered_rules(
    rendered: dict[str, list[dict]], language: str
) -> None:
    """Approved curves pass under every alias; every other curve is flagged under every alias."""
    regexes = [
        r
        for r in _rule_regexes(rendered[language], EC_CURVE_NOT_APPROVED)
        if r.pattern.startswith("(?i)^(?!")
    ]
    assert regexes, f"no curve rule for {language}"
    approved = {c.lower() for c in Thresholds().ec_curves}
    wrong = [
        (alias, curve.name)
        for curve in curves()
        for alias in (curve.name, *curve.aliases)
        for regex in regexes
        if bool(regex.search(f'"{alias}"')) == (curve.name.lower() in approved)
    ]
    assert not wrong, f"{language} curve rules misjudge {wrong}"


@pytest.mark.parametrize("spelling", sorted(prohibited("terraform")))
def test_every_prohibited_spelling_reaches_the_iac_engine(spelling: str) -> None:
    tf = f'resource "tls_private_key" "k" {{\n  algorithm = "{spelling}"\n}}\n'
    result = analyze_iac(tf.encode(), "main.tf", Thresholds())
    assert [(f.rule_id, f.location.line) for f in result.findings] == [(PROHIBITED_ALGORITHM, 2)]
    assert result.sites[0].verdict == "violation"


def test_every_python_spelling_is_in_the_python_table() -> None:
    """The Python engine (owned by its table) knows every Python spelling of the knowledge base."""
    from analyzer.engines.python.table import load_table

    table = load_table()
    missing = [
        name
        for name, algorithm in prohibited("python").items()
        if (found := table.lookup(name)) is None or found[0].algorithm != algorithm
    ]
    assert not missing, f"the Python API table lacks {missing}"


def test_rendered_rules_hold_no_placeholder(tmp_path: Path) -> None:
    for path in render_rules(Thresholds(), tmp_path):
        assert not re.search(r"\$\{[a-z][a-z0-9_]*\}", path.read_text()), path.name
