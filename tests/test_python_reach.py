"""Reach of the Python engine (issue 13): may-values, summaries, groups and newer grammar."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from typing import Any

import pytest

from analyzer.engines.python import resolver as resolver_module
from analyzer.engines.python import summaries
from analyzer.engines.python.checks.dh_groups import is_probable_prime, is_safe_prime
from analyzer.engines.python.engine import analyze_python
from analyzer.engines.python.module_values import star_names
from analyzer.engines.python.resolver import ModuleResolver
from analyzer.engines.python.summaries import compose, local_summaries, module_index
from analyzer.engines.python.table import load_table
from analyzer.policy.thresholds import Thresholds

OAKLEY_GROUP2 = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A0879"
    "8E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B"
    "0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF",
    16,
)


def found(code: str) -> set[tuple[int, str]]:
    result = analyze_python(textwrap.dedent(code).encode(), "m.py", Thresholds())
    assert not result.notifications, result.notifications
    return {(f.location.line, f.rule_id) for f in result.findings}


def test_oakley_group_2_is_a_safe_prime_and_an_rsa_factor_is_not() -> None:
    assert is_safe_prime(OAKLEY_GROUP2)
    rsa_like = (1 << 1023) + 0x12345A5
    assert is_probable_prime(rsa_like) and not is_safe_prime(rsa_like)


def test_each_caller_value_is_its_own_finding() -> None:
    findings = analyze_python(
        textwrap.dedent(
            """\
            from cryptography.hazmat.primitives.asymmetric import rsa
            def make(bits):
                return rsa.generate_private_key(65537, bits)
            make(1024)
            make(512)
            make(4096)
            """
        ).encode(),
        "m.py",
        Thresholds(),
    ).findings
    assert sorted(f.facts["size"] for f in findings) == [512, 1024]
    assert all(f.related and f.related[0].location.line in (4, 5) for f in findings)


def test_an_overwritten_literal_is_not_a_value_but_a_reassignment_that_reads_it_is() -> None:
    assert not found(
        """\
        import os
        from Crypto.Cipher import AES
        key = b"0123456789abcdef"
        key = os.urandom(16)
        AES.new(key, AES.MODE_GCM)
        """
    )
    assert found(
        """\
        import random
        from hashlib import md5
        def challenge():
            data = bytes(random.randint(65, 90) for _ in range(20))
            data = md5(data).digest()
            return data
        """
    ) == {(4, "KG101")}


def test_recursion_is_cut() -> None:
    assert not found(
        """\
        from cryptography.hazmat.primitives.asymmetric import rsa
        def grow(bits):
            if bits < 4096:
                return grow(bits * 2)
            return rsa.generate_private_key(65537, bits)
        grow(2048)
        """
    )


def test_newer_grammar_is_analysed_and_broken_code_is_still_a_syntax_error() -> None:
    assert found(
        """\
        from cryptography.hazmat.primitives.asymmetric import rsa
        type Bits = int
        def make[T](bits: Bits = 1024) -> T:
            return rsa.generate_private_key(65537, bits)
        """
    ) == {(3, "KG201")}  # at the weak default
    broken = analyze_python(b"def f(:\n    pass\n", "m.py", Thresholds())
    assert [n.kind for n in broken.notifications] == ["syntax-error"]


def test_summaries_name_the_parameter_and_the_weak_return() -> None:
    tree = ast.parse(
        textwrap.dedent(
            """\
            import random
            import string
            from cryptography.hazmat.primitives.asymmetric import rsa
            def make_key(bits):
                return rsa.generate_private_key(public_exponent=65537, key_size=bits)
            def token(n):
                return "".join(random.choice(string.ascii_letters) for _ in range(n))
            def pick(keys):
                return random.choice(keys)
            """
        )
    )
    found = local_summaries(module_index(tree), "pkg/keys.py", load_table())
    summaries = {name: compose(local, None) for name, local in found.items()}
    assert [(s.param, s.role, s.line) for s in summaries["make_key"].sinks] == [("bits", "size", 5)]
    assert summaries["token"].weak_return == ("random.choice", 7, 20)
    assert summaries["pick"].weak_return is None


def test_summaries_through_callees_do_not_depend_on_the_order_asked(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "keys.py").write_text(
        textwrap.dedent(
            """\
            from cryptography.hazmat.primitives.asymmetric import rsa
            def make(bits, tries=2):
                if tries:
                    return again(bits, tries - 1)
                return rsa.generate_private_key(65537, bits)
            def again(bits, tries):
                return make(bits, tries)
            """
        )
    )

    def sinks(order: list[str]) -> dict[str, list[tuple[str, str, int, str | None]]]:
        resolver = ModuleResolver(tmp_path)
        out = {}
        for name in order:
            summary = resolver.function("app.py", 0, "pkg.keys", name)
            assert summary is not None
            out[name] = [(s.param, s.role, s.line, s.path) for s in summary.sinks]
        return out

    first, second = sinks(["make", "again"]), sinks(["again", "make"])
    assert first == second
    assert first["again"] == [("bits", "size", 5, "pkg/keys.py")]


def test_a_summary_cut_by_the_depth_bound_is_computed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chain deeper than the bound is cut, and the summaries that met the cut are still
    reused: asking again computes nothing (large projects asked them thousands of times)."""
    (tmp_path / "chain.py").write_text(
        textwrap.dedent(
            """\
            from cryptography.hazmat.primitives.asymmetric import rsa
            def a(bits):
                return b(bits)
            def b(bits):
                return c(bits)
            def c(bits):
                return d(bits)
            def d(bits):
                return e(bits)
            def e(bits):
                return rsa.generate_private_key(65537, bits)
            """
        )
    )
    computed: list[str] = []
    original = summaries.compose

    def counting(local: Any, *rest: Any) -> Any:
        computed.append(local.summary.name)
        return original(local, *rest)

    monkeypatch.setattr(summaries, "compose", counting)
    resolver = ModuleResolver(tmp_path)
    first = resolver.function("app.py", 0, "chain", "a")
    assert computed == ["a", "b", "c", "d"]  # e is beyond the bound
    assert first is not None and not first.sinks
    assert resolver.function("app.py", 0, "chain", "a") == first
    assert computed == ["a", "b", "c", "d"]
    second = resolver.function("app.py", 0, "chain", "b")
    assert second is not None and [s.param for s in second.sinks] == ["bits"]


def test_each_module_is_parsed_once_whatever_is_asked_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Summaries, constants, tables and star names of a module all come from its one parse,
    asked in any order and again (the parse itself is not kept)."""
    (tmp_path / "keys.py").write_text(
        textwrap.dedent(
            """\
            from cryptography.hazmat.primitives.asymmetric import rsa
            from helpers import make as build
            BITS = 1024
            SIZES = (1024, 2048)
            def make(bits):
                return rsa.generate_private_key(65537, bits)
            def other(size):
                return build(size)
            class Key:
                def __init__(self, bits):
                    self.key = rsa.generate_private_key(65537, bits)
            """
        )
    )
    (tmp_path / "helpers.py").write_text(
        "from cryptography.hazmat.primitives.asymmetric import rsa\n"
        "def make(n):\n    return rsa.generate_private_key(65537, n)\n"
    )
    parsed: list[int] = []
    real = resolver_module._parse

    def counting(source: bytes) -> Any:
        parsed.append(len(source))
        return real(source)

    monkeypatch.setattr(resolver_module, "_parse", counting)
    resolver = ModuleResolver(tmp_path)

    def params(name: str) -> list[str]:
        summary = resolver.function("app.py", 0, "keys", name)
        assert summary is not None
        return [s.param for s in summary.sinks]

    assert params("make") == ["bits"]
    assert len(parsed) == 1
    found = resolver.constant("app.py", 0, "keys", "BITS")
    assert found is not None and found.value == 1024
    entries = resolver.entries("app.py", 0, "keys", "SIZES")
    assert entries is not None and [e.value for e in entries] == [1024, 2048]
    assert resolver.star_exports("app.py", 0, "keys") == {
        "rsa",
        "build",
        "BITS",
        "SIZES",
        "make",
        "other",
        "Key",
    }
    assert params("Key") == ["bits"]
    assert len(parsed) == 1
    assert params("other") == ["size"]  # through helpers.make: one more module, one more parse
    assert len(parsed) == 2
    assert params("make") == ["bits"] and params("other") == ["size"]
    assert len(parsed) == 2


def test_a_star_import_binds_the_public_names_or_its_all() -> None:
    assert star_names(ast.parse("__all__ = ['A']\nclass A: pass\nclass B: pass")) == {"A"}
    assert star_names(ast.parse("class A: pass\nclass _B: pass\nC = 1")) == {"A", "C"}
    assert star_names(ast.parse("from .base import *\nclass A: pass")) is None
    assert star_names(ast.parse("__all__ = names()\nclass A: pass")) is None


def test_a_function_passed_as_a_value_is_checked_where_it_is_called() -> None:
    result = analyze_python(
        textwrap.dedent(
            """\
            from cryptography.hazmat.primitives.asymmetric import rsa
            def issue(generate):
                return generate(public_exponent=65537, key_size=1024)
            issue(rsa.generate_private_key)
            """
        ).encode(),
        "m.py",
        Thresholds(),
    )
    [finding] = result.findings
    assert (finding.location.line, finding.rule_id) == (3, "KG201")
    # The argument that made the callee is the first hop.
    assert [r.location.line for r in finding.related] == [4]


def test_a_callee_and_the_arguments_it_receives_come_from_the_same_call() -> None:
    code = """\
        import paramiko
        def host_key(generate, bits):
            return generate(bits=bits)
        host_key(paramiko.RSAKey.generate, 3072)
        host_key(paramiko.ECDSAKey.generate, 384)
        host_key(paramiko.RSAKey.generate, 1024)
        """
    assert found(code) == {(3, "KG201")}
    assert found(code.replace("        host_key(paramiko.RSAKey.generate, 1024)\n", "")) == set()


def test_partial_keywords_are_overridden_by_the_call() -> None:
    code = """\
        from functools import partial
        from cryptography.hazmat.primitives.asymmetric import rsa
        make = partial(rsa.generate_private_key, public_exponent=65537, key_size=KEPT)
        def key():
            return make(key_size=GIVEN)
        """
    assert found(code.replace("KEPT", "4096").replace("GIVEN", "1024")) == {(5, "KG201")}
    assert found(code.replace("KEPT", "1024").replace("GIVEN", "4096")) == set()


def test_partial_bound_in_another_scope_with_a_shadowed_name_is_not_merged() -> None:
    code = """\
        from functools import partial
        from cryptography.hazmat.primitives.asymmetric import rsa
        BITS = 4096
        make = partial(rsa.generate_private_key, 65537, BITS)
        def key(BITS=1024):
            return make()
        """
    # ``BITS`` means the module constant where it is bound and a parameter at the call: read
    # at the call it would be 1024; it is not read there, so nothing is claimed.
    assert found(code) == set()
