"""Data stores of infrastructure code (``rules/knowledge/iac_stores.toml``): which resource types
keep data at rest, which attribute names their key, and what protects them without one."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from types import MappingProxyType
from typing import Any

from analyzer.knowledge.files import KnowledgeError, knowledge_dir, read_toml

FILE_NAME = "iac_stores.toml"
PROVIDER_MANAGED = "provider-managed"
NOT_ENCRYPTED = "none"
_DEFAULTS = (PROVIDER_MANAGED, NOT_ENCRYPTED)
# Terraform blocks a key reference can go through (a variables.tf or outputs.tf names no key).
_BINDING_BLOCKS = rb"^[ \t]*(?:variable|locals|output|module)\b|default_tags"


@dataclass(frozen=True)
class StoreKind:
    """One resource type that keeps data at rest (see the table's header for each field)."""

    key: str
    target: str | None = None
    switch: str | None = None
    on: str | bool = True
    default: str = NOT_ENCRYPTED
    only: bool = False


@dataclass(frozen=True)
class IacStores:
    """Stores and key holders per IaC kind (``terraform``, ``cloudformation``)."""

    stores: Mapping[str, Mapping[str, StoreKind]]
    key_holders: Mapping[str, Mapping[str, str]]
    key_lookups: Mapping[str, str]
    key_tags: Mapping[str, Mapping[str, str]]
    provider_managed: tuple[str, ...]

    def is_provider_managed(self, name: str) -> bool:
        """Whether a literal key name stands for a provider-managed key (``alias/aws/s3``)."""
        return any(fnmatchcase(name, pattern + "*") for pattern in self.provider_managed)

    @property
    def prefilter(self) -> re.Pattern[bytes]:
        """Bytes every file declaring a store or a key holder contains."""
        names = sorted(
            {n for kind in (*self.stores.values(), *self.key_holders.values()) for n in kind}
        )
        alternatives = [re.escape(n).encode() for n in names] + [_BINDING_BLOCKS]
        return re.compile(b"|".join(alternatives), re.MULTILINE)


def _kind(name: str, entry: Any, where: str) -> StoreKind:
    if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
        raise KnowledgeError(f"{where}.{name}: needs a key attribute")
    unknown = set(entry) - {"key", "target", "switch", "on", "default", "only"}
    if unknown:
        raise KnowledgeError(f"{where}.{name}: unknown field(s) {', '.join(sorted(unknown))}")
    default = entry.get("default", NOT_ENCRYPTED)
    if default not in _DEFAULTS:
        raise KnowledgeError(f"{where}.{name}: default must be one of {', '.join(_DEFAULTS)}")
    return StoreKind(
        entry["key"],
        entry.get("target"),
        entry.get("switch"),
        entry.get("on", True),
        default,
        bool(entry.get("only", False)),
    )


def parse(data: Mapping[str, Any], source: str) -> IacStores:
    """Check and convert the TOML document ``data`` read from ``source`` (named in errors)."""
    stores: dict[str, Mapping[str, StoreKind]] = {}
    holders: dict[str, Mapping[str, str]] = {}
    tags: dict[str, Mapping[str, str]] = {}
    for iac in ("terraform", "cloudformation"):
        section = data.get(iac)
        if not isinstance(section, dict) or not isinstance(section.get("stores"), dict):
            raise KnowledgeError(f"{source}: missing [{iac}.stores]")
        where = f"{source}: {iac}.stores"
        stores[iac] = MappingProxyType(
            {n: _kind(n, e, where) for n, e in section["stores"].items()}
        )
        holders[iac] = MappingProxyType(
            {str(k): str(v) for k, v in section.get("key_holders", {}).items()}
        )
        tags[iac] = MappingProxyType(
            {str(k): str(v) for k, v in section.get("key_tags", {}).items()}
        )
    prefixes = data.get("provider_managed", {}).get("prefixes", [])
    lookups = {str(k): str(v) for k, v in data["terraform"].get("key_lookups", {}).items()}
    return IacStores(
        MappingProxyType(stores),
        MappingProxyType(holders),
        MappingProxyType(lookups),
        MappingProxyType(tags),
        tuple(prefixes),
    )


@cache
def iac_stores() -> IacStores:
    """The shipped data-store table, parsed once per process."""
    path = knowledge_dir() / FILE_NAME
    return parse(read_toml(path), str(path))


@cache
def stores_prefilter() -> re.Pattern[bytes]:
    """The compiled byte test of :attr:`IacStores.prefilter`."""
    return iac_stores().prefilter
