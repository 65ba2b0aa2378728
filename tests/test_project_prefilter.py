"""The Python prefilter's second look: a file that imports no crypto library is still analysed
when it imports a module of the scanned project that does (and a cached skip is redone when that
module changes)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analyzer.engines.python.project_imports import imported_modules, second_look
from analyzer.engines.python.resolver import ModuleResolver
from analyzer.pipeline.run import ScanOptions, scan
from analyzer.policy import default_policy

FACTORY = """from . import cryptomath, python_des


def create_des(key, iv):
    return python_des.new(key, iv)
"""
DES = """def new(key, iv):
    return (key, iv)
"""


def test_imports_are_read_without_parsing() -> None:
    source = (
        b"from . import a, b as c\n"
        b"if loaded:\n"
        b"    from tlslite.utils import (cryptomath,\n        python_rc4)\n"
        b"import os.path as p, sys\n"
        b"x = 'import nothing'\n"
        b"from .x import *\n"
    )
    assert imported_modules(source) == [
        (1, ""),
        (1, "a"),
        (1, "b"),
        (0, "tlslite.utils"),
        (0, "tlslite.utils.cryptomath"),
        (0, "tlslite.utils.python_rc4"),
        (0, "os.path"),
        (0, "sys"),
        (1, "x"),
    ]


def _project(tmp_path: Path, cryptomath: str) -> Path:
    package = tmp_path / "proj" / "legacy"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "cryptomath.py").write_text(cryptomath)
    (package / "python_des.py").write_text(DES)
    (package / "factory.py").write_text(FACTORY)
    return tmp_path / "proj"


def _found(root: Path, cache: Path | None = None) -> set[tuple[str, int, str]]:
    options = ScanOptions(jobs=1, without=frozenset({"semgrep"}), cache_dir=cache)
    report = scan([root], root, default_policy(), options)
    return {(f.location.path, f.location.line, f.rule_id) for f in report.active()}


def test_a_module_importing_the_projects_crypto_module_is_analysed(tmp_path: Path) -> None:
    root = _project(tmp_path, "from M2Crypto import m2\n")
    assert _found(root) == {("legacy/factory.py", 5, "KG403")}


def test_a_module_importing_only_plain_siblings_is_not(tmp_path: Path) -> None:
    root = _project(tmp_path, "import math\n")
    assert _found(root) == set()


def test_a_cached_skip_is_redone_when_the_imported_module_starts_importing_crypto(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path, "import math\n")
    cache = tmp_path / "cache"
    assert _found(root, cache) == set()
    cryptomath = root / "legacy" / "cryptomath.py"
    cryptomath.write_text("import math\nfrom M2Crypto import m2\n")
    stamp = cryptomath.stat().st_mtime + 5
    os.utime(cryptomath, (stamp, stamp))
    assert _found(root, cache) == {("legacy/factory.py", 5, "KG403")}


def test_a_key_size_passed_to_a_helper_of_the_projects_crypto_module_is_checked(
    tmp_path: Path,
) -> None:
    package = tmp_path / "proj" / "app"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "keys.py").write_text(
        "from cryptography.hazmat.primitives.asymmetric import rsa\n\n\n"
        "def persistent_key(path, keySize=4096):\n"
        "    return rsa.generate_private_key(public_exponent=65537, key_size=keySize)\n"
    )
    (package / "server.py").write_text(
        "from . import keys\n\n\ndef host_key(path):\n"
        "    return keys.persistent_key(path, keySize=1024)\n"
    )
    root = tmp_path / "proj"
    assert ("app/server.py", 5, "KG201") in _found(root)


def _app(tmp_path: Path, files: dict[str, str]) -> Path:
    package = tmp_path / "proj" / "app"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for name, text in files.items():
        (package / name).write_text(text)
    return tmp_path / "proj"


HELPERS = (
    "import random\n"
    "from cryptography.hazmat.primitives.asymmetric import rsa\n\n\n"
    "def make_keypair(bits):\n"
    "    return rsa.generate_private_key(public_exponent=65537, key_size=bits)\n\n\n"
    "def random_string(n):\n"
    "    return ''.join(random.choice('abcdef') for _ in range(n))\n"
)


RNG = (
    "import random\n\n\ndef random_string(n):\n"
    "    return ''.join(random.choice('abcdef') for _ in range(n))\n"
)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {
                "helpers.py": HELPERS,
                "provision.py": "from .helpers import make_keypair\n\n\n"
                "def device():\n    return make_keypair(1024)\n",
            },
            ("app/provision.py", 5, "KG201"),
            id="positional-key-size-to-a-helper",
        ),
        pytest.param(
            {
                "rng.py": RNG,
                "tokens.py": "from app.rng import random_string\n\n\n"
                "def issue():\n    api_token = random_string(32)\n    return api_token\n",
            },
            ("app/tokens.py", 5, "KG101"),
            id="token-from-a-random-helper",
        ),
    ],
)
def test_a_file_without_crypto_imports_that_uses_a_project_helper_is_checked(
    tmp_path: Path, files: dict[str, str], expected: tuple[str, int, str]
) -> None:
    assert expected in _found(_app(tmp_path, files))


def test_a_module_with_no_hint_is_still_skipped(tmp_path: Path) -> None:
    root = _app(
        tmp_path,
        {
            "helpers.py": HELPERS,
            "views.py": "from .helpers import make_keypair\n\n\n"
            "def device(bits):\n    return make_keypair(bits)\n",
        },
    )
    assert not any(path == "app/views.py" for path, _, _ in _found(root))


def test_a_helper_is_followed_only_to_the_module_it_comes_from(tmp_path: Path) -> None:
    """``random_string`` from a plain module is no reason to read the file, even when the file
    also imports a module that draws from ``random``."""
    labels = (
        b"from app.text import random_string\nfrom app import rng\n\n\n"
        b"def label():\n    api_token = random_string(8)\n    return api_token\n"
    )
    root = _app(tmp_path, {"rng.py": RNG, "text.py": "def random_string(n):\n    return 'x' * n\n"})
    resolver = ModuleResolver(root)
    assert not second_look("app/labels.py", labels, resolver)
    assert second_look("app/labels.py", labels.replace(b"app.text", b"app.rng"), resolver)
