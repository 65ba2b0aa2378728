"""The algorithm knowledge base: its loader, its checks on bad data, and the facts it must hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.knowledge import algorithms as kb

EXPECTED_PROHIBITED = ("DES", "3DES", "RC4", "Blowfish", "RC2", "IDEA", "CAST5")


def test_every_prohibited_algorithm_once() -> None:
    assert kb.prohibited_names() == EXPECTED_PROHIBITED


def test_spellings_per_language() -> None:
    assert kb.prohibited("java")["DESede"] == "3DES"
    assert kb.prohibited("kotlin")["ARCFOUR"] == "RC4"
    assert kb.prohibited("go")["des"] == "DES"
    assert kb.prohibited("javascript")["des-ede3"] == "3DES"
    assert kb.prohibited("javascript")["bf"] == "Blowfish"
    assert kb.prohibited("csharp")["TripleDESCryptoServiceProvider"] == "3DES"
    assert kb.prohibited("python")["Crypto.Cipher.CAST.new"] == "CAST5"
    assert kb.prohibited("terraform") == kb.prohibited("iac")
    with pytest.raises(KeyError):
        kb.prohibited("cobol")


@pytest.mark.parametrize("key", ["jca", "go", "node", "python", "iac"])
def test_every_algorithm_is_spelled_for(key: str) -> None:
    """Every ecosystem that offers all seven algorithms names each of them (Go's 3DES is in
    package ``des``, which DES already names)."""
    assert all(a.spelled(key) for a in kb.algorithms())


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("secp192r1", "secp192r1"),
        ("prime192v1", "secp192r1"),
        ("P-192", "secp192r1"),
        ("NIST192p", "secp192r1"),
        ("nistP224", "secp224r1"),
        ("P256", "secp256r1"),
        ("p-256k", "secp256k1"),
        ("brainpoolp256r1", "brainpoolP256r1"),
        ("Ed25519", "ed25519"),
        ("no-such-curve", None),
    ],
)
def test_curve_aliases(alias: str, canonical: str | None) -> None:
    assert kb.curve_canonical(alias) == canonical


def test_curve_bits_and_spellings() -> None:
    assert kb.curve_bits("P-521") == 521
    assert kb.curve_bits("unknown") is None
    assert {"P-192", "P192", "prime192v1"} <= set(kb.curve_spellings("secp192r1"))


def test_provider_defaults() -> None:
    assert kb.provider_default("hashicorp/tls", "tls_private_key", "rsa_bits") == 2048
    assert kb.provider_default("hashicorp/tls", "tls_private_key", "ecdsa_curve") == "P224"
    with pytest.raises(KeyError, match=r"algorithms\.toml"):
        kb.provider_default("hashicorp/tls", "tls_private_key", "nope")


def test_loaded_once() -> None:
    assert kb.knowledge() is kb.knowledge()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[prohibited]\n[curves]\n", r"\[provider_defaults\]"),
        ("[prohibited]\nX = { go = 'x' }\n[curves]\n[provider_defaults]\n", "prohibited.X.go"),
        ("[prohibited]\nX = { cobol = ['x'] }\n[curves]\n[provider_defaults]\n", "cobol"),
        ("[prohibited]\n[curves]\nc = { aliases = [] }\n[provider_defaults]\n", "curves.c"),
        (
            "[prohibited]\n[curves]\na = { bits = 1, aliases = ['z'] }\n"
            "b = { bits = 2, aliases = ['Z'] }\n[provider_defaults]\n",
            "alias 'Z'",
        ),
        ("[prohibited\n", "line 1"),
    ],
)
def test_bad_data_names_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "algorithms.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(kb.KnowledgeError, match=message) as info:
        kb.load(path)
    assert str(path) in str(info.value)
