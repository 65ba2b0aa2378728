"""Unit tests of the Python engine's key-material checks (issues 13 and 15): escaped key bytes,
DH moduli, algorithms chosen as values, expectations of failure, newer syntax, parse failures."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from analyzer.engines.python.checks.dh_groups import is_probable_prime, plausible_modulus
from analyzer.engines.python.checks.key_literals import is_key_bytes
from analyzer.engines.python.engine import analyze_python
from analyzer.engines.python.key_facts import key_facts
from analyzer.pipeline.run import ScanOptions, scan
from analyzer.policy import default_policy
from analyzer.policy.thresholds import Thresholds


def rules_at(code: str, path: str = "m.py") -> set[tuple[int, str]]:
    result = analyze_python(textwrap.dedent(code).encode(), path, Thresholds())
    return {(f.location.line, f.rule_id) for f in result.findings}


@pytest.mark.parametrize(
    ("value", "key"),
    [
        (b'_\xcf"\x8a\x11\x02\x93\x7f\xd0\x10\xaa\xbb\x0c\xdd\xee\x9f', True),
        (b"\x00" * 16, False),
        (bytes(range(16)), False),
        (b"sixteen byte key", False),
        (b"\x8e\x1f\x04", False),
    ],
)
def test_key_bytes(value: bytes, key: bool) -> None:
    assert is_key_bytes(value, key_facts().min_bytes) is key


@pytest.mark.parametrize(
    ("value", "placeholder"),
    [
        ("changeme", True),
        ("<your-secret-key>", True),
        ("${SECRET}", True),
        ("xxxxxxxx", True),
        ("django-insecure-7m+3r!q@x0f", False),
        ("dev", False),
    ],
)
def test_placeholders(value: str, placeholder: bool) -> None:
    assert key_facts().is_placeholder(value) is placeholder


def test_public_key_is_not_secret() -> None:
    assert key_facts().is_public("-----BEGIN PUBLIC KEY-----\nMFkw...\n-----END PUBLIC KEY-----")
    assert not key_facts().is_public("-----BEGIN PRIVATE KEY-----\nMIIE...")


def test_primes() -> None:
    assert is_probable_prime(2**127 - 1)
    assert not is_probable_prime(2**128 + 1)
    assert not plausible_modulus(2**255 - 19, 256)  # prime, but 255 bits: no DH modulus
    assert not plausible_modulus((2**521 - 1) * 2, 256)


def test_dh_literal_through_a_name() -> None:
    code = """
        from cryptography.hazmat.primitives.asymmetric import dh
        GROUP = 0x{p:x}
        def params():
            return dh.DHParameterNumbers(GROUP, 2)
    """.replace("{p:x}", format(2**521 - 1, "x"))
    # One result at the literal (where the group is written); the call it reaches is a
    # related location, not a second result.
    result = analyze_python(textwrap.dedent(code).encode(), "m.py", Thresholds())
    assert [(f.location.line, f.rule_id) for f in result.findings] == [(3, "KG202")]
    assert [r.location.line for r in result.findings[0].related] == [5]


def test_getattr_reference_and_its_build_are_one_result() -> None:
    code = """
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
        def legacy(key):
            cls = getattr(algorithms, "ARC4")
            return Cipher(cls(key), mode=None)
    """
    result = analyze_python(textwrap.dedent(code).encode(), "m.py", Thresholds())
    assert [(f.location.line, f.rule_id) for f in result.findings] == [(4, "KG403")]
    assert [r.location.line for r in result.findings[0].related] == [5]


def test_algorithm_import_alone_is_not_a_reference() -> None:
    code = """
        from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES, AES
        __all__ = ["TripleDES"]
        SUITES = {"aes": AES}
    """
    assert rules_at(code) == set()


def test_expected_failure_makes_no_key() -> None:
    code = """
        import pytest
        from cryptography.hazmat.primitives.asymmetric import rsa
        def test_small():
            with pytest.raises(ValueError):
                rsa.generate_private_key(65537, 512)
            rsa.generate_private_key(65537, 512)
    """
    assert rules_at(code, "test_m.py") == {(7, "KG201")}


def test_newer_syntax_is_analysed() -> None:
    code = """
        from cryptography.hazmat.primitives.asymmetric import rsa
        type Pair[T] = tuple[T, T]
        def make[T](kind: T) -> T:
            label = f"{"\\n".join(["a", "b"])}"
            return rsa.generate_private_key(65537, 1024)
    """
    result = analyze_python(textwrap.dedent(code).encode(), "m.py", Thresholds())
    assert not result.notifications
    assert {(f.location.line, f.rule_id) for f in result.findings} == {(6, "KG201")}


def test_file_that_fails_to_parse_is_not_analysed(tmp_path: Path) -> None:
    crypto = "from cryptography.hazmat.primitives.asymmetric import rsa\n"
    (tmp_path / "good.py").write_text(crypto + "key = rsa.generate_private_key(65537, 1024)\n")
    (tmp_path / "bad.py").write_text(crypto + "def broken(:\n    pass\n")
    report = scan([tmp_path], tmp_path, default_policy(), ScanOptions(jobs=1))
    assert report.files_analyzed == 1
    assert [n.kind for n in report.notifications] == ["syntax-error"]
