"""KG302: decoded private keys always, high-entropy strings only under key-like names."""

from __future__ import annotations

import pytest

from analyzer.engines.secrets.engine import scan_secrets
from analyzer.engines.secrets.names import is_key_name
from analyzer.engines.secrets.prefilter import secrets_prefilter
from tests.conftest import FIXTURES

TOKEN = "ghp_R8x2mQ7vLk3Zp9Nw4Yt6Hs1Jd5Fb0Ca2Ee"


def pem_block(label: str, path: str = "secrets/keys/private_keys.pem") -> list[str]:
    """The lines of the first ``label`` block of a fixture file, armour included."""
    lines = (FIXTURES / path).read_text().splitlines()
    start = lines.index(f"-----BEGIN {label}-----")
    return lines[start : lines.index(f"-----END {label}-----", start) + 1]


def found(text: str, path: str = "x.env") -> list[tuple[int, str]]:
    data = text.encode()
    if not secrets_prefilter(data):
        return []
    return [(f.location.line, f.rule_id) for f in scan_secrets(data, path).findings]


def test_private_key_block_reported_once_at_begin() -> None:
    text = "x = 1\n" + "\n".join(pem_block("EC PRIVATE KEY")) + "\n"
    assert found(text, "k.pem") == [(2, "KG302")]


@pytest.mark.parametrize(
    "line",
    [
        f"API_TOKEN={TOKEN}",
        f"export API_TOKEN={TOKEN}",
        f'signing_key: "{TOKEN}"',
        f'"client_secret": "{TOKEN}",',
        f"private_key = '{TOKEN}'",
    ],
)
def test_high_entropy_under_key_like_name(line: str) -> None:
    assert found(line + "\n") == [(1, "KG302")]


@pytest.mark.parametrize(
    "line",
    [
        f'sha256: "{TOKEN}"',
        f'public_key_fingerprint: "{TOKEN}"',
        f'checksum = "{TOKEN}"',
        f'cache_key = "{TOKEN}"',
        f'message = "{TOKEN}"',
        "secret: ${SECRET}",
        'password: "changeme"',
        'api_key_id: "5f0c8a7e-3b2d-4c1e-9a6f-0d2e4b8c1a3f"',
    ],
)
def test_quiet_on_hashes_ids_and_placeholders(line: str) -> None:
    assert found(line + "\n") == []


def test_secret_never_in_any_field() -> None:
    (finding,) = scan_secrets(f"API_TOKEN={TOKEN}\n".encode(), "x.env").findings
    blob = repr(finding)
    assert TOKEN not in blob and TOKEN[4:20] not in blob
    assert finding.facts["redacted"] == "gh****(38)"
    assert len(str(finding.facts["secret_sha256"])) == 16


def test_undecodable_and_long_lines_do_not_raise() -> None:
    data = b"key = '\xff\xfe\xfd'\n" + b"token=" + b"A" * 100_000 + b"\n"
    assert scan_secrets(data, "bin.cfg").path == "bin.cfg"


@pytest.mark.parametrize(
    "text",
    [
        '_SK_START = b"-----BEGIN OPENSSH PRIVATE KEY-----"\n_SK_END = b"-----END"\n',
        "    'BEGIN RSA PRIVATE KEY',\n    'BEGIN DSA PRIVATE KEY',\n",
        '"""Load a PEM file starting with -----BEGIN PRIVATE KEY-----."""\n',
    ],
)
def test_marker_without_key_material_is_not_a_key(text: str) -> None:
    assert found(text, "parser.py") == []


def test_key_in_a_string_with_escaped_newlines() -> None:
    text = 'PEM = "' + "\\n".join(pem_block("EC PRIVATE KEY")) + '"\n'
    assert found(text, "conf.py") == [(1, "KG302")]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("signing_key", True),
        ("clientSecret", True),
        ("SecretAccessKey", True),
        ("NextToken", False),
        ("ClientToken", False),
        ("KMS_KEY_ID", False),
        ("public_key_fingerprint", False),
        ("token_type", False),
    ],
)
def test_key_like_names(name: str, expected: bool) -> None:
    assert is_key_name(name) is expected


def test_prose_reports_private_keys_only_as_documentation() -> None:
    block = "\n".join(pem_block("EC PRIVATE KEY"))
    text = f'"SecretAccessKey": "{TOKEN}",\n{block}\n'
    (finding,) = scan_secrets(text.encode(), "docs/example.rst").findings
    assert finding.location.line == 2
    assert finding.level is None and finding.facts["context"] == "documentation"


def test_documented_example_keys_are_not_reported() -> None:
    text = '"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",\n'
    assert found(text, "examples-1.json") == []
