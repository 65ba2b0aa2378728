"""The policy commands through click: init, show, rules, explain and exit code 2 on errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.policy import default_policy, load_policy
from analyzer.policy.render import policy_template


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_policy_init_writes_template_that_loads_as_the_default(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(main, ["policy", "init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = tmp_path / "keyguard.toml"
    policy = load_policy(None, tmp_path)
    assert policy.source == str(written.resolve())
    assert policy.thresholds == default_policy().thresholds
    assert policy.clauses == default_policy().clauses
    assert "# rsa_min_bits = 2048" in written.read_text()


def test_policy_init_never_overwrites_without_force(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "keyguard.toml"
    target.write_text("# mine\n")
    result = runner.invoke(main, ["policy", "init", str(tmp_path)])
    assert result.exit_code == 2
    assert "--force" in result.output
    assert target.read_text() == "# mine\n"
    assert runner.invoke(main, ["policy", "init", "--force", str(tmp_path)]).exit_code == 0
    assert target.read_text() == policy_template()


def test_switching_the_template_to_nist_2031_changes_the_thresholds(tmp_path: Path) -> None:
    text = policy_template().replace('extends = "default"', 'extends = "nist-2031"')
    (tmp_path / "keyguard.toml").write_text(text)
    assert load_policy(None, tmp_path).thresholds.rsa_min_bits == 3072


def test_policy_show_prints_effective_policy_that_loads_back(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "keyguard.toml").write_text(
        'extends = "pci-min"\n[thresholds]\nsalt_min_bytes = 24\n'
    )
    result = runner.invoke(main, ["policy", "show", str(tmp_path)])
    assert result.exit_code == 0, result.output
    shown = tomllib.loads(result.output)
    assert shown["thresholds"]["salt_min_bytes"] == 24
    assert "secp224r1" in shown["thresholds"]["ec_curves"]
    again = tmp_path / "again.toml"
    again.write_text(result.output)
    assert load_policy(again, tmp_path).thresholds == load_policy(None, tmp_path).thresholds


@pytest.mark.parametrize("command", [["policy", "show"], ["rules"], ["explain", "KG201"]])
def test_policy_error_exits_2_with_one_line(
    runner: CliRunner, tmp_path: Path, command: list[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[thresholds]\nrsa_min_bit = 1\n")
    result = runner.invoke(main, [*command, "--config", str(bad)])
    assert result.exit_code == 2
    assert (
        f"{bad}:2: thresholds.rsa_min_bit: unknown key (did you mean 'rsa_min_bits'?)"
        in result.output
    )
    assert len(result.output.strip().splitlines()) == 1


def test_rules_lists_every_rule_with_category_level_and_clause(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(main, ["rules", str(tmp_path)])
    assert result.exit_code == 0
    rows = {line.split()[0]: line.split() for line in result.output.splitlines()[1:]}
    assert len(rows) == 18
    assert rows["KG201"][1:5] == ["short-key", "error", "KGS-2", "yes"]
    assert rows["KG402"][1:5] == ["unapproved-library", "warning", "KGS-4", "no"]
    assert rows["KG505"][1:5] == ["key-governance", "warning", "KGS-6", "no"]


def test_explain_prints_four_sections_and_the_clause(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["explain", "kg201"])
    assert result.exit_code == 0
    for heading in ("What it does", "Why is this bad?", "Example", "Use instead"):
        assert heading in result.output
    clause = default_policy().clause_for("KG201")
    assert clause is not None
    assert f"{clause.id} {clause.title}" in result.output
    assert clause.text in result.output


def test_explain_uses_the_clause_of_the_effective_policy(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "k.toml"
    config.write_text(
        '[[clauses]]\nid = "ACME-9"\ntitle = "RSA"\ntext = "RSA keys are 4096 bits."\nrules = ["KG201"]\n'
    )
    result = runner.invoke(main, ["explain", "KG201", "--config", str(config)])
    assert "ACME-9 RSA\nRSA keys are 4096 bits." in result.output


def test_explain_unknown_rule_suggests_and_exits_2(runner: CliRunner) -> None:
    result = runner.invoke(main, ["explain", "KG2O1"])
    assert result.exit_code == 2
    assert "unknown rule 'KG2O1' (did you mean 'KG201'?)" in result.output
    assert len(result.output.strip().splitlines()) == 1
