"""A second look at a file the byte prefilter drops: does it import a module of the scanned project
that imports a crypto library? (tlslite's ``cipherfactory`` keys RC4 through ``python_rc4.new``
and imports no crypto library itself, only ``tlslite.utils.cryptomath``, which does.)

Imports are read with a regex, never parsed; the resolver reads each imported file once.
"""

from __future__ import annotations

import re
from typing import Protocol

# One import statement, from its first word: ``from ..m import a, b`` or ``import a.b, c``
# (possessive quantifiers: no backtracking whatever the line holds).
_STATEMENT = re.compile(
    rb"(?:from[ \t]++(\.*+)[ \t]*+(\w[\w.]*+)?[ \t]*+import[ \t]++(\([^)]*+\)|[^\n#;]*+)"
    rb"|import[ \t]++([\w. \t,]++))"
)


class CryptoImports(Protocol):
    """The resolver's answer: whether the module imported from a file imports a crypto library
    or a non-cryptographic generator."""

    def imports_crypto(self, from_path: str, level: int, module: str) -> bool: ...


def _statements(source: bytes) -> list[re.Match[bytes]]:
    """Import statements, found from each ``import`` word back to its line's start (a search
    for the word is much cheaper than a line-anchored regex over the whole file)."""
    found: list[re.Match[bytes]] = []
    pos = source.find(b"import")
    while pos != -1:
        start = source.rfind(b"\n", 0, pos) + 1
        while source[start : start + 1] in (b" ", b"\t"):
            start += 1
        match = _STATEMENT.match(source, start)
        if match is not None and match.end() > pos:
            found.append(match)
            pos = match.end()
        pos = source.find(b"import", pos + 1)
    return found


def _bindings(source: bytes) -> dict[str, list[tuple[int, str]]]:
    """Each name an import binds, with the (level, module) it may come from: ``from .m import f
    as g`` binds ``g`` from ``.m`` or the submodule ``.m.f``; ``import a.b as c`` binds ``c``;
    ``import a.b`` binds ``a``; a star import is kept under ``*``."""
    out: dict[str, list[tuple[int, str]]] = {}
    for match in _statements(source):
        if match.group(4) is not None:
            for word in match.group(4).decode("ascii", "replace").split(","):
                parts = word.split()
                if parts:
                    alias = parts[2] if len(parts) == 3 and parts[1] == "as" else None
                    out.setdefault(alias or parts[0].split(".")[0], []).append((0, parts[0]))
            continue
        level = len(match.group(1))
        module = (match.group(2) or b"").decode("ascii", "replace")
        if level == 0 and not module:
            continue
        clause = match.group(3).strip(b"()").replace(b"\\", b" ").decode("ascii", "replace")
        if clause.strip() == "*":
            out.setdefault("*", []).append((level, module))  # binds no name we can follow
            continue
        for word in clause.split(","):
            parts = word.split()
            if not parts or not parts[0].isidentifier():
                continue
            name = parts[0]
            alias = parts[2] if len(parts) == 3 and parts[1] == "as" else name
            submodule = f"{module}.{name}" if module else name
            out.setdefault(alias, []).extend([(level, module), (level, submodule)])
    return out


def imported_modules(source: bytes) -> list[tuple[int, str]]:
    """(level, module) of every import, and of each name a ``from`` import may take as a
    submodule of a package (``from tlslite.utils import cryptomath``); first seen first."""
    return list(dict.fromkeys(o for origins in _bindings(source).values() for o in origins))


def reaches_crypto(rel: str, source: bytes, resolver: CryptoImports) -> bool:
    """True when the file at ``rel`` imports a module of the project that imports crypto."""
    return any(
        resolver.imports_crypto(rel, level, module) for level, module in imported_modules(source)
    )


def helper_reaches_crypto(rel: str, source: bytes, resolver: CryptoImports) -> bool:
    """True when a name the file imports from a project module that imports crypto or
    ``random`` is a helper named for random values or secrets, or is called with a key size."""
    bindings = _bindings(source)
    names = {name for name in bindings if _HELPER_NAME.search(name)}
    for match in _SIZED_CALL.finditer(source):
        head = match.group(1).decode("ascii", "replace")
        if head in bindings:
            names.add(head)
    return any(
        resolver.imports_crypto(rel, level, module)
        for name in names
        for level, module in bindings[name]
    )


# A key size written as a keyword argument (``keySize=1024``, ``key_bits=512``).
_SIZE_ARGUMENT = re.compile(rb"(?:key_?size|key_?bits|nbits)[ \t]*=[ \t]*\d")  # lower-cased
# A key size in bits handed to a call, with the name the call starts from (``make_keypair(1024)``,
# ``keys.make(2048)``): a helper of the project that generates the key.
_SIZED_CALL = re.compile(
    rb"(?<![\w.])(\w+)(?:\.\w+)*\([^()\n]*?(?<![\w.])(?:512|768|1024|1536|2048|3072|4096|8192)(?![\w.])"
)
# A name that says it makes random values or secrets (``random_string``, ``make_token``), and a
# ``from`` import that may bind one (a cheap test before the imports are read).
_HELPER_NAME = re.compile(r"(?i)rand|token|secret|nonce|salt|passw")
_HELPER_IMPORT = re.compile(
    rb"(?i)^[ \t]*from[ \t]+[\w.]+[ \t]+import[^\n#]*?(?:rand|token|secret|nonce|salt|passw)",
    re.MULTILINE,
)
# A module constant named as a key, secret, salt or IV holding a literal (``MASTER_KEY = b"..."``);
# constants only: key-like local names are far more common and rarely reach another module.
_LITERAL_SECRET = re.compile(
    rb"^(?:[A-Z0-9]+_)*(?:KEY|SECRET|SALT|PASSWORD|PASSPHRASE|IV)(?:_[A-Z0-9]+)*[ \t]*=[ \t]*b?['\"]",
    re.MULTILINE,
)


def second_look(rel: str, source: bytes, resolver: CryptoImports) -> bool:
    """What the byte prefilter cannot see: the file names a prohibited algorithm (the project's
    own ``python_rc4.new(key)``), passes a key size to a helper (``make_keypair(1024)``,
    ``keys._getPersistentRSAKey(path, keySize=1024)``), imports a helper named for random
    values or secrets (``from app.rng import random_string``) or holds a literal under a key-like
    name (``MASTER_KEY = b"..."`` handed to ``crypto_util.encrypt``), and imports a module of the
    project that imports a crypto library or ``random`` (for the helper and the size given to
    it: the very module the helper comes from)."""
    from analyzer.engines.python.spellings import spells_prohibited_algorithm

    lowered = source.lower()
    if (
        spells_prohibited_algorithm(source, lowered)
        or _SIZE_ARGUMENT.search(lowered)
        or _LITERAL_SECRET.search(source)
    ):
        return reaches_crypto(rel, source, resolver)
    if _HELPER_IMPORT.search(source) or _SIZED_CALL.search(source):
        return helper_reaches_crypto(rel, source, resolver)
    return False
