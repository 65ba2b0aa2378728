"""The data-driven fixture test: the scan must report exactly the annotated (file, line, rule)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analyzer.pipeline.run import ScanOptions, scan
from analyzer.policy import default_policy, load_policy
from tests.conftest import FIXTURES
from tests.labels import read_labels

LANGUAGE_DIRS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
# A Semgrep metavariable or a template placeholder a message was left with.
UNBOUND = re.compile(r"\$\{?[A-Z][A-Z0-9_]*\b")


@pytest.fixture(scope="module")
def fixture_report():
    return scan([FIXTURES], FIXTURES, default_policy(), ScanOptions(jobs=2))


def _found(report, prefix: str) -> set[tuple[str, int, str]]:
    return {
        (f.location.path, f.location.line, f.rule_id)
        for f in report.active()
        if f.location.path.startswith(prefix)
    }


def _report_for(language: str, fixture_report):
    """A fixture folder with its own ``keyguard.toml`` is scanned under that standard."""
    config = FIXTURES / language / "keyguard.toml"
    if not config.is_file():
        return fixture_report
    return scan([FIXTURES / language], FIXTURES, load_policy(config, FIXTURES), ScanOptions())


@pytest.mark.parametrize("language", LANGUAGE_DIRS)
def test_exact_findings(fixture_report, language: str) -> None:
    labels = read_labels(FIXTURES)
    prefix = f"{language}/"
    expected = {t for t in labels.expected if t[0].startswith(prefix)}
    found = _found(_report_for(language, fixture_report), prefix)
    missing = sorted(expected - found)
    extra = sorted(found - expected)
    assert not missing and not extra, f"missing: {missing}\nextra: {extra}"
    forbidden_hit = sorted(labels.forbidden & found)
    assert not forbidden_hit, f"rules fired on ok: lines: {forbidden_hit}"


def test_messages_name_what_was_matched(fixture_report) -> None:
    """A rule whose message names a metavariable one of its branches does not bind would show
    ``$T`` to the user."""
    left = sorted(
        (f.location.path, f.location.line, f.message)
        for f in fixture_report.active()
        if UNBOUND.search(f.message)
    )
    assert not left, left


def test_fixtures_are_annotated_enough() -> None:
    labels = read_labels(FIXTURES / "python")
    assert len(labels) >= 80
    assert any(t for t in labels.forbidden), "negative (ok:) lines are required"


def test_fixture_scan_has_no_internal_errors(fixture_report) -> None:
    kinds = {n.kind for n in fixture_report.notifications}
    assert "internal-error" not in kinds, [n.message for n in fixture_report.notifications]


def test_scan_of_a_single_file_names_it_relative_to_root(tmp_path: Path) -> None:
    bad = tmp_path / "keys.py"
    bad.write_text(
        "from cryptography.hazmat.primitives.asymmetric import rsa\n"
        "key = rsa.generate_private_key(public_exponent=65537, key_size=1024)\n"
    )
    report = scan([bad], tmp_path, default_policy())
    assert [(f.location.path, f.location.line, f.rule_id) for f in report.active()] == [
        ("keys.py", 2, "KG201")
    ]
