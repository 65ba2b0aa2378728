"""The byte prefilters: tight on real code, and never dropping a file that has a finding."""

from __future__ import annotations

import base64
import os
import sysconfig
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.engines.python.prefilter import python_prefilter
from analyzer.engines.python.project_imports import second_look
from analyzer.engines.python.resolver import ModuleResolver
from analyzer.engines.secrets.engine import scan_secrets, secrets_prefilter
from analyzer.engines.semgrep.engine import semgrep_prefilter
from analyzer.knowledge.languages import language_name, languages_of_engine
from tests.conftest import FIXTURES
from tests.labels import read_labels

STDLIB_MAX_PASS_FRACTION = 0.10


def _stdlib_sources() -> list[Path]:
    """The standard library's own Python files (third-party site-packages excluded)."""
    root = Path(sysconfig.get_paths()["stdlib"])
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [
            d for d in dirnames if d not in {"site-packages", "dist-packages", "__pycache__"}
        ]
        found += [Path(dirpath, name) for name in filenames if name.endswith(".py")]
    return found


def is_python(rel: str) -> bool:
    return language_name(rel) == "python"


def semgrep_language(rel: str) -> str | None:
    name = language_name(rel)
    return name if name in languages_of_engine("semgrep") else None


def _engines_for(rel: str, data: bytes) -> set[str]:
    """The engines the scan would hand this file to (mirrors the pipeline's dispatch, with the
    Python engine's second look at the project's own imports)."""
    engines: set[str] = set()
    if is_python(rel) and (
        python_prefilter(data) or second_look(rel, data, ModuleResolver(FIXTURES))
    ):
        engines.add("python")
    if semgrep_language(rel) is not None and semgrep_prefilter(data):
        engines.add("semgrep")
    if b"\0" not in data[:8192] and secrets_prefilter(data):
        engines.add("secrets")
    return engines


def test_python_prefilter_passes_under_a_tenth_of_the_standard_library() -> None:
    sources = _stdlib_sources()
    assert len(sources) > 500, "the standard library was not found"
    passed = [p for p in sources if python_prefilter(p.read_bytes())]
    fraction = len(passed) / len(sources)
    assert fraction < STDLIB_MAX_PASS_FRACTION, (
        f"{len(passed)} of {len(sources)} standard-library files ({fraction:.1%}) pass"
    )


def _labelled_files() -> dict[str, set[str]]:
    by_file: dict[str, set[str]] = {}
    for path, _line, rule in read_labels(FIXTURES).expected:
        by_file.setdefault(path, set()).add(rule)
    return by_file


LABELLED = _labelled_files()


def test_there_are_labelled_python_fixtures() -> None:
    assert sum(1 for rel in LABELLED if is_python(rel)) >= 5


@pytest.mark.parametrize("rel", sorted(LABELLED))
def test_no_file_with_an_expected_finding_is_dropped(rel: str) -> None:
    data = (FIXTURES / rel).read_bytes()
    engines = _engines_for(rel, data)
    assert engines, f"{rel} expects {sorted(LABELLED[rel])} but every prefilter drops it"
    if is_python(rel) and LABELLED[rel] - {"KG302"}:
        assert "python" in engines, f"{rel}: the Python prefilter drops a file with findings"


@pytest.mark.parametrize(
    "source",
    [
        b"import random\nrandom.shuffle(songs)\n",
        b"def add(a, b):\n    return a + b\n",
        b"import hashlib\ndigest = hashlib.sha256(data).hexdigest()\n",
        # "random" in prose beside a key word is not randomness
        b'"""Entries come back in random order from the secret store."""\ndef get(store, key=None):\n    return store\n',
    ],
)
def test_code_without_key_material_is_dropped(source: bytes) -> None:
    assert not python_prefilter(source)


@pytest.mark.parametrize(
    "source",
    [
        b"from cryptography.hazmat.primitives.asymmetric import rsa\n",
        b"import random\nsession_key = bytes(random.getrandbits(8) for _ in range(16))\n",
        b"from Crypto.PublicKey import RSA\nkey = RSA.generate(1024)\n",
        b"from random import choice\napi_key = ''.join(choice(ALPHABET) for _ in range(32))\n",
        b"from hmac import HMAC\nmac = HMAC(b'secret', msg, digestmod='sha256')\n",
        b"import os\nsalt = os.urandom(4)\n",
    ],
)
def test_code_that_makes_keys_is_kept(source: bytes) -> None:
    assert python_prefilter(source)


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-"
_LINES = st.builds(
    lambda lead, q1, name, sep, q2, value, tail: f"{lead}{q1}{name}{q1}{sep}{q2}{value}{q2}{tail}",
    st.sampled_from(["", "export ", "  ", "x = {", "call(", "self."]),
    st.sampled_from(["", "'", '"']),
    st.sampled_from(["API_KEY", "secret", "db_password", "private_key", "Token", "aws.secret.key"]),
    st.sampled_from(["=", ":", " = ", ": ", "=>", ":=", "\t=\t", " =\t"]),
    st.sampled_from(["", "'", '"']),
    st.one_of(
        st.text(alphabet=_B64, max_size=48),
        st.binary(min_size=16, max_size=40).map(lambda b: base64.b64encode(b).decode()),
        st.binary(min_size=4, max_size=24).map(bytes.hex),
    ),
    st.sampled_from(["", " # note", ",", ")", "\r", "  "]),
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(_LINES, min_size=1, max_size=4), st.sampled_from(["\n", "\r\n", "\r"]))
def test_secrets_prefilter_keeps_every_file_with_a_finding(lines: list[str], newline: str) -> None:
    data = newline.join(lines).encode()
    if scan_secrets(data, "settings.env").findings:
        assert secrets_prefilter(data)


def test_secrets_gate_mirrors_detect_secrets_entropy_plugins() -> None:
    """scan_secrets skips detect-secrets when no quoted string could pass its entropy plugins;
    that gate must use exactly their regexes, charsets and limits."""
    from detect_secrets.plugins.high_entropy_strings import (
        Base64HighEntropyString,
        HexHighEntropyString,
    )

    from analyzer.engines.secrets.detectors import ENTROPY_PLUGINS, PLUGINS, entropy

    limits = {p["name"]: p.get("limit") for p in PLUGINS["plugins_used"]}
    for (regex, charset, limit), plugin in zip(
        ENTROPY_PLUGINS, (Base64HighEntropyString(), HexHighEntropyString()), strict=True
    ):
        assert regex.pattern == plugin.regex.pattern
        assert charset == plugin.charset
        assert limit == limits[type(plugin).__name__]
        for value in ("Zx8Qm2Lp9Rt4Vw7Yb3Nc5Jk1", "0123456789abcdef", "aaaa", "deadbeef12"):
            if all(c in charset for c in value) and not value.isdigit():
                assert abs(entropy(value, charset) - plugin.calculate_shannon_entropy(value)) < 1e-9
