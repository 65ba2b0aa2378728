"""The rule catalogue: one folder per rule, metadata of the fixed vocabulary, ids named once."""

from __future__ import annotations

import dataclasses
import tomllib

import pytest

from analyzer.catalogue import ids
from analyzer.catalogue.rules import FENCES, RULE_FILE, Rule, catalogue_dir, rules
from analyzer.policy import Policy

CATEGORIES = {
    "weak-rng",
    "short-key",
    "hardcoded-key",
    "weak-algorithm",
    "unapproved-library",
    "key-governance",
}
KEYS = {f.name for f in dataclasses.fields(Rule)} - {"examples"}
RULES = list(rules().values())


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_metadata(rule: Rule) -> None:
    folder = catalogue_dir() / rule.id
    with (folder / RULE_FILE).open("rb") as fh:
        assert set(tomllib.load(fh)) <= KEYS
    assert rule.category in CATEGORIES
    assert rule.level in {"error", "warning", "note"}
    assert 0.0 < rule.security_severity <= 10.0
    assert not rule.short.endswith(".")
    for path in folder.iterdir():
        assert path.name == RULE_FILE or (
            path.stem in ("example", "use_instead") and path.suffix in FENCES
        ), f"unexpected file {path}"


def test_rule_ids_are_the_named_constants() -> None:
    named = {v for k, v in vars(ids).items() if k.isupper()}
    assert named == set(rules())


def test_requires_names_a_switch_of_the_policy() -> None:
    switches = {f.name for f in dataclasses.fields(Policy) if f.type in (bool, "bool")}
    gated = [r for r in RULES if r.requires]
    assert [r.id for r in gated] == [ids.GENERATION_OUTSIDE_KMS, ids.IAC_KEY_TAGS_MISSING]
    for rule in gated:
        assert not Policy().rule_enabled(rule.id)
        if rule.requires in switches:
            on = dataclasses.replace(Policy(), **{rule.requires: True})
        else:  # a list of the standard: the rule runs when it is not empty
            thresholds = dataclasses.replace(Policy().thresholds, **{rule.requires: ("owner",)})
            on = dataclasses.replace(Policy(), thresholds=thresholds)
        assert on.rule_enabled(rule.id)


def test_docs_render_every_example_file() -> None:
    rule = rules()[ids.PROHIBITED_ALGORITHM]
    markdown, text = rule.markdown(), rule.text()
    for example in rule.examples:
        assert f"```{example.fence}\n{example.code()}\n```" in markdown
        assert example.code() in text
    assert "```" not in text
