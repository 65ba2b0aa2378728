"""Fuzzing: generated programs and hostile bytes never make an engine raise.

The CI-sized run is derandomised and takes seconds. The long run is the same test with more
examples: ``KEYGUARD_FUZZ_PROGRAMS=10000 python -m pytest tests/test_fuzz.py`` (see
the README, "Robustness").
"""

from __future__ import annotations

import codecs
import importlib
import os
import tempfile
import warnings
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from analyzer.engines.python.engine import analyze_python
from analyzer.engines.python.resolver import ModuleResolver
from analyzer.engines.secrets.engine import scan_secrets
from analyzer.findings.model import FileResult
from analyzer.pipeline.files import _analyze, _Context, _Work
from analyzer.policy import default_policy
from analyzer.policy.thresholds import Thresholds

# Hypothesis caches constants under .hypothesis even without a database: not in the checkout.
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "keyguard-hypothesis"))
PROGRAMS = int(os.environ.get("KEYGUARD_FUZZ_PROGRAMS", "0"))
LONG = PROGRAMS > 0
SETTINGS = settings(
    max_examples=PROGRAMS or 60,
    deadline=None,
    database=None,
    derandomize=not LONG,
    suppress_health_check=list(HealthCheck),
)
THRESHOLDS = Thresholds()
SEED_PROGRAM = (
    b"from cryptography.hazmat.primitives.asymmetric import rsa\n"
    b"import random, os\n"
    b"KEY_BITS = 512 * 2\n"
    b"def make(n=16):\n"
    b"\tkey = rsa.generate_private_key(public_exponent=3, key_size=KEY_BITS)\n"
    b"\tsecret = bytes(random.getrandbits(8) for _ in range(n))\n"
    b"\treturn key, secret, os.urandom(8)\n"
)


def check_python(source: bytes, resolver: ModuleResolver | None = None) -> FileResult:
    """The contract: a FileResult for this path; a file that is not analysable says why."""
    result = analyze_python(source, "fuzz.py", THRESHOLDS, resolver)
    assert isinstance(result, FileResult)
    assert all(n.path == "fuzz.py" and n.message for n in result.notifications)
    assert all(f.location.path == "fuzz.py" and f.location.line >= 1 for f in result.findings)
    if not _parses(source):
        assert result.notifications, "an unparsable file must produce a notification"
    return result


def _parses(source: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "fuzz.py", "exec", dont_inherit=True, flags=0x400)  # PyCF_ONLY_AST
    except (SyntaxError, ValueError, RecursionError, MemoryError, UnicodeError):
        return False
    return True


# Valid programs from the grammar and from LibCST node trees. hypothesmith writes caches when
# imported, so it is imported on first use, after the home directory above is set.


def _hypothesmith(name: str, *args: object) -> st.SearchStrategy[str]:
    return st.deferred(lambda: getattr(importlib.import_module("hypothesmith"), name)(*args))


@SETTINGS
@given(_hypothesmith("from_grammar"))
def test_programs_from_grammar(program: str) -> None:
    check_python(program.encode("utf-8", errors="surrogatepass"))


@settings(SETTINGS, max_examples=PROGRAMS // 20 or 20)
@given(_hypothesmith("from_node", cst.Module))
def test_programs_from_nodes(program: str) -> None:
    check_python(program.encode("utf-8", errors="surrogatepass"))


# Hostile bytes: mutations of a program that has findings.


def _mutations() -> st.SearchStrategy[bytes]:
    base = st.just(SEED_PROGRAM)
    cut = st.integers(0, len(SEED_PROGRAM))
    inserts = st.sampled_from(
        [
            b"\x00",
            b"\xef\xbb\xbf",
            b"\xff\xfe",
            b"\r\n",
            b"\r",
            b"\t",
            b"\x0c",
            b"\xed\xa0\x80",  # an encoded lone surrogate
            b"\xc3\x28",
            b"\x80\x81",
            b"# -*- coding: no-such-codec -*-\n",
            b"# coding: latin-1\n",
            b"# coding: utf-16\n",
            "é€😀".encode(),
            "é".encode("latin-1"),
            b"(" * 300,
            b"\\\n",
            b'"""',
            b"x" * 100_000,
        ]
    )
    truncated = st.tuples(base, cut).map(lambda t: t[0][: t[1]])
    inserted = st.tuples(base, cut, inserts).map(lambda t: t[0][: t[1]] + t[2] + t[0][t[1] :])
    replaced = st.tuples(base, cut, st.binary(min_size=1, max_size=64)).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + len(t[2]) :]
    )
    return st.one_of(truncated, inserted, replaced, st.binary(max_size=2_000))


@SETTINGS
@given(_mutations())
def test_mutated_bytes(source: bytes) -> None:
    check_python(source)


# Hand-made shapes that broke parsers before: each must end in findings or a notification.

DEEP = 10_000
SHAPES: dict[str, bytes] = {
    "parentheses": b"key = " + b"(" * DEEP + b"1" + b")" * DEEP + b"\n",
    "lists": b"key = " + b"[" * DEEP + b"]" * DEEP + b"\n",
    "unary": b"key = " + b"-" * DEEP + b"1\n",
    "not": b"key = " + b"not " * DEEP + b"1\n",
    "binop-chain": b"key = " + b"+".join([b"a"] * DEEP) + b"\n",
    "power-chain": b"key = " + b"**".join([b"a"] * DEEP) + b"\n",
    "attribute-chain": b"key = a" + b".b" * DEEP + b"\n",
    "call-chain": b"key = a" + b"()" * DEEP + b"\n",
    "ternary-chain": b"key = " + b"a if b else " * DEEP + b"c\n",
    "lambda-chain": b"key = " + b"lambda: " * DEEP + b"1\n",
    "indentation": b"".join(b" " * i + b"if a:\n" for i in range(DEEP // 10)) + b"pass\n",
    "long-line": b"import os\nkey = os.urandom(8)" + b" " * 1_000_000 + b"\n",
    "long-string": b"import os\nkey = '" + b"a" * 1_000_000 + b"'\n",
    "bom": b"\xef\xbb\xbf" + SEED_PROGRAM,
    "bom-and-latin1-cookie": b"\xef\xbb\xbf# coding: latin-1\n" + SEED_PROGRAM,
    "bad-cookie": b"# -*- coding: rot13-nope -*-\n" + SEED_PROGRAM,
    "utf16": SEED_PROGRAM.decode().encode("utf-16"),
    "nul": SEED_PROGRAM.replace(b"\n", b"\x00\n", 1),
    "crlf": SEED_PROGRAM.replace(b"\n", b"\r\n"),
    "cr-only": SEED_PROGRAM.replace(b"\n", b"\r"),
    "form-feeds": SEED_PROGRAM.replace(b"\n", b"\n\x0c"),
    "mixed-tabs": SEED_PROGRAM.replace(b"\t", b" \t"),
    "lone-surrogate-escape": b"key = '\\ud800'\nimport os\nsecret = os.urandom(4)\n",
    "lone-surrogate-bytes": b"key = '\xed\xa0\x80'\n",
    "latin1-without-cookie": "key = 'clé'\n".encode("latin-1"),
    "empty": b"",
    "only-cookie": b"# coding: utf-8\n",
    "truncated-string": SEED_PROGRAM + b'x = """never closed\n',
    "invalid-utf8-codec-bytes": codecs.BOM_UTF32 + b"abc",
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_hostile_shapes(shape: str) -> None:
    result = check_python(SHAPES[shape])
    assert result.findings or result.notifications or _parses(SHAPES[shape])


def test_seed_program_has_findings() -> None:
    """The mutations start from a program the engine reports, so they exercise real paths."""
    assert check_python(SEED_PROGRAM).findings


# The same bytes through the scan layer (reading, prefilters, every engine) and the secrets engine.


@settings(SETTINGS, max_examples=max(PROGRAMS // 10, 30))
@given(st.one_of(_mutations(), st.sampled_from(sorted(SHAPES.values()))))
def test_scan_layer_never_raises(tmp_path_factory: pytest.TempPathFactory, source: bytes) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    for name in ("fuzz.py", "fuzz.env", "fuzz.yaml", "fuzz.tf"):
        (root / name).write_bytes(source)
    for name in ("fuzz.py", "fuzz.env", "fuzz.yaml", "fuzz.tf"):
        work = _Work(root / name, name)
        result = _analyze(work, _Context(root, default_policy(), 2_000_000, None, 30))
        assert result.path == name
        assert not [n for n in result.notifications if n.kind == "internal-error"], (
            result.notifications
        )


@SETTINGS
@given(st.one_of(_mutations(), st.binary(max_size=4_000), st.sampled_from(sorted(SHAPES.values()))))
def test_secrets_engine_never_raises(source: bytes) -> None:
    for name in ("fuzz.env", "config/app.yaml", "key.pem", "fuzz.py"):
        result = scan_secrets(source, name)
        assert isinstance(result, FileResult)
        assert all(f.location.path == name for f in result.findings)


def test_resolver_with_hostile_neighbours(tmp_path: Path) -> None:
    """Constants are looked up in sibling modules: those may be as hostile as the file itself."""
    (tmp_path / "settings.py").write_bytes(SHAPES["parentheses"])
    (tmp_path / "consts.py").write_bytes(b"\xff\xfe\x00garbage")
    source = b"from settings import key\nfrom consts import BITS\n" + SEED_PROGRAM
    check_python(source, ModuleResolver(tmp_path))
