"""``keyguard inventory`` and the CycloneDX 1.6 CBOM: every site, compliant or not, valid under the
library's own strict schema validator."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from analyzer.cli import main
from analyzer.reporters.cbom import render_cbom, validate_cbom
from analyzer.reporters.inventory import InventoryItem
from tests.gitrepos import CURVES, STRONG_RSA, WEAK_RSA, make_repo


def test_inventory_cbom_of_one_repository(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "svc", {"a/weak.py": WEAK_RSA, "a/strong.py": STRONG_RSA, "a/curves.py": CURVES}
    )
    out = tmp_path / "cbom.json"
    result = CliRunner().invoke(
        main, ["inventory", str(repo), "--format", "cbom", "-o", str(out), "--no-semgrep"]
    )
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert validate_cbom(text) is None
    bom = json.loads(text)
    assert bom["specVersion"] == "1.6"
    components = bom["components"]
    assert all(c["type"] == "cryptographic-asset" for c in components)
    assert (
        bom["metadata"]["component"]["version"]
        == bom["metadata"]["component"]["properties"][
            [p["name"] for p in bom["metadata"]["component"]["properties"]].index("keyguard:commit")
        ]["value"]
    )
    verdicts = {
        p["value"] for c in components for p in c["properties"] if p["name"] == "keyguard:verdict"
    }
    assert verdicts == {"compliant", "violation", "unverified"}
    by_name = {c["name"]: c for c in components if "algorithmProperties" in c["cryptoProperties"]}
    keys = [c for c in components if "relatedCryptoMaterialProperties" in c["cryptoProperties"]]
    rsa = by_name["RSA-1024"]["cryptoProperties"]
    assert rsa["assetType"] == "algorithm"
    assert rsa["algorithmProperties"]["parameterSetIdentifier"] == "1024"
    assert rsa["algorithmProperties"]["primitive"] == "pke"
    curve = by_name["EC-secp192r1"]["cryptoProperties"]["algorithmProperties"]
    assert curve["curve"] == "secp192r1"
    occurrence = by_name["RSA-1024"]["evidence"]["occurrences"][0]
    assert occurrence["location"] == "a/weak.py" and occurrence["line"] == 3
    assert "verdict=violation" in occurrence["additionalContext"]
    occurrences = sum(len(by_name[n]["evidence"]["occurrences"]) for n in by_name)
    assert len(keys) == occurrences
    weak = next(k for k in keys if k["evidence"]["occurrences"][0]["location"] == "a/weak.py")
    material = weak["cryptoProperties"]["relatedCryptoMaterialProperties"]
    assert material["algorithmRef"] == by_name["RSA-1024"]["bom-ref"]
    assert material["type"] == "private-key" and material["size"] == 1024
    assert material["securedBy"]["mechanism"] == "in-code"
    props = {(p["name"], p["value"]) for p in weak["properties"]}
    assert {("keyguard:verdict", "violation"), ("keyguard:rule", "KG201")} <= props
    assert ("keyguard:clause", "KGS-2") in props

    text_out = CliRunner().invoke(main, ["inventory", str(repo), "--no-semgrep"]).stdout
    assert f"{occurrences} keys" in text_out
    row = next(line for line in text_out.splitlines() if "[a/weak.py:3]" in line)
    assert "RSA 1024" in row and "in-code" in row and "violation (KG201)" in row
    data = json.loads(
        CliRunner()
        .invoke(main, ["inventory", str(repo), "--format", "json", "--no-semgrep"])
        .stdout
    )
    assert len(data["inventory"]) == occurrences
    assert {i["verdict"] for i in data["inventory"]} == {"compliant", "violation", "unverified"}


def test_validator_rejects_a_broken_cbom() -> None:
    item = InventoryItem("r", "k.py", 1, "api", "lib", "RSA", "pke", 2048, None, "compliant")
    bom = json.loads(render_cbom([item]))
    bom["components"][0]["cryptoProperties"]["assetType"] = "not-an-asset-type"
    assert validate_cbom(json.dumps(bom)) is not None


def test_unknown_primitive_becomes_other() -> None:
    item = InventoryItem(
        "r", "k.py", 1, "kms.create_key", "boto3", "KMS", "kms", None, None, "unverified"
    )
    text = render_cbom([item])
    assert validate_cbom(text) is None
    props = json.loads(text)["components"][0]["cryptoProperties"]["algorithmProperties"]
    assert props["primitive"] == "other"
