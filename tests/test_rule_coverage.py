"""Every rendered Semgrep rule, and every alternative of its top-level ``pattern-either`` (a
sub-rule), fires on at least one fixture line: a rule or branch that never matches fails here.

Semgrep runs once over all fixtures with each rule split into its sub-rules (``<id>__<n>``)."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from analyzer.engines.semgrep.render import render_rules
from analyzer.policy.thresholds import Thresholds
from tests.conftest import FIXTURES

SEMGREP = shutil.which("semgrep") or shutil.which("semgrep", path=str(Path(sys.executable).parent))
FIXTURE_DIRS = (
    "java",
    "kotlin",
    "go",
    "javascript",
    "typescript",
    "csharp",
    "terraform",
    "cloudformation",
)
SEPARATOR = "__"
# Rules that only fire under a stricter standard (require_hsm, a larger RSA minimum than a provider
# default) run a second time, rendered with these thresholds, as ``<id>__strict``.
STRICT = dataclasses.replace(Thresholds(), require_hsm=True, rsa_min_bits=3072)
STRICT_DIRS = {"terraform", "cloudformation"}
STRICT_SUFFIX = f"{SEPARATOR}strict"
GAPS = Path(__file__).with_name("rule_coverage_gaps.txt")

pytestmark = pytest.mark.skipif(SEMGREP is None, reason="semgrep not installed")


def _alternatives(rule: dict) -> tuple[list, list[dict]] | None:
    """The top-level alternatives of a rule and the list that holds them, None without any."""
    if "pattern-either" in rule:
        return rule["pattern-either"], [rule]
    for item in rule.get("patterns", []):
        if isinstance(item, dict) and "pattern-either" in item:
            return item["pattern-either"], [item]
    return None


def split_rule(rule: dict) -> list[dict]:
    """One rule per top-level alternative, ids ``<id>__<n>``; the rule itself when it has none."""
    found = _alternatives(rule)
    if found is None or len(found[0]) < 2:
        return [rule]
    subs = []
    for n in range(len(found[0])):
        sub = copy.deepcopy(rule)
        alternatives, _ = _alternatives(sub)  # type: ignore[misc]
        alternatives[:] = [alternatives[n]]
        sub["id"] = f"{rule['id']}{SEPARATOR}{n + 1}"
        subs.append(sub)
    return subs


@pytest.fixture(scope="module")
def coverage(tmp_path_factory: pytest.TempPathFactory) -> tuple[set[str], set[str]]:
    """(every sub-rule id, the ids that fired) from one Semgrep run over the fixtures."""
    tmp = tmp_path_factory.mktemp("coverage")
    split = tmp / "split"
    split.mkdir()
    ids: set[str] = set()
    for name, thresholds, dirs in (
        ("default", Thresholds(), None),
        ("strict", STRICT, STRICT_DIRS),
    ):
        (tmp / name).mkdir()
        for path in render_rules(thresholds, tmp / name, dirs):
            rules = [s for r in yaml.safe_load(path.read_text())["rules"] for s in split_rule(r)]
            ids |= {r["id"] for r in rules}
            if name == "strict":
                for rule in rules:
                    rule["id"] += STRICT_SUFFIX
            (split / f"{name}-{path.name}").write_text(
                yaml.safe_dump({"rules": rules}, sort_keys=False)
            )
    command = [SEMGREP, "scan", "--metrics=off", "--disable-version-check", "--json", "--quiet"]
    command += ["--no-git-ignore", "--config", str(split)]
    # Files, not folders, as the engine passes them: Semgrep skips *_test.go in a folder it walks.
    files = sorted(str(f) for d in FIXTURE_DIRS for f in (FIXTURES / d).rglob("*") if f.is_file())
    proc = subprocess.run(
        [*command, *files],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp,
    )
    output = json.loads(proc.stdout)
    assert not output["errors"], output["errors"][:3]
    fired = {
        r["check_id"].rsplit(".", 1)[-1].removesuffix(STRICT_SUFFIX) for r in output["results"]
    }
    return ids, fired


def _known_gaps() -> set[str]:
    lines = GAPS.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_every_rule_and_sub_rule_fires_on_a_fixture_line(
    coverage: tuple[set[str], set[str]],
) -> None:
    ids, fired = coverage
    assert len(ids) > 100
    never = sorted(ids - fired - _known_gaps())
    assert not never, f"{len(never)} rules/sub-rules never fire on the fixtures: {never}"


def test_the_list_of_known_gaps_is_current(coverage: tuple[set[str], set[str]]) -> None:
    ids, fired = coverage
    gaps = _known_gaps()
    assert not gaps - ids, f"{GAPS.name} names rules that no longer exist: {sorted(gaps - ids)}"
    assert not gaps & fired, f"these fire now, delete them from {GAPS.name}: {sorted(gaps & fired)}"
