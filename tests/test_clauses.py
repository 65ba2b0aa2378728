"""Clauses live only in the standard (the profiles): SARIF, JSON, HTML and `keyguard rules` read
them, and the PCI DSS mapping, from the loaded policy."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from analyzer.catalogue.ids import HARDCODED_KEY, RSA_MODULUS_TOO_SMALL
from analyzer.catalogue.rules import catalogue_dir, rules
from analyzer.cli import main
from analyzer.findings.model import Finding, Location
from analyzer.org.history import policy_json
from analyzer.pipeline.run import ScanReport
from analyzer.policy import Policy
from analyzer.policy.load import load_policy
from analyzer.reporters.html import render_html
from analyzer.reporters.jsonout import report_dict
from analyzer.reporters.run import RunInfo
from analyzer.reporters.sarif import build_run
from analyzer.reporters.summary import summary_dict

CUSTOM = """
[standard]
id = "ACME"
title = "ACME key standard"

[[clauses]]
id = "ACME-7"
title = "Strong RSA"
text = "RSA keys have a modulus of at least 2048 bits."
rules = ["KG201"]

[[pci_requirements]]
id = "3.6.1"
title = "Protect keys"
text = "Keys are protected against disclosure and misuse."
rules = ["KG201", "KG301", "KG302", "KG503", "KG504"]
"""


def _custom(tmp_path: Path) -> Policy:
    config = tmp_path / "keyguard.toml"
    config.write_text(CUSTOM, encoding="utf-8")
    return load_policy(config, tmp_path)


def _report(tmp_path: Path, policy: Policy) -> ScanReport:
    report = ScanReport(root=tmp_path, policy=policy)
    report.findings = [Finding(RSA_MODULUS_TOO_SMALL, Location("a.py", 3), "weak", "python")]
    return report


def _html_clause(page: str, rule_id: str) -> str:
    row = re.search(rf"<tr><td>{rule_id}</td><td>[^<]*</td><td>([^<]*)</td>", page)
    assert row, f"no row for {rule_id} in the HTML rule table"
    return row.group(1)


def test_catalogue_carries_no_clause() -> None:
    for path in catalogue_dir().glob("*/rule.toml"):
        assert not re.search(r"^clause\s*=", path.read_text(encoding="utf-8"), re.M), path


def test_custom_standard_shows_the_same_clause_in_sarif_json_html_and_rules(
    tmp_path: Path,
) -> None:
    policy = _custom(tmp_path)
    assert policy.clause_id(RSA_MODULUS_TOO_SMALL) == "ACME-7"
    report = _report(tmp_path, policy)
    info = RunInfo(command_line="keyguard scan .", exit_code=1)

    run = build_run(report, info)
    descriptor = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "KG201")
    assert descriptor["properties"]["clause"] == "ACME-7"
    assert run["results"][0]["properties"]["clause"] == "ACME-7"
    assert report_dict(report, info)["findings"][0]["clause"] == "ACME-7"

    recorded = json.loads(policy_json(policy))
    page = render_html(summary_dict([], recorded), recorded, [], [])
    assert _html_clause(page, "KG201") == "ACME-7"
    assert _html_clause(page, "KG202") == "KGS-2"

    config = tmp_path / "keyguard.toml"
    listing = CliRunner().invoke(main, ["rules", "--config", str(config)]).output
    assert re.search(r"^KG201 .* ACME-7 ", listing, re.M), listing


def test_pci_dss_mapping_comes_from_the_policy(tmp_path: Path) -> None:
    policy = _custom(tmp_path)
    run = build_run(_report(tmp_path, policy), RunInfo(command_line="k", exit_code=1))
    pci = next(t for t in run["taxonomies"] if t["name"] == "PCI DSS")
    assert {t["id"]: t["shortDescription"]["text"] for t in pci["taxa"]}["3.6.1"] == "Protect keys"
    descriptor = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "KG201")
    targets = [rel["target"]["id"] for rel in descriptor["relationships"]]
    assert targets == ["ACME-7", "3.6.1", "CWE-326"]
    assert [r.id for r in policy.pci_requirements_for(HARDCODED_KEY)] == ["3.6.1"]


def test_every_rule_maps_to_a_clause_and_a_pci_requirement_in_every_profile() -> None:
    from analyzer.policy.load import builtin_policy
    from analyzer.policy.profiles import PROFILES

    for name in PROFILES:
        policy = builtin_policy(name)
        for rule_id in rules():
            assert policy.clause_for(rule_id) is not None, (name, rule_id)
            assert len(policy.pci_requirements_for(rule_id)) == 1, (name, rule_id)
