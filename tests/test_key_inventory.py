"""The key inventory an assessor reads (issue 19): which declared key protects which data store in
the Terraform and CloudFormation fixtures (AWS, GCP, Azure; directly, through aliases, locals,
variable defaults, a module output, a disk encryption set, !Ref/!GetAtt/Fn::GetAtt), the stores
without a customer key, required key tags (KG505), and the CBOM entry of each key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.engines.iac.engine import analyze_iac
from analyzer.findings.model import ScanReport
from analyzer.pipeline.run import ScanOptions, scan
from analyzer.policy import load_policy
from analyzer.policy.thresholds import Thresholds
from analyzer.reporters.cbom import validate_cbom
from tests.conftest import FIXTURES

ROOT = FIXTURES / "inventory"

# key (file:line of its declaration) -> the stores (file:line) whose encryption names it.
PROTECTS = {
    "aws/keys.tf:2 aws_kms_key.orders_db": {
        "aws/stores.tf:1 aws_db_instance.orders",  # directly
        "aws/stores.tf:8 aws_rds_cluster.reports",  # through aws_kms_alias
    },
    "aws/keys.tf:16 aws_kms_key.logs": {"aws/stores.tf:14 aws_cloudwatch_log_group.app"},  # local
    "aws/keys.tf:24 aws_kms_key.queue": {"aws/stores.tf:19 aws_sqs_queue.orders"},  # var default
    "aws/keys.tf:39 aws_kms_key.shared": set(),
    "aws/modules/archive-key/main.tf:1 aws_kms_key.this": {
        "aws/stores.tf:28 aws_s3_bucket.exports"  # module output, via the bucket's SSE config
    },
    "gcp/main.tf:6 google_kms_crypto_key.sql": {
        "gcp/main.tf:31 google_sql_database_instance.orders"
    },
    "gcp/main.tf:21 google_kms_crypto_key.storage": {
        "gcp/main.tf:37 google_storage_bucket.exports"
    },
    "azure/main.tf:2 azurerm_key_vault_key.disks": {"azure/main.tf:35 azurerm_managed_disk.data"},
    "azure/main.tf:18 azurerm_key_vault_key.storage": {
        "azure/main.tf:41 azurerm_storage_account.logs"
    },
    "cloudformation/stack.yaml:10 DataKey": {
        "cloudformation/stack.yaml:58 OrdersDatabase",  # !GetAtt
        "cloudformation/stack.yaml:65 ReportsCluster",  # !Ref to the alias
        "cloudformation/stack.yaml:72 AuditLogs",  # Fn::GetAtt
    },
    "cloudformation/stack.yaml:36 QueueKey": {
        "cloudformation/stack.yaml:78 OrdersQueue"  # parameter default -> alias name -> key
    },
}
WITHOUT_CUSTOMER_KEY = {
    "aws/stores.tf:38 aws_s3_bucket.static_site": "provider-managed",
    "aws/stores.tf:42 aws_dynamodb_table.sessions": "provider-managed",
    "aws/stores.tf:47 aws_ebs_volume.scratch": "none",
    "aws/stores.tf:52 aws_sns_topic.alerts": "provider-managed",
    "aws/stores.tf:57 aws_secretsmanager_secret.api": "customer-managed (declared elsewhere)",
    "aws/stores.tf:62 aws_redshift_cluster.warehouse": "unresolved",
    "gcp/main.tf:45 google_storage_bucket.public_assets": "provider-managed",
    "azure/main.tf:51 azurerm_mssql_server.orders": "provider-managed",
    "cloudformation/stack.yaml:83 SessionsTable": "provider-managed",
    "cloudformation/stack.yaml:88 ScratchVolume": "none",
}


@pytest.fixture(scope="module")
def report() -> ScanReport:
    policy = load_policy(ROOT / "keyguard.toml", ROOT)
    return scan([ROOT], ROOT, policy, ScanOptions(jobs=1, without=("semgrep",)))


def test_each_key_protects_exactly_these_stores(report: ScanReport) -> None:
    keys = {
        f"{s.location.path}:{s.location.line}": s.properties["name"]
        for s in report.sites
        if "iac" in s.properties
    }
    protects: dict[str, set[str]] = {f"{k} {name}": set() for k, name in keys.items()}
    for store in report.stores:
        if store.key:
            protects[f"{store.key} {keys[store.key]}"].add(
                f"{store.location.path}:{store.location.line} {store.address}"
            )
    assert protects == PROTECTS
    without = {
        f"{s.location.path}:{s.location.line} {s.address}": s.protection
        for s in report.stores
        if not s.key
    }
    assert without == WITHOUT_CUSTOMER_KEY


def test_the_path_each_reference_took(report: ScanReport) -> None:
    via = {s.address: s.via for s in report.stores if s.key}
    assert via["aws_rds_cluster.reports"] == "aws_kms_alias.orders_db -> aws_kms_key.orders_db"
    assert (
        via["aws_sqs_queue.orders"] == "var.queue_key -> aws_kms_alias.queue -> aws_kms_key.queue"
    )
    assert via["aws_s3_bucket.exports"] == (
        "module.archive_key.key_arn -> output.key_arn -> aws_kms_key.this"
    )
    assert via["azurerm_managed_disk.data"] == (
        "azurerm_disk_encryption_set.main -> azurerm_key_vault_key.disks"
    )
    assert via["OrdersQueue"] == "QueueKeyName -> QueueKeyAlias -> QueueKey"


def test_provider_default_tags_reach_keys_and_the_modules_called(report: ScanReport) -> None:
    owners = {s.properties["name"]: s.properties.get("tag:owner") for s in report.sites}
    assert owners["aws_kms_key.orders_db"] == "payments-platform"
    assert owners["aws_kms_key.this"] == "payments-platform"  # module called from aws/
    assert owners["azurerm_key_vault_key.disks"] == "infra"
    assert owners["google_kms_crypto_key.storage"] is None


def _tf(text: str, tags: tuple[str, ...]) -> set[tuple[int, str]]:
    from analyzer.engines.base import EngineContext
    from analyzer.engines.iac import ENGINE

    result = analyze_iac(text.encode(), "main.tf", Thresholds())
    context = EngineContext(Path("."), Thresholds(required_key_tags=tags))
    found = ENGINE.resolve_stores(result.stores, result.bindings, result.sites, context)
    return {(f.location.line, f.facts["missing"]) for f in found}


KEY = 'resource "aws_kms_key" "k" {{\n  enable_key_rotation = true\n{tags}}}\n'


def test_required_key_tags() -> None:
    required = ("owner", "purpose")
    assert _tf(KEY.format(tags=""), required) == {(1, "owner,purpose")}
    assert _tf(KEY.format(tags='  tags = { Owner = "a", purpose = "b" }\n'), required) == set()
    assert _tf(KEY.format(tags='  tags = { owner = "a, b", x = "c" }\n'), required) == {
        (1, "purpose")
    }
    assert _tf(KEY.format(tags='  tags = {\n    owner = "a"\n  }\n'), required) == {(1, "purpose")}
    # Not literal: never reported.
    assert _tf(KEY.format(tags="  tags = var.tags\n"), required) == set()
    assert _tf(KEY.format(tags=""), ()) == set()
    # A tls_private_key cannot carry tags.
    assert _tf('resource "tls_private_key" "t" {\n  algorithm = "ED25519"\n}\n', required) == set()


def test_required_key_tags_is_validated(tmp_path: Path) -> None:
    from analyzer.policy.errors import PolicyError

    config = tmp_path / "keyguard.toml"
    config.write_text('[thresholds]\nrequired_key_tags = "owner"\n')
    with pytest.raises(PolicyError, match="required_key_tags"):
        load_policy(config, tmp_path)
    config.write_text('[thresholds]\nrequired_key_tags = ["owner", ""]\n')
    with pytest.raises(PolicyError, match="empty"):
        load_policy(config, tmp_path)


def test_a_key_in_the_cbom_names_what_it_protects(tmp_path: Path) -> None:
    out = tmp_path / "cbom.json"
    result = CliRunner().invoke(
        main,
        ["inventory", str(ROOT), "--format", "cbom", "-o", str(out), "--no-semgrep"],
    )
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert validate_cbom(text) is None
    bom = json.loads(text)
    refs = {c["bom-ref"]: c for c in bom["components"]}
    key = next(c for c in bom["components"] if c["name"] == "aws_kms_key.orders_db")
    material = key["cryptoProperties"]["relatedCryptoMaterialProperties"]
    assert key["cryptoProperties"]["assetType"] == "related-crypto-material"
    assert material["type"] == "secret-key" and material["size"] == 256
    assert material["securedBy"] == {"mechanism": "HSM"} and material["state"] == "active"
    assert refs[material["algorithmRef"]]["name"] == "AES-256"
    assert key["evidence"]["occurrences"] == [
        {"location": "fixtures/inventory/aws/keys.tf", "line": 2, "symbol": "aws_kms_key"}
    ]
    props: dict[str, list[str]] = {}
    for p in key["properties"]:
        props.setdefault(p["name"], []).append(p["value"])
    assert props["keyguard:protects"] == [
        "aws_db_instance.orders (fixtures/inventory/aws/stores.tf:1)",
        "aws_rds_cluster.reports (fixtures/inventory/aws/stores.tf:8)",
    ]
    assert props["keyguard:owner"] == ["payments-platform"]
    assert props["keyguard:purpose"] == ["orders database encryption"]
    assert props["keyguard:data-classification"] == ["cardholder-data"]
    assert props["keyguard:rotation"] == ["365d"] and props["keyguard:verdict"] == ["compliant"]
    logs = next(c for c in bom["components"] if c["name"] == "aws_kms_key.logs")
    assert {("keyguard:rule", "KG505"), ("keyguard:clause", "KGS-6")} <= {
        (p["name"], p["value"]) for p in logs["properties"]
    }
    provider = next(
        c for c in bom["components"] if c["name"] == "protected by a provider-managed key"
    )
    assert len([p for p in provider["properties"] if p["name"] == "keyguard:protects"]) == 6
    assert {p["value"] for p in bom["properties"] if p["name"] == "keyguard:unencrypted-store"} == {
        "aws_ebs_volume.scratch (fixtures/inventory/aws/stores.tf:47)",
        "ScratchVolume (fixtures/inventory/cloudformation/stack.yaml:88)",
    }


def test_inventory_text_table() -> None:
    result = CliRunner().invoke(main, ["inventory", str(ROOT), "--no-semgrep"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "KEY", "TYPE", "MECHANISM", "PROTECTS", "OWNER", "ROTATION", "VERDICT"
    ]  # fmt: skip
    row = next(line for line in lines if line.startswith("google_kms_crypto_key.storage "))
    assert "AES 256" in row and "HSM" in row and "google_storage_bucket.exports" in row
    assert row.rstrip().endswith("violation (KG505)")
    assert "11 keys" in lines
    assert (
        "  aws_ebs_volume.scratch (fixtures/inventory/aws/stores.tf:47): no encryption at rest declared"
        in lines
    )
