"""Key material told apart (issue 15): private from public, real from placeholder, code from
documentation and test vectors; messages that say what was found, always redacted."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from analyzer.engines.secrets.der import outer_sequence
from analyzer.engines.secrets.engine import scan_secrets
from analyzer.engines.secrets.link import link_passphrases
from analyzer.engines.secrets.material import from_der
from analyzer.engines.secrets.prefilter import secrets_prefilter
from analyzer.engines.secrets.settings import is_strong_key_name
from analyzer.findings.model import Finding, KeySite
from tests.conftest import FIXTURES

KEYS = FIXTURES / "secrets" / "keys"


def scanned(text: str, path: str) -> list[Finding]:
    data = text.encode()
    assert secrets_prefilter(data), "the prefilter must keep every file with key material"
    return scan_secrets(data, path).findings


def block(label: str, path: str = "private_keys.pem") -> str:
    lines = (KEYS / path).read_text().splitlines()
    start = lines.index(f"-----BEGIN {label}-----")
    return "\n".join(lines[start : lines.index(f"-----END {label}-----", start) + 1])


def body(label: str, path: str = "private_keys.pem") -> str:
    return "".join(block(label, path).splitlines()[1:-1])


@pytest.mark.parametrize(
    ("label", "described"),
    [
        ("PRIVATE KEY", "RSA private key (PKCS#8, 2048-bit)"),
        ("EC PRIVATE KEY", "EC private key (SEC1, P-256)"),
        ("DSA PRIVATE KEY", "DSA private key (OpenSSL, 2048-bit)"),
    ],
)
def test_messages_name_the_key(label: str, described: str) -> None:
    (finding,) = scanned(block(label) + "\n", "deploy/key.pem")
    assert finding.message.startswith(described)
    assert finding.facts["key"] == described


@pytest.mark.parametrize(
    "label", ["PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE", "CERTIFICATE REQUEST"]
)
def test_public_material_is_not_a_finding(label: str) -> None:
    text = block(label, "public_material.pem") + "\n"
    assert scan_secrets(text.encode(), "ca/bundle.pem").findings == []


@pytest.mark.parametrize(
    "content",
    [
        "...",
        "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        base64.b64encode(b"paste your private key here, it is not in this file").decode(),
        "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",  # truncated
        "<your private key>",
    ],
)
def test_placeholder_blocks_are_decided_by_decoding(content: str) -> None:
    text = f"-----BEGIN RSA PRIVATE KEY-----\n{content}\n-----END RSA PRIVATE KEY-----\n"
    assert scan_secrets(text.encode(), "README.pem").findings == []


def test_der_reader_wants_one_whole_sequence() -> None:
    der = base64.b64decode(body("PRIVATE KEY"))
    assert outer_sequence(der) is not None
    assert outer_sequence(der + b"\x00\x01") is None
    assert from_der(der[:-1]) is None


def test_bare_der_key_with_armour_added_by_concatenation() -> None:
    encoded = body("PRIVATE KEY")
    chunks = [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
    text = (
        "KEY = (\n"
        + "".join(f'    "{c}"\n' for c in chunks)
        + ')\nPEM = "-----BEGIN PRIVATE KEY-----\\n" + KEY + "\\n-----END PRIVATE KEY-----"\n'
    )
    (finding,) = scanned(text, "app/keys.py")
    assert finding.location.line == 1  # the name that holds the key
    assert finding.message.startswith("RSA private key (PKCS#8, 2048-bit) assigned to `KEY`;")
    assert encoded[10:40] not in repr(finding)


def test_bare_public_key_is_not_a_finding() -> None:
    text = f'PUBLIC = "{body("PUBLIC KEY", "public_material.pem")}"\n'
    assert scan_secrets(text.encode(), "app/keys.py").findings == []


def test_encrypted_key_without_passphrase_goes_to_the_inventory() -> None:
    result = scan_secrets((KEYS / "encrypted_keys.pem").read_bytes(), "keys/enc.pem")
    assert result.findings == []
    assert len(result.sites) == 3
    assert all("passphrase not found" in s.properties["protection"] for s in result.sites)


def test_encrypted_key_with_its_passphrase_names_both_places() -> None:
    (finding,) = scanned((KEYS / "tls_with_passphrase.yaml").read_text(), "tls.yaml")
    assert finding.location.line == 3
    assert [r.location.line for r in finding.related] == [33]
    assert "correct horse" not in repr(finding)


def test_jwk_private_members_named_with_their_key() -> None:
    findings = scanned((KEYS / "jwks_private.json").read_text(), "jwks.json")
    assert [f.message.split(" (")[0] for f in findings] == [
        "JWK private member `d` of RSA key `sig-1`",
        "JWK private member `d` of EC key `enc-2`",
        "JWK private member `k` of symmetric key `hmac-3`",
    ]
    for finding in findings:
        assert str(finding.facts["redacted"]) in finding.message


def test_public_jwks_are_not_findings() -> None:
    text = (KEYS / "jwks_public.json").read_text()
    assert scan_secrets(text.encode(), "jwks.json").findings == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "cipherKey = kPH+bIxk5D2deZiIxcaaaA==",
            "symmetric key of 16 bytes assigned to `cipherKey`",
        ),
        (
            "hmac_key: 3f9a2c7e1b4d8a56c0e2f4a6b8d0e1f3",
            "HMAC key of 16 bytes assigned to `hmac_key`",
        ),
        ("jwt.secret=Q0mX9f2LkP8vZs4TnR7wYg==", "JWT key of 16 bytes assigned to `jwt.secret`"),
    ],
)
def test_short_keys_under_strong_names(line: str, message: str) -> None:
    for path in ("conf/app.ini", "conf/app.properties", "conf/app.yaml", ".env"):
        (finding,) = scanned(line + "\n", path)
        assert finding.message.startswith(message)
        assert re.split(r"\s*[:=]\s*", line, maxsplit=1)[1] not in finding.snippet


@pytest.mark.parametrize(
    "line",
    [
        "cipherKey = ${CIPHER_KEY}",
        "cipherKey =",
        "hmac_key: 00000000000000000000000000000000",
        "api_key = kPH+bIxk5D2deZiIxcaaaA==",
        "cipher_key_size = 1234567890123456",
        "signing_key_id = 3f9a2c7e1b4d8a56c0e2f4a6b8d0e1f3",
    ],
)
def test_weak_names_and_non_values_are_not_setting_keys(line: str) -> None:
    assert scan_secrets((line + "\n").encode(), "conf/app.ini").findings == []


@pytest.mark.parametrize(
    ("name", "strong"),
    [
        ("cipherKey", True),
        ("jwt.secret", True),
        ("SECRET_KEY", True),
        ("hmac_key", True),
        ("api_key", False),
        ("client_secret", False),
        ("public_signing_key", False),
        ("jwt.verification-key", False),
    ],
)
def test_strong_key_names(name: str, strong: bool) -> None:
    assert is_strong_key_name(name) is strong


def test_openssh_public_key_under_a_key_name_is_not_a_finding() -> None:
    text = (FIXTURES / "secrets" / "ssh_public_keys.yaml").read_text()
    assert scan_secrets(text.encode(), "deploy.yaml").findings == []


def test_test_vector_inputs_only() -> None:
    data = (FIXTURES / "secrets" / "testvectors" / "aes_gcm_test.json").read_bytes()
    (finding,) = scan_secrets(data, "vectors/aes_gcm_test.json").findings
    assert finding.facts["context"] == "test-vector" and finding.level == "warning"
    assert finding.facts["name"] == "key"


def test_docstring_key_is_documentation() -> None:
    data = (FIXTURES / "secrets" / "docs" / "docstring_example.py").read_bytes()
    (finding,) = scan_secrets(data, "svc/helpers.py").findings
    assert finding.level is None and finding.facts["context"] == "documentation"


def _encrypted_key_project(root: Path, loader: str) -> KeySite:
    key = root / "tests" / "data" / "server.key"
    key.parent.mkdir(parents=True)
    key.write_text(block("ENCRYPTED PRIVATE KEY", "encrypted_keys.pem") + "\n")
    (root / "tests" / "test_tls.py").write_text(loader)
    (site,) = scan_secrets(key.read_bytes(), "tests/data/server.key").sites
    return site


def test_link_finds_the_passphrase_where_the_key_is_loaded(tmp_path: Path) -> None:
    loader = 'def test_load():\n    key = load_key(data("server.key"), b"hunter22-tls")\n'
    site = _encrypted_key_project(tmp_path, loader)
    (finding,) = link_passphrases([site], tmp_path)
    assert finding.location.path == "tests/data/server.key"
    assert [(r.location.path, r.location.line) for r in finding.related] == [
        ("tests/test_tls.py", 2)
    ]
    assert "hunter22" not in repr(finding)
    assert site.properties["protection"] == "encrypted; passphrase committed at tests/test_tls.py:2"


def test_link_prefers_the_literal_handed_to_the_loader(tmp_path: Path) -> None:
    """paramiko: a login password beside one reference (in a file read first) is not the key's
    passphrase; the literal handed to the loader with the key is."""
    loader = 'def test_load():\n    key = load_key(data("server.key"), "television")\n'
    site = _encrypted_key_project(tmp_path, loader)
    (tmp_path / "tests" / "test_client.py").write_text(
        "def test_login():\n"
        '    client.connect(key_filename=[data("server.key")],\n'
        '                   password="pygmalion")\n'
    )
    (finding,) = link_passphrases([site], tmp_path)
    assert [(r.location.path, r.location.line) for r in finding.related] == [
        ("tests/test_tls.py", 2)
    ]


def test_link_without_a_passphrase_keeps_the_inventory_entry(tmp_path: Path) -> None:
    loader = 'def test_load():\n    key = load_key(data("server.key"), os.environ["PASS"])\n'
    site = _encrypted_key_project(tmp_path, loader)
    assert link_passphrases([site], tmp_path) == []
    assert "not found" in site.properties["protection"]


@pytest.mark.parametrize(("cipher", "findings", "sites"), [("none", 1, 0), ("aes256-cbc", 0, 1)])
def test_putty_key_files(cipher: str, findings: int, sites: int) -> None:
    text = (
        "PuTTY-User-Key-File-2: ssh-rsa\n"
        f"Encryption: {cipher}\nComment: fixture\nPublic-Lines: 1\n"
        "AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7\nPrivate-Lines: 1\n"
        "AAAAgQCu3Zq9Yk0bVvW1Zx7s8Jc0uL2pQm4TnR6vK9dF3hG5jB8wE1yA\n"
        "Private-MAC: 2a4e6c8b0d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c\n"
    )
    result = scan_secrets(text.encode(), "keys/deploy.ppk")
    assert (len(result.findings), len(result.sites)) == (findings, sites)


def test_putty_template_in_code_is_not_a_key() -> None:
    text = 'out = "PuTTY-User-Key-File-2: " + algo + "\\nEncryption: " + enc + "\\n";\n'
    assert scan_secrets(text.encode(), "lib/putty.js").findings == []
