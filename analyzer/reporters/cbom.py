"""The key inventory as a CycloneDX 1.6 CBOM: one cryptographic-asset component per algorithm,
parameter (size or curve), library and verdict, with every site as an evidence occurrence."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.component_evidence import ComponentEvidence, Occurrence
from cyclonedx.model.crypto import (
    AlgorithmProperties,
    CryptoAssetType,
    CryptoFunction,
    CryptoPrimitive,
    CryptoProperties,
)
from cyclonedx.model.tool import Tool
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from analyzer import __version__
from analyzer.reporters.inventory import InventoryItem

KDF_PRIMITIVES = frozenset({"kdf"})
PROPERTY_PREFIX = "keyguard:"


def _primitive(value: str) -> CryptoPrimitive:
    try:
        return CryptoPrimitive(value)
    except ValueError:
        return CryptoPrimitive.OTHER


def _function(primitive: str) -> CryptoFunction:
    if primitive in KDF_PRIMITIVES:
        return CryptoFunction.KEYDERIVE
    if primitive == "drbg":
        return CryptoFunction.GENERATE
    return CryptoFunction.KEYGEN


def _name(item: InventoryItem) -> str:
    if item.curve:
        return f"{item.algorithm}-{item.curve}"
    return f"{item.algorithm}-{item.size}" if item.size is not None else item.algorithm


def _group_key(item: InventoryItem) -> tuple[str, str, str, str, str]:
    return (item.algorithm, item.parameter, item.primitive, item.library, item.verdict)


def build_bom(items: Iterable[InventoryItem]) -> Bom:
    """A BOM whose components are the crypto assets the inventory found."""
    groups: dict[tuple[str, str, str, str, str], list[InventoryItem]] = {}
    for item in sorted(items, key=lambda i: (_group_key(i), i.repo, i.path, i.line)):
        groups.setdefault(_group_key(item), []).append(item)
    bom = Bom()
    bom.metadata.tools.tools.add(Tool(vendor="keyguard", name="keyguard", version=__version__))
    for key, members in groups.items():
        first = members[0]
        ref = "crypto-" + hashlib.sha256("\0".join(key).encode()).hexdigest()[:16]
        algorithm = AlgorithmProperties(
            primitive=_primitive(first.primitive),
            parameter_set_identifier=str(first.size) if first.size is not None else None,
            curve=first.curve or None,
            crypto_functions=[_function(first.primitive)],
        )
        occurrences = [
            Occurrence(
                location=f"{m.repo}#{m.path}" if m.repo else m.path,
                line=m.line,
                symbol=m.api,
                additional_context="; ".join(
                    [f"verdict={m.verdict}"]
                    + ([f"rules={','.join(m.rule_ids)}"] if m.rule_ids else [])
                    + [f"{k}={v}" for k, v in m.properties]
                ),
            )
            for m in members
        ]
        bom.components.add(
            Component(
                type=ComponentType.CRYPTOGRAPHIC_ASSET,
                name=_name(first),
                bom_ref=ref,
                crypto_properties=CryptoProperties(
                    asset_type=CryptoAssetType.ALGORITHM, algorithm_properties=algorithm
                ),
                evidence=ComponentEvidence(occurrences=occurrences),
                properties=[
                    Property(name=f"{PROPERTY_PREFIX}verdict", value=first.verdict),
                    Property(name=f"{PROPERTY_PREFIX}library", value=first.library),
                    Property(name=f"{PROPERTY_PREFIX}occurrences", value=str(len(members))),
                ],
            )
        )
    return bom


def render_cbom(items: Iterable[InventoryItem]) -> str:
    """The CBOM as CycloneDX 1.6 JSON (deterministic apart from serial number and timestamp)."""
    text = JsonV1Dot6(build_bom(items)).output_as_string(indent=2)
    return text + "\n"


def validate_cbom(text: str) -> str | None:
    """The library's own strict 1.6 schema validator; an error message or None."""
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    return None if error is None else str(error)
