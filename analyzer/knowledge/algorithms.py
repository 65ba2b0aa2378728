"""The algorithm knowledge base (``rules/knowledge/algorithms.toml``): prohibited algorithms with
their spelling per ecosystem, EC curves with their aliases, and provider defaults.

Every engine and the docs read these facts from here, so a fact is written once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

from analyzer.knowledge.files import KnowledgeError, knowledge_dir, read_toml

FILE_NAME = "algorithms.toml"

# Ecosystem spelling keys a prohibited algorithm may carry.
SPELLING_KEYS: tuple[str, ...] = ("python", "jca", "go", "node", "cryptojs", "dotnet", "iac")

# Which spelling keys each language's code uses (a spelling key is also accepted as a language).
LANGUAGE_SPELLINGS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "python": ("python",),
        "java": ("jca",),
        "kotlin": ("jca",),
        "go": ("go",),
        "javascript": ("node", "cryptojs"),
        "typescript": ("node", "cryptojs"),
        "csharp": ("dotnet",),
        "terraform": ("iac",),
        "cloudformation": ("iac",),
    }
)


@dataclass(frozen=True)
class Algorithm:
    """A prohibited algorithm: its display name, aliases and spellings per ecosystem."""

    name: str
    aliases: tuple[str, ...]
    spellings: Mapping[str, tuple[str, ...]]

    def spelled(self, key: str) -> tuple[str, ...]:
        """The spellings under one ecosystem key (empty when the ecosystem does not offer it)."""
        return self.spellings.get(key, ())


@dataclass(frozen=True)
class Curve:
    """An elliptic curve: canonical name, size in bits and every alias APIs use for it."""

    name: str
    bits: int
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Knowledge:
    """The parsed knowledge file."""

    algorithms: tuple[Algorithm, ...]
    curves: tuple[Curve, ...]
    provider_defaults: Mapping[str, Mapping[str, Mapping[str, object]]]


def normalise_curve(name: str) -> str:
    """The comparison key of a curve name: lower case without ``-``, ``_`` and spaces."""
    return re.sub(r"[-_\s]", "", name).lower()


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise KnowledgeError(f"{where}: expected a list of non-empty strings, got {value!r}")
    return tuple(value)


def _algorithm(name: str, entry: object, where: str) -> Algorithm:
    if not isinstance(entry, dict):
        raise KnowledgeError(f"{where}: expected an inline table, got {entry!r}")
    unknown = set(entry) - {"aliases", *SPELLING_KEYS}
    if unknown:
        raise KnowledgeError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    spellings = {
        key: _strings(entry[key], f"{where}.{key}") for key in SPELLING_KEYS if key in entry
    }
    aliases = _strings(entry.get("aliases", []), f"{where}.aliases")
    return Algorithm(name, aliases, MappingProxyType(spellings))


def _curve(name: str, entry: object, where: str) -> Curve:
    if not isinstance(entry, dict) or not isinstance(entry.get("bits"), int):
        raise KnowledgeError(f"{where}: expected {{ bits = <int>, aliases = [...] }}")
    unknown = set(entry) - {"bits", "aliases"}
    if unknown:
        raise KnowledgeError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    return Curve(name, int(entry["bits"]), _strings(entry.get("aliases", []), f"{where}.aliases"))


def parse(data: Mapping[str, object], source: str) -> Knowledge:
    """Check and convert the TOML document ``data`` read from ``source`` (named in errors)."""
    tables = {}
    for section in ("prohibited", "curves", "provider_defaults"):
        table = data.get(section)
        if not isinstance(table, dict):
            raise KnowledgeError(f"{source}: missing or malformed [{section}] table")
        tables[section] = table
    algorithms = tuple(
        _algorithm(n, e, f"{source}: prohibited.{n}") for n, e in tables["prohibited"].items()
    )
    curves = tuple(_curve(n, e, f"{source}: curves.{n}") for n, e in tables["curves"].items())
    seen: dict[str, str] = {}
    for curve in curves:
        for alias in (curve.name, *curve.aliases):
            other = seen.setdefault(normalise_curve(alias), curve.name)
            if other != curve.name:
                raise KnowledgeError(f"{source}: curve alias {alias!r} of {curve.name} and {other}")
    defaults = tables["provider_defaults"]
    for provider, resources in defaults.items():
        if not isinstance(resources, dict) or not all(
            isinstance(r, dict) for r in resources.values()
        ):
            raise KnowledgeError(f"{source}: provider_defaults.{provider}: expected tables")
    return Knowledge(algorithms, curves, MappingProxyType(defaults))


def load(path: Path) -> Knowledge:
    """Read and check one knowledge file; errors name the file."""
    return parse(read_toml(path), str(path))


@cache
def knowledge() -> Knowledge:
    """The shipped knowledge file, parsed once per process."""
    return load(knowledge_dir() / FILE_NAME)


def algorithms() -> tuple[Algorithm, ...]:
    """The prohibited algorithms, in file order."""
    return knowledge().algorithms


def prohibited_names() -> tuple[str, ...]:
    """Display names of the prohibited algorithms (DES, 3DES, RC4 ...), in file order."""
    return tuple(a.name for a in algorithms())


@cache
def prohibited(language: str) -> Mapping[str, str]:
    """Spelling -> algorithm name for a language (``java``, ``go`` ...) or a spelling key
    (``jca``, ``node`` ...); the first algorithm wins a spelling two share (Go ``des``)."""
    keys = LANGUAGE_SPELLINGS.get(language, (language,) if language in SPELLING_KEYS else None)
    if keys is None:
        raise KeyError(f"no spellings of prohibited algorithms for language {language!r}")
    spelled: dict[str, str] = {}
    for key in keys:
        for algorithm in algorithms():
            for spelling in algorithm.spelled(key):
                spelled.setdefault(spelling, algorithm.name)
    return MappingProxyType(spelled)


def curves() -> tuple[Curve, ...]:
    """Every known curve, in file order."""
    return knowledge().curves


@cache
def curve_aliases() -> Mapping[str, str]:
    """Normalised name or alias -> canonical curve name (see :func:`normalise_curve`)."""
    return MappingProxyType(
        {normalise_curve(a): c.name for c in curves() for a in (c.name, *c.aliases)}
    )


def curve_canonical(name: str) -> str | None:
    """The canonical curve for any spelling (``P-256``, ``prime256v1`` -> ``secp256r1``)."""
    return curve_aliases().get(normalise_curve(name))


def curve_bits(name: str) -> int | None:
    """Size in bits of a curve given by any spelling, None when unknown."""
    canonical = curve_canonical(name)
    return next((c.bits for c in curves() if c.name == canonical), None)


def curve_spellings(name: str) -> tuple[str, ...]:
    """The canonical name and every alias of the curve ``name`` names (just ``name`` if unknown)."""
    canonical = curve_canonical(name)
    for curve in curves():
        if curve.name == canonical:
            return (curve.name, *curve.aliases)
    return (name,)


def provider_default(provider: str, resource: str, attribute: str) -> object:
    """The value ``provider`` gives ``resource.attribute`` when code leaves it out."""
    try:
        return knowledge().provider_defaults[provider][resource][attribute]
    except KeyError:
        raise KeyError(
            f"{FILE_NAME}: no provider default for {provider} {resource}.{attribute}"
        ) from None
