"""Infrastructure facts (``rules/knowledge/iac_resources.toml``): AWS key specs, Cloud KMS
algorithms, provider curve names, key resource types and KMS actions.

The IaC engine and the Semgrep renderer both read them here, so neither depends on the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import NamedTuple

from analyzer.knowledge.algorithms import KnowledgeError, curve_canonical
from analyzer.knowledge.files import knowledge_dir, read_toml

FILE_NAME = "iac_resources.toml"


class KeySpec(NamedTuple):
    """What a key spec means: algorithm, size in bits and canonical curve (None when n/a)."""

    algorithm: str
    bits: int | None
    curve: str | None


class KeyResource(NamedTuple):
    """A resource type that declares a key: its provider and the generation path's library."""

    provider: str
    library: str


@dataclass(frozen=True)
class IacResources:
    """The parsed infrastructure facts."""

    aws_key_specs: Mapping[str, KeySpec]
    google_ec_algorithms: Mapping[str, str]
    google_rsa_sizes: tuple[int, ...]
    azure_curves: Mapping[str, str]
    tls_curves: Mapping[str, str]
    terraform_keys: Mapping[str, KeyResource]
    cloudformation_keys: Mapping[str, KeyResource]
    admin_actions: tuple[str, ...]
    usage_actions: tuple[str, ...]

    def google_algorithm(self, name: str) -> KeySpec:
        """The spec of a Cloud KMS algorithm name such as RSA_DECRYPT_OAEP_3072_SHA256."""
        if name in self.google_ec_algorithms:
            return KeySpec("EC", None, self.google_ec_algorithms[name])
        if name.startswith("RSA_"):
            sizes = [int(p) for p in name.split("_") if p.isdigit() and int(p) >= 1024]
            return KeySpec("RSA", sizes[0] if sizes else None, None)
        if name.startswith("HMAC_"):
            return KeySpec("HMAC", None, None)
        if "SYMMETRIC" in name or name.startswith("AES_"):
            return KeySpec("AES", 256, None)
        return KeySpec(name, None, None)


def _table(data: Mapping[str, object], dotted: str, source: str) -> dict:
    node: object = data
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict | list):
        raise KnowledgeError(f"{source}: missing or malformed [{dotted}]")
    return node  # type: ignore[return-value]


def _canonical_curve(name: str, where: str) -> str:
    canonical = curve_canonical(name)
    if canonical is None:
        raise KnowledgeError(f"{where}: curve {name!r} is not in algorithms.toml [curves]")
    return canonical


def _resources(table: dict, where: str) -> Mapping[str, KeyResource]:
    try:
        return MappingProxyType(
            {k: KeyResource(v["provider"], v["library"]) for k, v in table.items()}
        )
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"{where}: each entry needs provider and library ({exc})") from exc


def parse(data: Mapping[str, object], source: str) -> IacResources:
    """Check and convert the TOML document ``data`` read from ``source`` (named in errors)."""
    specs: dict[str, KeySpec] = {}
    for name, entry in _table(data, "aws.key_specs", source).items():
        if not isinstance(entry, dict) or not isinstance(entry.get("algorithm"), str):
            raise KnowledgeError(f"{source}: aws.key_specs.{name}: needs an algorithm")
        specs[name] = KeySpec(entry["algorithm"], entry.get("bits"), entry.get("curve"))
    google = _table(data, "google", source)
    ec = {k: str(v) for k, v in google.get("ec_algorithms", {}).items()}
    provider_curves = {}
    for provider in ("azure", "tls"):
        names = _table(data, f"{provider}.curves", source)
        where = f"{source}: {provider}.curves"
        provider_curves[provider] = MappingProxyType({n: _canonical_curve(n, where) for n in names})
    actions = _table(data, "kms_actions", source)
    return IacResources(
        aws_key_specs=MappingProxyType(specs),
        google_ec_algorithms=MappingProxyType(ec),
        google_rsa_sizes=tuple(int(s) for s in google.get("rsa_sizes", [])),
        azure_curves=provider_curves["azure"],
        tls_curves=provider_curves["tls"],
        terraform_keys=_resources(_table(data, "terraform.key_resources", source), source),
        cloudformation_keys=_resources(
            _table(data, "cloudformation.key_resources", source), source
        ),
        admin_actions=tuple(actions.get("admin", [])),
        usage_actions=tuple(actions.get("usage", [])),
    )


@cache
def iac_resources() -> IacResources:
    """The shipped infrastructure facts, parsed once per process."""
    path = knowledge_dir() / FILE_NAME
    return parse(read_toml(path), str(path))
