"""Unit tests of the Python engine: evaluator, imports, each rule, bad input, prefilter."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from analyzer.engines.python.engine import ModuleResolver, analyze_python, python_prefilter
from analyzer.engines.python.project_imports import second_look
from analyzer.engines.python.table import load_table
from analyzer.engines.python.walk.names import secret_kind, split_words
from analyzer.policy.thresholds import Thresholds
from tests.labels import read_labels

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def run(code: str, resolver: ModuleResolver | None = None, path: str = "m.py"):
    return analyze_python(textwrap.dedent(code).encode(), path, Thresholds(), resolver)


def rules_at(code: str, **kw) -> set[tuple[int, str]]:
    return {(f.location.line, f.rule_id) for f in run(code, **kw).findings}


RSA = "from cryptography.hazmat.primitives.asymmetric import rsa\n"


@pytest.mark.parametrize(
    ("prelude", "size_expr", "weak"),
    [
        ("", "1024", True),
        ("", "512 * 2", True),
        ("", "1 << 10", True),
        ("", "4096 // 2", False),
        ("BITS = 1024\n", "BITS", True),
        ("BITS = 1024\nBITS = 4096\n", "BITS", False),  # assigned twice: not a constant
        ("BITS = 2048\n", "BITS // 2", True),
        ("", "len(b'x' * 128)", True),
        ("", "-(-1024)", True),
        ("", "unknown_size", False),  # unresolvable: never guessed
    ],
)
def test_constant_evaluator_resolves_sizes(prelude: str, size_expr: str, weak: bool) -> None:
    code = (
        RSA
        + prelude
        + f"k = rsa.generate_private_key(public_exponent=65537, key_size={size_expr})\n"
    )
    found = {r for _, r in rules_at(code)}
    assert ("KG201" in found) is weak


def test_class_constant_and_default_argument() -> None:
    code = RSA + textwrap.dedent(
        """
        class K:
            BITS = 1024
            def a(self):
                return rsa.generate_private_key(public_exponent=65537, key_size=self.BITS)
            def b(self, bits=512):
                return rsa.generate_private_key(public_exponent=65537, key_size=bits)
            def c(self, bits=512):
                bits = 4096
                return rsa.generate_private_key(public_exponent=65537, key_size=bits)
        """
    )
    # The weak default is reported where it is written (line 7), not at the call.
    assert rules_at(code) == {(6, "KG201"), (7, "KG201")}


def test_related_points_at_the_constant() -> None:
    result = run(
        RSA + "BITS = 1024\nrsa.generate_private_key(public_exponent=65537, key_size=BITS)\n"
    )
    (finding,) = result.findings
    assert finding.location.line == 3 and finding.location.column == 1
    assert [r.location.line for r in finding.related] == [2]
    assert finding.facts["size"] == 1024
    assert finding.snippet.startswith("rsa.generate_private_key(")


@pytest.mark.parametrize(
    "imports",
    [
        "from cryptography.hazmat.primitives.asymmetric import rsa as _rsa\nK = _rsa",
        "import cryptography.hazmat.primitives.asymmetric.rsa as K",
        "from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key as g\n"
        "class K:\n    generate_private_key = staticmethod(g)\nK = K.generate_private_key\nK = g\n"
        "import cryptography.hazmat.primitives.asymmetric.rsa as K",
    ],
)
def test_import_alias_forms(imports: str) -> None:
    code = imports + "\nK.generate_private_key(public_exponent=65537, key_size=1024)\n"
    assert "KG201" in {r for _, r in rules_at(code)}


def test_import_forms_for_random() -> None:
    assert rules_at("import random as r\nsecret = r.random()\n") == {(2, "KG101")}
    assert rules_at("from random import getrandbits as g\nkey = g(128)\n") == {(2, "KG101")}
    assert rules_at("import Crypto.PublicKey.RSA\nCrypto.PublicKey.RSA.generate(1024)\n") == {
        (2, "KG201")
    }


def test_python_rsa_and_pyca_rsa_resolve_differently() -> None:
    assert rules_at("import rsa\nrsa.newkeys(2048)\n") == {(2, "KG401")}
    assert (
        rules_at(RSA + "rsa.generate_private_key(public_exponent=65537, key_size=2048)\n") == set()
    )


def test_local_name_shadows_import() -> None:
    code = "import random\ndef f(random):\n    token = random.random()\n    return token\n"
    assert rules_at(code) == set()


def test_cross_module_constant(tmp_path: Path) -> None:
    pkg = tmp_path / "app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "settings.py").write_text("BITS = 512 * 2\nOTHER = 4096\n")
    body = RSA + (
        "from .settings import BITS\n"
        "from app import settings\n"
        "import app.settings as s\n"
        "rsa.generate_private_key(public_exponent=65537, key_size=BITS)\n"
        "rsa.generate_private_key(public_exponent=65537, key_size=settings.BITS)\n"
        "rsa.generate_private_key(public_exponent=65537, key_size=s.BITS)\n"
        "rsa.generate_private_key(public_exponent=65537, key_size=s.OTHER)\n"
    )
    result = run(body, ModuleResolver(tmp_path), "app/keys.py")
    assert {(f.location.line, f.rule_id) for f in result.findings} == {
        (5, "KG201"),
        (6, "KG201"),
        (7, "KG201"),
    }
    assert result.findings[0].related[0].location.path == "app/settings.py"
    assert run(body, None, "app/keys.py").findings == []


def test_kg101_only_when_random_reaches_secrets() -> None:
    code = """
        import random
        def shuffle(xs):
            random.shuffle(xs)
            return random.sample(xs, 2), random.uniform(0, 1)
        def generate_token():
            return "".join(random.choice("ab") for _ in range(20))
        def f(db):
            db.save(password=str(random.random()))
            return {"api_key": random.getrandbits(64)}
        cache_key = random.random()
        nonce = bytes(random.getrandbits(8) for _ in range(12))
        """
    assert rules_at(code) == {(7, "KG101"), (9, "KG101"), (10, "KG101"), (12, "KG101")}


def test_strong_randomness_is_silent() -> None:
    code = """
        import random, secrets, os
        key = os.urandom(32)
        token = secrets.token_hex(16)
        pw = random.SystemRandom().choice("abc")
        """
    assert rules_at(code) == set()


def test_kg102_only_when_seeded_output_is_key_material() -> None:
    seeded_secret = "import random, time\nrandom.seed(time.time())\nsecret = random.random()\n"
    assert rules_at(seeded_secret) == {(2, "KG102"), (3, "KG101")}
    simulation = "import random\nrandom.seed(42)\nsteps = [random.random() for _ in range(9)]\n"
    assert rules_at(simulation) == set()
    instance = "import random\nrng = random.Random(7)\nkey = rng.getrandbits(128)\n"
    assert rules_at(instance) == {(2, "KG102"), (3, "KG101")}
    unseeded = "import random\nrng = random.Random()\nkey = rng.getrandbits(128)\n"
    assert rules_at(unseeded) == {(3, "KG101")}


def test_kg204_short_keys_but_not_nonces() -> None:
    code = """
        import os, secrets
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        key = os.urandom(8)
        nonce = os.urandom(12)
        k2 = AESGCM.generate_key(bit_length=64)
        k3 = AESGCM.generate_key(bit_length=128)
        """
    assert rules_at(code) == {(4, "KG204"), (6, "KG204")}


def test_kg205_kdf_work_factor_and_salt() -> None:
    code = """
        import hashlib, os
        from Crypto.Protocol.KDF import PBKDF2
        hashlib.pbkdf2_hmac("sha256", pw, salt, 1000)
        hashlib.pbkdf2_hmac("sha512", pw, salt, 210_000)
        hashlib.pbkdf2_hmac("sha256", pw, os.urandom(8), 600_000)
        PBKDF2(pw, salt)
        hashlib.scrypt(pw, salt=salt, n=1024, r=8, p=1)
        """
    assert rules_at(code) == {(4, "KG205"), (6, "KG205"), (7, "KG205"), (8, "KG205")}


def test_kg203_and_kg206() -> None:
    code = RSA + textwrap.dedent(
        """
        from cryptography.hazmat.primitives.asymmetric import ec
        from Crypto.PublicKey import ECC
        ec.generate_private_key(ec.SECP224R1())
        ec.generate_private_key(ec.SECP256R1())
        ECC.generate(curve="prime256v1")
        ECC.generate(curve="NIST192p")
        rsa.generate_private_key(public_exponent=3, key_size=2048)
        """
    )
    assert rules_at(code) == {(5, "KG203"), (8, "KG203"), (9, "KG206")}


def test_kg301_redacts_the_literal() -> None:
    result = run('import jwt\njwt.encode({}, "topsecretvalue", algorithm="HS256")\n')
    (finding,) = result.findings
    assert finding.rule_id == "KG301"
    assert "topsecretvalue" not in finding.message
    assert all("topsecretvalue" not in str(v) for v in finding.facts.values())


def test_kg301_not_for_environment_or_empty() -> None:
    code = """
        import os, hmac, jwt
        jwt.encode({}, os.environ.get("K", "fallback"), algorithm="HS256")
        hmac.new(b"", b"m", "sha256")
        hmac.new(os.environ["K"].encode(), b"m", "sha256")
        """
    assert rules_at(code) == set()


def test_kg401_kg403() -> None:
    code = """
        import pyDes
        from Crypto.Cipher import DES, AES
        pyDes.des(key)
        DES.new(key, DES.MODE_ECB)
        AES.new(key, AES.MODE_GCM)
        """
    assert rules_at(code) == {(4, "KG401"), (4, "KG403"), (5, "KG403")}


def test_pycrypto_only_api_marks_crypto_namespace() -> None:
    code = "from Crypto.Random import OSRNG\nfrom Crypto.PublicKey import RSA\nRSA.generate(2048)\n"
    assert rules_at(code) == {(3, "KG401")}
    assert rules_at("from Crypto.PublicKey import RSA\nRSA.generate(2048)\n") == set()


def test_key_sites_inventory() -> None:
    code = RSA + textwrap.dedent(
        """
        import boto3
        rsa.generate_private_key(public_exponent=65537, key_size=1024)
        rsa.generate_private_key(public_exponent=65537, key_size=4096)
        rsa.generate_private_key(public_exponent=65537, key_size=size)
        boto3.client("kms").generate_data_key(KeyId="k", KeySpec="AES_256")
        """
    )
    sites = run(code).sites
    assert [(s.location.line, s.verdict) for s in sites] == [
        (4, "violation"),
        (5, "compliant"),
        (6, "unverified"),
        (7, "compliant"),
    ]
    assert sites[3].library == "aws-kms" and sites[3].rule_ids == []


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        (b"print 'hello'\n", "syntax-error"),
        (b"exec 'x = 1'\nimport random\n", "syntax-error"),
        (b"x = 1\x00\n", "decode-error"),
        (b"# -*- coding: utf-8 -*-\nx = '\xff\xfe'\n", "decode-error"),
        (b"x = " + b"(" * 10000 + b"1" + b")" * 10000 + b"\n", "syntax-error"),
        (b"x = " + b"-" * 10000 + b"1\n", "too-complex"),
        (b"x = " + b"1+" * 20000 + b"1\n", "too-complex"),
        (b"x = " + b"-" * 1000 + b"1\n", "too-complex"),
    ],
)
def test_bad_input_becomes_notification(source: bytes, kind: str) -> None:
    result = analyze_python(source, "bad.py", Thresholds())
    assert result.findings == [] and result.sites == []
    (note,) = result.notifications
    assert note.kind == kind and note.path == "bad.py" and "bad.py" in note.message


def test_secret_like_names() -> None:
    table = load_table()
    assert split_words("sessionKey") == ["session", "key"]
    assert split_words("SESSION_KEY") == ["session", "key"]
    for name in ("api_key", "secretKey", "password", "csrf_token", "iv", "salt", "otp"):
        assert secret_kind(name, table) is not None, name
    for name in (
        "sort_key",
        "cache_key",
        "primary_key",
        "key_func",
        "keyboard",
        "monkey",
        "token_type",
        "tokenizer",
        "keys",
        "max_tokens",
    ):
        assert secret_kind(name, table) is None, name


def test_prefilter_keeps_every_fixture_with_findings() -> None:
    labels = read_labels(FIXTURES)
    # fixtures/secrets/ holds files for the secrets engine, which reads every file without it.
    files = {
        path
        for path, _, _ in labels.expected
        if path.endswith(".py") and not path.startswith("secrets/")
    }
    assert files
    resolver = ModuleResolver(FIXTURES)
    for rel in files:
        data = (FIXTURES / rel).read_bytes()
        assert python_prefilter(data) or second_look(rel, data, resolver), rel


def test_prefilter_skips_unrelated_code() -> None:
    assert not python_prefilter(b"import os\nprint(os.getcwd())\n")
    assert not python_prefilter(b"import random\nrandom.shuffle(items)\n")
    assert python_prefilter(b"from cryptography.fernet import Fernet\n")


def test_python_fixtures_match_their_labels() -> None:
    root = FIXTURES
    labels = read_labels(root)
    resolver = ModuleResolver(root)
    got: set[tuple[str, int, str]] = set()
    for file in sorted((root / "python").rglob("*.py")):
        rel = file.relative_to(root).as_posix()
        result = analyze_python(file.read_bytes(), rel, Thresholds(), resolver)
        assert result.notifications == []
        got |= {(rel, f.location.line, f.rule_id) for f in result.findings}
    expected = {e for e in labels.expected if e[0].startswith("python/")}
    assert got == expected
    assert not got & labels.forbidden
