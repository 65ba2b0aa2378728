"""The key inventory as a CycloneDX 1.6 CBOM: one ``algorithm`` component per algorithm,
parameter (size or curve), library and verdict, with every site as an evidence occurrence; one
``related-crypto-material`` component per key referencing its algorithm, with its mechanism, owner,
purpose, rotation and the data stores it protects; the repository and commit in the metadata.
Locations are paths relative to the repository root."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from cyclonedx.model import ExternalReference, ExternalReferenceType, Property, XsUri
from cyclonedx.model.bom import Bom
from cyclonedx.model.bom_ref import BomRef
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.component_evidence import ComponentEvidence, Occurrence
from cyclonedx.model.crypto import (
    AlgorithmProperties,
    CryptoAssetType,
    CryptoFunction,
    CryptoPrimitive,
    CryptoProperties,
    RelatedCryptoMaterialProperties,
    RelatedCryptoMaterialSecuredBy,
    RelatedCryptoMaterialState,
    RelatedCryptoMaterialType,
)
from cyclonedx.model.tool import Tool
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from analyzer import __version__
from analyzer.reporters.inventory import InventoryItem
from analyzer.reporters.keys import KeyEntry, StoreItem, key_entries, unprotected

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


@dataclass(frozen=True)
class Repository:
    """The scanned repository as the BOM's metadata names it: remote URL without credentials
    (or the folder's name outside git) and commit."""

    name: str
    url: str | None = None
    commit: str | None = None
    branch: str | None = None


@dataclass(frozen=True)
class Context:
    """What the BOM says besides the sites: stores, the clause of each rule, and the repository
    (one scan) or each key's repository (a batch)."""

    stores: tuple[StoreItem, ...] = ()
    clauses: tuple[tuple[str, str], ...] = ()
    repository: Repository | None = None
    many_repositories: bool = False
    kms_libraries: frozenset[str] = frozenset()


def _ref(prefix: str, *parts: object) -> str:
    return f"{prefix}-" + hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()[:16]


def _metadata(bom: Bom, repository: Repository | None) -> None:
    bom.metadata.tools.tools.add(Tool(vendor="keyguard", name="keyguard", version=__version__))
    if repository is None:
        return
    refs = (
        [ExternalReference(type=ExternalReferenceType.VCS, url=XsUri(repository.url))]
        if repository.url
        else []
    )
    props = [
        Property(name=f"{PROPERTY_PREFIX}{name}", value=value)
        for name, value in (
            ("repository", repository.url or repository.name),
            ("commit", repository.commit),
            ("branch", repository.branch),
        )
        if value
    ]
    bom.metadata.component = Component(
        type=ComponentType.APPLICATION,
        name=repository.name,
        version=repository.commit,
        bom_ref=_ref("repository", repository.name),
        external_references=refs,
        properties=props,
    )


def build_bom(items: Iterable[InventoryItem], context: Context | None = None) -> Bom:
    """A BOM whose components are the algorithms and keys the inventory found."""
    context = context or Context()
    items = list(items)
    groups: dict[tuple[str, str, str, str, str], list[InventoryItem]] = {}
    for item in sorted(items, key=lambda i: (_group_key(i), i.repo, i.path, i.line)):
        groups.setdefault(_group_key(item), []).append(item)
    bom = Bom()
    _metadata(bom, context.repository)
    algorithm_refs: dict[tuple[str, str, str, str, str], str] = {}
    for key, members in groups.items():
        first = members[0]
        ref = "crypto-" + hashlib.sha256("\0".join(key).encode()).hexdigest()[:16]
        algorithm_refs[key] = ref
        algorithm = AlgorithmProperties(
            primitive=_primitive(first.primitive),
            parameter_set_identifier=str(first.size) if first.size is not None else None,
            curve=first.curve or None,
            crypto_functions=[_function(first.primitive)],
        )
        occurrences = [
            Occurrence(
                location=m.path,
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
    entries = key_entries(items, list(context.stores), context.kms_libraries)
    for entry in entries:
        bom.components.add(_key_component(entry, algorithm_refs[_group_key(entry.item)], context))
    _store_components(bom, context)
    if bom.metadata.component is not None:
        bom.register_dependency(bom.metadata.component, list(bom.components))
    return bom


_STATES = {s.value: s for s in RelatedCryptoMaterialState}


def _key_component(entry: KeyEntry, algorithm_ref: str, context: Context) -> Component:
    """One key as related crypto material: type, size, algorithm, mechanism, state; the
    inventory's facts as ``keyguard:`` properties."""
    item = entry.item
    clauses = dict(context.clauses)
    props = [
        ("verdict", item.verdict),
        *(("rule", r) for r in item.rule_ids),
        *(("clause", c) for c in dict.fromkeys(clauses[r] for r in item.rule_ids if r in clauses)),
        ("mechanism", entry.mechanism),
        *entry.tags,
        ("rotation", entry.rotation),
        *(("protects", s.label) for s in entry.protects),
        ("library", item.library),
    ]
    if context.many_repositories:
        props.insert(0, ("repository", item.repo))
    material = RelatedCryptoMaterialProperties(
        type=RelatedCryptoMaterialType(entry.key_type),
        id=entry.name,
        state=_STATES.get(entry.state),
        algorithm_ref=BomRef(algorithm_ref),
        size=item.size,
        secured_by=RelatedCryptoMaterialSecuredBy(mechanism=entry.mechanism),
    )
    return Component(
        type=ComponentType.CRYPTOGRAPHIC_ASSET,
        name=entry.name,
        bom_ref=_ref("key", item.repo, item.path, item.line, item.api),
        crypto_properties=CryptoProperties(
            asset_type=CryptoAssetType.RELATED_CRYPTO_MATERIAL,
            related_crypto_material_properties=material,
        ),
        evidence=ComponentEvidence(
            occurrences=[Occurrence(location=item.path, line=item.line, symbol=item.api)]
        ),
        properties=[Property(name=f"{PROPERTY_PREFIX}{n}", value=v) for n, v in props],
    )


# Protections of a store that are a key (listed as a component), and those that are not (listed
# as BOM properties: a store that is not encrypted, or whose key reference was not resolved).
_KEY_PROTECTIONS = ("provider-managed", "customer-managed (declared elsewhere)")


def _store_components(bom: Bom, context: Context) -> None:
    """Stores no declared key protects: one entry per kind of key (a provider-managed key, a
    customer-managed key declared elsewhere) listing them as ``keyguard:protects``; stores not
    encrypted or not resolved as BOM properties."""
    kinds: dict[str, list[StoreItem]] = {}
    for store in unprotected(list(context.stores)):
        if store.protection not in _KEY_PROTECTIONS:
            value = (f"{store.repo}: " if context.many_repositories else "") + store.label
            kind = "unencrypted-store" if store.protection == "none" else "unresolved-store"
            bom.properties.add(Property(name=f"{PROPERTY_PREFIX}{kind}", value=value))
            continue
        kinds.setdefault(store.protection, []).append(store)
    for protection, stores in kinds.items():
        label = stores[0].protection_text
        bom.components.add(
            Component(
                type=ComponentType.CRYPTOGRAPHIC_ASSET,
                name=label,
                bom_ref=_ref("stores", protection),
                crypto_properties=CryptoProperties(
                    asset_type=CryptoAssetType.RELATED_CRYPTO_MATERIAL,
                    related_crypto_material_properties=RelatedCryptoMaterialProperties(
                        type=RelatedCryptoMaterialType.UNKNOWN,
                        secured_by=RelatedCryptoMaterialSecuredBy(mechanism=label),
                    ),
                ),
                evidence=ComponentEvidence(
                    occurrences=[Occurrence(location=s.path, line=s.line) for s in stores]
                ),
                properties=[Property(name=f"{PROPERTY_PREFIX}protection", value=protection)]
                + [
                    Property(
                        name=f"{PROPERTY_PREFIX}protects",
                        value=(f"{s.repo}: " if context.many_repositories else "") + s.label,
                    )
                    for s in stores
                ],
            )
        )


def render_cbom(items: Iterable[InventoryItem], context: Context | None = None) -> str:
    """The CBOM as CycloneDX 1.6 JSON (deterministic apart from serial number and timestamp)."""
    text = JsonV1Dot6(build_bom(items, context)).output_as_string(indent=2)
    return text + "\n"


def validate_cbom(text: str) -> str | None:
    """The library's own strict 1.6 schema validator; an error message or None."""
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    return None if error is None else str(error)
