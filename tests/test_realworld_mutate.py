"""The mutation harness's site finding, value resolution and edits, on small in-memory modules."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

REALWORLD = Path(__file__).resolve().parent.parent / "benchmarks" / "realworld"
sys.path.insert(0, str(REALWORLD))

from mutate import Mutant, apply, mutants_of, parse_module, spread  # noqa: E402

KEYS = """import os
from cryptography.hazmat.primitives.asymmetric import rsa, ec

DEFAULT_BITS = 3072


def direct():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def local():
    bits = 4096
    return rsa.generate_private_key(65537, bits)


def module_constant():
    return rsa.generate_private_key(65537, DEFAULT_BITS)


def parameter(size):
    return rsa.generate_private_key(65537, size)


def caller():
    return parameter(2048)


def curve():
    return ec.generate_private_key(ec.SECP384R1())


def session_key():
    return os.urandom(32)


def shuffle_seed():
    return os.urandom(4)
"""


def _mutants(tmp_path: Path, files: dict[str, str]) -> list[Mutant]:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    modules = {rel: parse_module(tmp_path, rel) for rel in files}
    return mutants_of("p", modules)


def _by(mutants: list[Mutant], operator: str) -> dict[int, Mutant]:
    return {m.edit.line: m for m in mutants if m.operator == operator}


def test_size_edits_where_the_value_is_written_with_its_distance(tmp_path: Path) -> None:
    sizes = _by(_mutants(tmp_path, {"pkg/keys.py": KEYS}), "size-1024")
    assert {line: m.distance for line, m in sizes.items()} == {
        8: "statement",
        12: "function",
        4: "module",
        25: "module",
    }
    assert sizes[25].call_line == 21 and sizes[25].before == "2048"
    assert all(m.edit.replacement == "1024" for m in sizes.values())


def test_parameter_passed_from_another_module_is_cross_module(tmp_path: Path) -> None:
    other = "from pkg.keys import parameter\n\n\ndef make():\n    return parameter(8192)\n"
    sizes = _by(_mutants(tmp_path, {"pkg/keys.py": KEYS, "pkg/use.py": other}), "size-1024")
    assert sizes[5].distance == "cross-module" and sizes[5].edit.file == "pkg/use.py"
    assert sizes[5].call_file == "pkg/keys.py" and sizes[5].call_line == 21


def test_curve_exponent_and_rng_operators(tmp_path: Path) -> None:
    mutants = _mutants(tmp_path, {"pkg/keys.py": KEYS})
    assert _by(mutants, "curve-secp192r1")[29].edit.replacement == "ec.SECP192R1()"
    assert {m.edit.line for m in mutants if m.operator == "exponent-3"} == {8, 13, 17, 21}
    rng = _by(mutants, "rng-random")
    assert set(rng) == {33}  # session_key is key material; shuffle_seed is not
    assert rng[33].edit.replacement == "random.randbytes(32)"


def test_apply_keeps_line_numbers_and_parses(tmp_path: Path) -> None:
    source = "import hmac\n\n\ndef mac(k, m):\n    key = derive(\n        k,\n    )\n    return hmac.new(key, m)\n"
    mutants = _mutants(tmp_path, {"m.py": source})
    literal = {m.distance: m for m in mutants if m.operator == "literal-key"}
    assert set(literal) == {"statement", "function"}
    apply(tmp_path, literal["function"].edit)
    after = (tmp_path / "m.py").read_text()
    ast.parse(after)
    assert after.count("\n") == source.count("\n")
    assert after.splitlines()[7] == "    return hmac.new(key, m)"


def test_spread_takes_round_robin_over_groups(tmp_path: Path) -> None:
    mutants = _mutants(tmp_path, {"pkg/keys.py": KEYS})
    chosen = spread(mutants, 3)
    assert len(chosen) == 3
    assert len({(m.operator, m.distance) for m in chosen}) == 3


FIELDS = """from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pkg import tables


class Kex:
    curve = ec.SECP256R1()

    def make(self):
        return ec.generate_private_key(self.curve)


class Kex384(Kex):
    curve = ec.SECP384R1()


def from_table(peer):
    name = peer.negotiate()
    return ec.generate_private_key(tables.CURVES[name])


def from_options(options):
    if not options["bits"]:
        options["bits"] = 2048
    return rsa.generate_private_key(key_size=int(options["bits"]), public_exponent=65537)


def by_caller(name):
    return ec.generate_private_key(tables.CURVES[name])  # a caller's key: no entry is chosen
"""

TABLES = """from cryptography.hazmat.primitives.asymmetric import ec

CURVES = {b"p256": ec.SECP256R1(), b"p384": ec.SECP384R1()}
"""


def test_fields_overrides_entries_and_other_modules_tables(tmp_path: Path) -> None:
    mutants = _mutants(tmp_path, {"pkg/kex.py": FIELDS, "pkg/tables.py": TABLES})
    curves = sorted(
        (m.edit.file, m.edit.line, m.before, m.distance, m.call_line)
        for m in mutants
        if m.operator == "curve-secp192r1"
    )
    assert curves == [
        ("pkg/kex.py", 6, "ec.SECP256R1()", "module", 9),  # the class's own field
        ("pkg/kex.py", 13, "ec.SECP384R1()", "module", 9),  # a subclass's override
        ("pkg/tables.py", 3, "ec.SECP256R1()", "cross-module", 18),  # each table entry
        ("pkg/tables.py", 3, "ec.SECP384R1()", "cross-module", 18),
    ]
    sizes = _by(mutants, "size-1024")
    assert sizes[23].distance == "function" and sizes[23].call_line == 24


def test_iteration_count_of_a_module_constant_read_in_a_branch(tmp_path: Path) -> None:
    source = (
        "import hashlib\n"
        "\n"
        "DEFAULT_ROUNDS = 1_000_000\n"
        "LEGACY_ROUNDS = 1000\n"
        "\n"
        "\n"
        "def derive(method, password, salt):\n"
        "    name, *args = method.split(':')\n"
        "    if not args:\n"
        "        rounds = DEFAULT_ROUNDS\n"
        "    elif args[0] == 'legacy':\n"
        "        rounds = LEGACY_ROUNDS\n"
        "    else:\n"
        "        rounds = int(args[0])\n"
        "    return hashlib.pbkdf2_hmac('sha256', password, salt, rounds)\n"
    )
    counts = _by(_mutants(tmp_path, {"pkg/hashing.py": source}), "iterations-1000")
    # The constant is edited where it is written; a count already at 1000 is no mutant.
    assert {line: m.distance for line, m in counts.items()} == {3: "module"}
    assert counts[3].before == "1_000_000" and counts[3].call_line == 15
