"""Each shipped profile changes the results on the fixtures as its thresholds say, in every language."""

from __future__ import annotations

import pytest

from analyzer.pipeline.run import ScanOptions, scan
from analyzer.policy import builtin_policy
from tests.conftest import FIXTURES

LANGUAGES = ["python", "java", "go", "javascript", "csharp", "terraform"]


@pytest.fixture(scope="module")
def results() -> dict[str, set[tuple[str, int, str]]]:
    targets = [FIXTURES / language for language in LANGUAGES]
    out = {}
    for profile in ("default", "pci-min", "nist-2031"):
        report = scan(targets, FIXTURES, builtin_policy(profile), ScanOptions(jobs=2))
        out[profile] = {(f.location.path, f.location.line, f.rule_id) for f in report.active()}
    return out


def test_nist_2031_adds_the_2048_bit_keys_in_every_language(results) -> None:
    added = results["nist-2031"] - results["default"]
    assert {
        ("python", 60, "KG202"),
        ("java", 44, "KG201"),
        ("go", 39, "KG201"),
        ("javascript", 27, "KG201"),
        ("csharp", 19, "KG201"),
        ("terraform", 28, "KG501"),
    } <= {(path.split("/")[0], line, rule) for path, line, rule in added}
    assert results["default"] - results["nist-2031"] <= {
        t for t in results["default"] if t[2] == "KG502"
    }, "nist-2031 is stricter: it removes nothing but findings its HSM rule replaces"


def test_pci_min_approves_p224(results) -> None:
    removed = results["default"] - results["pci-min"]
    assert ("python/asymmetric.py", 69, "KG203") in removed
    assert ("go/keys.go", 57, "KG203") in removed
    assert results["pci-min"] - results["default"] == set()
