"""Policy loading: profiles, search order, merging and every kind of validation error."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import tomllib
from pathlib import Path

import pytest

from analyzer.policy import PolicyError, builtin_policy, default_policy, load_policy
from analyzer.policy.model import DEFAULT_CLAUSES, Policy
from analyzer.policy.profiles import PROFILES, profile_bytes, profile_path
from analyzer.policy.thresholds import Thresholds

EXCEPTION = """
[[exceptions]]
rule = "KG201"
paths = ["legacy/**"]
justification = "HSM bridge only accepts 1024-bit RSA"
approved_by = "Jane Doe"
ticket = "SEC-1"
expires = 2030-01-31
"""


def write(folder: Path, text: str, name: str = "keyguard.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> PolicyError:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as info:
        load_policy(path, tmp_path)
    return info.value


def test_default_profile_is_the_source_of_the_in_code_defaults() -> None:
    data = tomllib.loads(profile_bytes("default").decode())
    assert Thresholds().rsa_min_bits == data["thresholds"]["rsa_min_bits"]
    assert Thresholds().ec_curves == tuple(data["thresholds"]["ec_curves"])
    assert [c.id for c in DEFAULT_CLAUSES] == [c["id"] for c in data["clauses"]]
    built = default_policy()
    assert dataclasses.replace(built, source=Policy().source, sha256="") == Policy()
    assert built.sha256 == hashlib.sha256(profile_bytes("default")).hexdigest()


def test_every_threshold_number_in_the_profiles_has_a_reason_comment() -> None:
    for name in PROFILES:
        lines = profile_path(name).read_text().splitlines()
        in_thresholds = False
        for index, line in enumerate(lines):
            if line.startswith("["):
                in_thresholds = line.startswith("[thresholds]")
            if in_thresholds and line and line[0].isalpha() and "=" in line:
                assert lines[index - 1].startswith("#"), f"{name}: {line} has no reason"


def test_pci_min_approves_secp224r1_and_keeps_2048() -> None:
    pci = builtin_policy("pci-min").thresholds
    assert "secp224r1" in pci.ec_curves
    assert (pci.rsa_min_bits, pci.dsa_min_bits, pci.dh_min_bits) == (2048, 2048, 2048)
    assert pci.symmetric_min_bits == 128
    assert "secp224r1" not in default_policy().thresholds.ec_curves


def test_nist_2031_raises_the_floor_to_3072() -> None:
    nist = builtin_policy("nist-2031").thresholds
    assert (nist.rsa_min_bits, nist.dsa_min_bits, nist.dh_min_bits) == (3072, 3072, 3072)
    assert "secp224r1" not in nist.ec_curves
    assert "secp256r1" in nist.ec_curves
    # Inherited from default, not restated.
    assert nist.pbkdf2_min_iterations == Thresholds().pbkdf2_min_iterations


def test_no_file_gives_the_built_in_default(tmp_path: Path) -> None:
    assert load_policy(None, tmp_path).source == "<built-in profile default>"


def test_file_overrides_extended_profile_and_records_its_hash(tmp_path: Path) -> None:
    text = (
        'extends = "nist-2031"\n[standard]\nid = "ACME-KGS"\n'
        "[thresholds]\nsalt_min_bytes = 32\n[thresholds.pbkdf2_min_iterations]\nsha256 = 900000\n"
    )
    path = write(tmp_path, text)
    policy = load_policy(path, tmp_path)
    assert policy.standard.id == "ACME-KGS"
    assert policy.thresholds.rsa_min_bits == 3072
    assert policy.thresholds.salt_min_bytes == 32
    assert policy.thresholds.pbkdf2_min_iterations["sha256"] == 900_000
    assert policy.thresholds.pbkdf2_min_iterations["sha1"] == 1_300_000
    assert policy.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert policy.source == str(path)
    assert policy.profile == "nist-2031"


def test_upward_search_finds_keyguard_toml(tmp_path: Path) -> None:
    write(tmp_path, "[thresholds]\nrsa_min_bits = 4096\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert load_policy(None, deep).thresholds.rsa_min_bits == 4096


def test_pyproject_tool_keyguard_is_used_and_errors_name_its_keys(tmp_path: Path) -> None:
    write(
        tmp_path, '[project]\nname = "x"\n[tool.keyguard]\nextends = "pci-min"\n', "pyproject.toml"
    )
    sub = tmp_path / "src"
    sub.mkdir()
    assert load_policy(None, sub).profile == "pci-min"
    write(
        tmp_path,
        '[project]\nname = "x"\n\n[tool.keyguard.thresholds]\nrsa_bits = 1\n',
        "pyproject.toml",
    )
    with pytest.raises(PolicyError) as info:
        load_policy(None, sub)
    assert "pyproject.toml:5: tool.keyguard.thresholds.rsa_bits" in str(info.value)


def test_pyproject_without_keyguard_table_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, "[thresholds]\nrsa_min_bits = 4096\n")
    sub = tmp_path / "pkg"
    sub.mkdir()
    write(sub, '[project]\nname = "x"\n', "pyproject.toml")
    assert load_policy(None, sub).thresholds.rsa_min_bits == 4096


def test_nearest_file_wins(tmp_path: Path) -> None:
    write(tmp_path, "[thresholds]\nrsa_min_bits = 4096\n")
    sub = tmp_path / "svc"
    sub.mkdir()
    write(sub, "[thresholds]\nrsa_min_bits = 3072\n")
    assert load_policy(None, sub).thresholds.rsa_min_bits == 3072


def test_exception_is_parsed(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, EXCEPTION), tmp_path)
    (exc,) = policy.exceptions
    assert exc.expires == dt.date(2030, 1, 31)
    assert exc.paths == ("legacy/**",)
    assert exc.ticket == "SEC-1"


def test_clause_override_replaces_by_id_and_takes_its_rules(tmp_path: Path) -> None:
    text = '[[clauses]]\nid = "ACME-7"\ntitle = "RSA"\ntext = "RSA keys are 4096 bits."\nrules = ["KG201"]\n'
    policy = load_policy(write(tmp_path, text), tmp_path)
    assert policy.clause_for("KG201").id == "ACME-7"
    assert policy.clause_for("KG202").id == "KGS-2"


def test_rules_disable_and_enable(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, '[rules]\ndisable = ["KG206"]\n'), tmp_path)
    assert not policy.rule_enabled("KG206")
    assert policy.rule_enabled("KG201")
    assert not policy.rule_enabled("KG402")
    kms = load_policy(write(tmp_path, "[generation]\nrequire_kms = true\n"), tmp_path)
    assert kms.rule_enabled("KG402")


@pytest.mark.parametrize(
    ("text", "line", "key", "words"),
    [
        (
            "[thresholds]\nrsa_min_bit = 4096\n",
            2,
            "thresholds.rsa_min_bit",
            "did you mean 'rsa_min_bits'",
        ),
        ("extend = 'default'\n", 1, "extend", "did you mean 'extends'"),
        (
            "[thresholds]\nrsa_min_bits = '4096'\n",
            2,
            "thresholds.rsa_min_bits",
            "expected an integer",
        ),
        (
            "[generation]\nrequire_kms = 'yes'\n",
            2,
            "generation.require_kms",
            "expected true or false",
        ),
        ("[thresholds]\nec_curves = 'secp256r1'\n", 2, "thresholds.ec_curves", "expected a list"),
        ("[thresholds]\nrsa_min_bits = -1\n", 2, "thresholds.rsa_min_bits", "positive"),
        ('extends = "nist2031"\n', 1, "extends", "did you mean 'nist-2031'"),
        ('[rules]\ndisable = ["KG999"]\n', 2, "rules.disable", "unknown rule id 'KG999'"),
        (
            EXCEPTION.replace('rule = "KG201"', 'rule = "KG2O1"'),
            3,
            "exceptions[0].rule",
            "unknown rule id",
        ),
        (
            EXCEPTION.replace("expires = 2030-01-31", 'expires = "31/01/2030"'),
            8,
            "exceptions[0].expires",
            "cannot parse the date",
        ),
        (
            EXCEPTION.replace('justification = "HSM bridge only accepts 1024-bit RSA"\n', ""),
            2,
            "exceptions[0].justification",
            "missing",
        ),
        (
            EXCEPTION.replace('approved_by = "Jane Doe"\n', ""),
            2,
            "exceptions[0].approved_by",
            "missing",
        ),
        (EXCEPTION.replace("expires = 2030-01-31\n", ""), 2, "exceptions[0].expires", "missing"),
        (
            EXCEPTION.replace('approved_by = "Jane Doe"', 'approved_by = " "'),
            6,
            "exceptions[0].approved_by",
            "empty",
        ),
        ("[thresholds]\nrsa_min_bits = \n", 2, "rsa_min_bits", "invalid TOML"),
    ],
)
def test_policy_errors_name_file_line_and_key(
    tmp_path: Path, text: str, line: int, key: str, words: str
) -> None:
    message = str(error_of(tmp_path, text))
    assert message.startswith(f"{tmp_path / 'keyguard.toml'}:{line}: {key}: "), message
    assert words in message
    assert "\n" not in message


def test_second_exception_error_points_at_its_own_lines(tmp_path: Path) -> None:
    text = EXCEPTION + EXCEPTION.replace("expires = 2030-01-31", 'expires = "2030-02-30"')
    error = error_of(tmp_path, text)
    assert (error.line, error.key) == (16, "exceptions[1].expires")


def test_config_file_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "missing.toml", tmp_path)
