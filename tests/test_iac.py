"""Terraform and CloudFormation: the exact findings of the fixtures, require_hsm, the inventory."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from analyzer.engines.iac.engine import analyze_iac, iac_kind, iac_prefilter, link_sites
from analyzer.engines.semgrep.render import render_rules
from analyzer.findings.model import Finding, KeySite, Location
from analyzer.policy.thresholds import Thresholds
from tests.conftest import FIXTURES
from tests.labels import read_labels

SEMGREP = shutil.which("semgrep") or str(Path(__import__("sys").executable).parent / "semgrep")
IAC_DIRS = ("terraform", "cloudformation")


def _render(thresholds: Thresholds, out: Path) -> None:
    render_rules(thresholds, out, set(IAC_DIRS))


def _scan(thresholds: Thresholds, tmp: Path) -> tuple[set[tuple[str, int, str]], list[KeySite]]:
    """Semgrep over the rendered IaC rules plus the Python IaC engine, as the scan runs them."""
    _render(thresholds, tmp)
    files = [
        p
        for d in IAC_DIRS
        for p in sorted((FIXTURES / d).rglob("*"))
        if p.is_file() and iac_kind(p.name, p.read_bytes())
    ]
    proc = subprocess.run(
        [
            SEMGREP,
            "scan",
            "--metrics=off",
            "--disable-version-check",
            "--json",
            "--quiet",
            "--config",
            str(tmp),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    output = json.loads(proc.stdout)
    assert not output["errors"], output["errors"]
    findings: list[Finding] = []
    for r in output["results"]:
        rel = Path(r["path"]).resolve().relative_to(FIXTURES).as_posix()
        rule = r["extra"]["metadata"]["keyguard_rule"]
        findings.append(Finding(rule, Location(rel, r["start"]["line"]), "", "semgrep"))
    sites: list[KeySite] = []
    for path in files:
        rel = path.relative_to(FIXTURES).as_posix()
        result = analyze_iac(path.read_bytes(), rel, thresholds, FIXTURES)
        findings += result.findings
        sites += result.sites
        assert not result.notifications
    link_sites(sites, findings)
    return {(f.location.path, f.location.line, f.rule_id) for f in findings}, sites


def _labels() -> tuple[set[tuple[str, int, str]], set[tuple[str, int, str]], int]:
    expected, forbidden, count = set(), set(), 0
    for d in IAC_DIRS:
        labels = read_labels(FIXTURES / d)
        expected |= {(f"{d}/{p}", n, r) for p, n, r in labels.expected}
        forbidden |= {(f"{d}/{p}", n, r) for p, n, r in labels.forbidden}
        count += len(labels)
    return expected, forbidden, count


pytestmark = pytest.mark.skipif(not Path(SEMGREP).exists(), reason="semgrep not installed")


def test_fixtures_report_exactly_the_annotated_lines(tmp_path: Path) -> None:
    found, _ = _scan(Thresholds(), tmp_path)
    expected, forbidden, count = _labels()
    assert count >= 25
    assert found == expected
    assert not found & forbidden


def test_require_hsm_turns_software_keys_into_findings_and_back(tmp_path: Path) -> None:
    software = {
        ("terraform/gcp_azure_tls.tf", 19, "KG502"),
        ("terraform/gcp_azure_tls.tf", 49, "KG502"),
        ("terraform/gcp_azure_tls.tf", 55, "KG502"),
        ("terraform/gcp_azure_tls.tf", 79, "KG502"),
    }
    strict = dataclasses.replace(Thresholds(), require_hsm=True)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with_hsm, _ = _scan(strict, tmp_path / "a")
    without, _ = _scan(Thresholds(), tmp_path / "b")
    assert with_hsm - without == software
    assert not software & without


def test_rsa_minimum_reaches_the_kms_key_specs(tmp_path: Path) -> None:
    found, _ = _scan(dataclasses.replace(Thresholds(), rsa_min_bits=3072), tmp_path)
    assert ("terraform/aws_kms.tf", 28, "KG501") in found
    assert ("terraform/aws_kms.tf", 18, "KG501") not in found


def test_inventory_lists_every_declared_key(tmp_path: Path) -> None:
    _, sites = _scan(Thresholds(), tmp_path)
    by_name = {s.properties["name"]: s for s in sites}
    assert len(by_name) == 70
    for site in sites:
        assert {"provider", "spec", "protection", "rotation"} <= site.properties.keys()
    signing = by_name["aws_kms_key.signing"]
    assert (signing.algorithm, signing.size, signing.verdict) == ("RSA", 4096, "compliant")
    assert by_name["tls_private_key.default_curve"].curve == "secp224r1"
    assert by_name["tls_private_key.default_curve"].rule_ids == ["KG501", "KG502"]
    assert by_name["google_kms_crypto_key.documents"].properties["protection"] == "SOFTWARE"
    assert by_name["azurerm_key_vault_key.signing"].properties["protection"] == "HSM"
    # A key type from a variable: judged through the variable's default, else left unverified.
    assert by_name["azurerm_key_vault_key.legacy_signing"].verdict == "violation"
    assert by_name["azurerm_key_vault_key.archive"].verdict == "unverified"
    assert by_name["azurerm_key_vault_key.tenant"].verdict == "unverified"
    assert by_name["WebhookSigningKey"].verdict == "violation"
    assert by_name["QueueKey"].verdict == "compliant"


def test_cloudformation_is_told_by_content() -> None:
    assert iac_kind("stack.yaml", b"AWSTemplateFormatVersion: '2010-09-09'") == "cloudformation"
    assert iac_kind("values.yaml", b"replicas: 3\n") is None
    assert iac_kind("main.tf", b"") == "terraform"


def test_broken_template_is_a_notification() -> None:
    result = analyze_iac(b"AWSTemplateFormatVersion: [\n", "bad.yaml", Thresholds())
    assert result.notifications and result.notifications[0].path == "bad.yaml"


def test_sarif_of_the_iac_scan_validates_and_traces_to_the_clause(validate_sarif) -> None:
    """Through the scan layer: Semgrep rules and the Python IaC engine together."""
    from analyzer.pipeline.run import scan
    from analyzer.policy import default_policy
    from analyzer.reporters.run import RunInfo
    from analyzer.reporters.sarif import render_sarif

    report = scan([FIXTURES / d for d in IAC_DIRS], FIXTURES, default_policy())
    log = json.loads(render_sarif(report, RunInfo(command_line="keyguard scan", exit_code=1)))
    validate_sarif(log)
    run = log["runs"][0]
    lines = {
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["ruleId"],
        )
        for r in run["results"]
    }
    expected, _, _ = _labels()
    assert expected <= lines
    rule = run["tool"]["driver"]["rules"][
        next(r["ruleIndex"] for r in run["results"] if r["ruleId"] == "KG501")
    ]
    clauses = [rel["target"]["id"] for rel in rule["relationships"]]
    assert "KGS-2" in clauses


def test_json_that_only_mentions_aws_types_is_not_a_template() -> None:
    patch = b'[{"op": "add", "path": "/properties/Role/format", "value": "AWS::IAM::Role.Arn"}]'
    assert iac_kind("format.json", patch) is None
    template = b'{"Resources": {"K": {"Type": "AWS::KMS::Key", "Properties": {}}}}'
    assert iac_kind("stack.json", template) == "cloudformation" and iac_prefilter(template)


CALLER = """module "audit" {
  source              = "./modules/kms"
  enable_key_rotation = false
}
"""
MODULE = """resource "aws_kms_key" "this" {
  enable_key_rotation = var.enable_key_rotation
}
"""
VARIABLES = """variable "enable_key_rotation" {
  type    = bool
  default = true
}
"""


def _iac_rules(report) -> set[tuple[str, int, str]]:  # type: ignore[no-untyped-def]
    return {(f.location.path, f.location.line, f.rule_id) for f in report.findings}


def _rotation_before_and_after_the_kms_module_changes(
    root: Path, cache: Path
) -> tuple[set[tuple[str, int, str]], set[tuple[str, int, str]]]:
    """The IaC findings of ``root``, then again (same cache) after the kms module stops taking
    rotation from its input: a cached caller's result must follow the module it calls."""
    from analyzer.pipeline.run import ScanOptions, scan
    from analyzer.policy import default_policy

    options = ScanOptions(jobs=1, without=("semgrep",), cache_dir=cache)
    first = _iac_rules(scan([root], root, default_policy(), options))
    (root / "modules" / "kms" / "main.tf").write_text(
        MODULE.replace("var.enable_key_rotation", "true")
    )
    return first, _iac_rules(scan([root], root, default_policy(), options))


def test_a_module_input_is_reported_at_the_call_and_a_cached_call_follows_the_module(
    tmp_path: Path,
) -> None:
    root = tmp_path / "stack"
    (root / "modules" / "kms").mkdir(parents=True)
    (root / "main.tf").write_text(CALLER)
    (root / "modules" / "kms" / "main.tf").write_text(MODULE)
    (root / "modules" / "kms" / "variables.tf").write_text(VARIABLES)
    first, second = _rotation_before_and_after_the_kms_module_changes(root, tmp_path / "cache")
    assert first == {("main.tf", 3, "KG504")}
    assert second == set()


PLATFORM = """module "data_key" {
  source              = "../kms"
  enable_key_rotation = var.rotate
}
variable "rotate" {
  type    = bool
  default = true
}
"""


def test_a_stack_input_two_module_calls_down_is_reported_at_the_stack_and_the_cache_follows_both(
    tmp_path: Path,
) -> None:
    root = tmp_path / "stack"
    (root / "modules" / "kms").mkdir(parents=True)
    (root / "modules" / "platform").mkdir()
    (root / "main.tf").write_text(
        'module "shared" {\n  source = "./modules/platform"\n  rotate = false\n}\n'
    )
    (root / "modules" / "platform" / "main.tf").write_text(PLATFORM)
    (root / "modules" / "kms" / "main.tf").write_text(MODULE)
    (root / "modules" / "kms" / "variables.tf").write_text(VARIABLES)
    first, second = _rotation_before_and_after_the_kms_module_changes(root, tmp_path / "cache")
    assert first == {("main.tf", 3, "KG504")}
    assert second == set()


def test_a_module_default_is_reported_once_in_the_module_and_a_self_call_ends(
    tmp_path: Path,
) -> None:
    (tmp_path / "modules" / "kms").mkdir(parents=True)
    (tmp_path / "modules" / "platform").mkdir()
    (tmp_path / "modules" / "kms" / "main.tf").write_text(MODULE)
    (tmp_path / "modules" / "kms" / "variables.tf").write_text(VARIABLES)
    platform = PLATFORM.replace("default = true", "default = false") + (
        'module "again" {\n  source = "./"\n  rotate = var.rotate\n}\n'
    )
    (tmp_path / "modules" / "platform" / "main.tf").write_text(platform)
    stack = 'module "shared" {\n  source = "./modules/platform"\n}\n'
    (tmp_path / "main.tf").write_text(stack)
    thresholds = Thresholds()
    at_stack = analyze_iac(stack.encode(), "main.tf", thresholds, tmp_path)
    assert at_stack.findings == []
    rel = "modules/platform/main.tf"
    in_module = analyze_iac(platform.encode(), rel, thresholds, tmp_path)
    assert {(f.location.path, f.location.line, f.rule_id) for f in in_module.findings} == {
        (rel, 3, "KG504")
    }


def test_the_variable_files_set_a_value_over_its_default_and_the_cache_follows_them(
    tmp_path: Path,
) -> None:
    from analyzer.pipeline.run import ScanOptions, scan
    from analyzer.policy import default_policy

    root = tmp_path / "env"
    root.mkdir()
    (root / "main.tf").write_text(
        'variable "rotate" {\n  default = true\n}\n'
        'resource "aws_kms_key" "k" {\n  enable_key_rotation = var.rotate\n}\n'
    )
    options = ScanOptions(jobs=1, without=("semgrep",), cache_dir=tmp_path / "cache")

    def found() -> set[tuple[str, int, str]]:
        return _iac_rules(scan([root], root, default_policy(), options))

    assert found() == set()
    (root / "terraform.tfvars").write_text("tags = {\n  rotate = true\n}\nrotate = false\n")
    assert found() == {("main.tf", 5, "KG504")}
    # A later *.auto.tfvars(.json) file wins over terraform.tfvars.
    (root / "ops.auto.tfvars.json").write_text('{"rotate": true}')
    assert found() == set()


def test_values_that_cannot_be_resolved_are_never_reported(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "spec" {\n  type = string\n}\n'
        'resource "aws_kms_key" "k" {\n  customer_master_key_spec = var.spec\n'
        "  enable_key_rotation = var.undeclared\n}\n"
        'module "remote" {\n  source = "git::https://example.com/kms.git"\n'
        "  enable_key_rotation = false\n}\n"
        'module "outside" {\n  source = "../../elsewhere"\n  enable_key_rotation = false\n}\n'
    )
    result = analyze_iac((tmp_path / "main.tf").read_bytes(), "main.tf", Thresholds(), tmp_path)
    assert result.findings == []


def test_hcl_policies_the_reader_cannot_follow_are_skipped() -> None:
    tf = (
        'resource "aws_kms_key" "k" {\n'
        "  policy = jsonencode(local.policy)\n}\n"
        'resource "aws_kms_key" "j" {\n'
        '  policy = jsonencode({ Statement = [for s in var.statements : s], Note = "x }\n}\n'
        'resource "aws_kms_key" "w" {\n'
        '  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", '
        'Action = "kms:CreateGrant" }] })\n}\n'
    )
    result = analyze_iac(tf.encode(), "main.tf", Thresholds())
    assert [(f.location.line, f.rule_id) for f in result.findings] == [(8, "KG503")]
    assert not result.notifications
