"""The key inventory an assessor reads: each key (declared in infrastructure code or generated in
code) with its mechanism, owner, purpose, rotation and the data stores it protects; and the stores
no customer-managed key protects. The CBOM, ``keyguard inventory``, HTML and OSCAL read it."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from analyzer.findings.model import DataStore
from analyzer.reporters.inventory import InventoryItem

# Tags the inventory names (``keyguard:owner`` ...), matched without regard to case, "-" or "_".
INVENTORY_TAGS: tuple[str, ...] = ("owner", "purpose", "data-classification")
PROVIDER_MANAGED_TEXT = "protected by a provider-managed key"
# How a store's protection reads when no declared key protects it.
PROTECTION_TEXT = {
    "provider-managed": PROVIDER_MANAGED_TEXT,
    "customer-managed (declared elsewhere)": "a customer-managed key not declared in this code",
    "none": "no encryption at rest declared",
    "unresolved": "key reference not resolved statically",
}


@dataclass(frozen=True)
class StoreItem:
    """One data store of one repository and what protects it."""

    repo: str
    path: str
    line: int
    address: str
    type: str
    protection: str
    key: str = ""
    via: str = ""

    @property
    def label(self) -> str:
        """The store as the inventory lists it: address, file and line."""
        return f"{self.address} ({self.path}:{self.line})"

    @property
    def protection_text(self) -> str:
        return PROTECTION_TEXT.get(self.protection, self.protection)


@dataclass(frozen=True)
class KeyEntry:
    """One key: the inventory item it comes from and what the inventory adds to it."""

    item: InventoryItem
    name: str
    key_type: str
    mechanism: str
    rotation: str
    state: str
    tags: tuple[tuple[str, str], ...]
    protects: tuple[StoreItem, ...]

    @property
    def ident(self) -> str:
        return f"{self.item.path}:{self.item.line}"

    def tag(self, name: str) -> str:
        return dict(self.tags).get(name, "")


def store_items(repo: str, stores: list[DataStore]) -> list[StoreItem]:
    return [
        StoreItem(
            repo,
            s.location.path,
            s.location.line,
            s.address,
            s.type,
            s.protection,
            s.key,
            s.via,
        )
        for s in stores
    ]


def store_rows(stores: list[DataStore]) -> list[dict[str, Any]]:
    """Stores as plain data (the SARIF run's properties carry them into the history)."""
    return [
        {
            "path": s.location.path,
            "line": s.location.line,
            "address": s.address,
            "type": s.type,
            "protection": s.protection,
            "key": s.key,
            "via": s.via,
        }
        for s in stores
    ]


def stores_from_rows(repo: str, rows: list[dict[str, Any]]) -> list[StoreItem]:
    return [
        StoreItem(
            repo,
            r["path"],
            r["line"],
            r["address"],
            r["type"],
            r["protection"],
            r.get("key", ""),
            r.get("via", ""),
        )
        for r in rows
    ]


def rebase(
    items: list[InventoryItem], stores: list[StoreItem], prefix: str
) -> tuple[list[InventoryItem], list[StoreItem]]:
    """Paths relative to the scan root made relative to the repository root (``prefix`` is the
    scan root's path inside the repository)."""
    if prefix in ("", "."):
        return items, stores

    def moved(path: str) -> str:
        return f"{prefix}/{path}"

    return (
        [replace(i, path=moved(i.path)) for i in items],
        [replace(s, path=moved(s.path), key=moved(s.key) if s.key else "") for s in stores],
    )


def _normal(name: str) -> str:
    return re.sub(r"[-_\s]", "", name.lower())


_ASYMMETRIC = ("RSA", "EC", "DSA", "DH", "SM2", "Ed25519", "Ed448", "X25519", "X448")


def _key_type(item: InventoryItem) -> str:
    """CycloneDX 1.6 related-crypto-material type: a symmetric, MAC or derived key is a secret
    key; an asymmetric one a key pair, listed by its private key."""
    if item.primitive in ("asymmetric", "private-key") or item.algorithm in _ASYMMETRIC:
        return "private-key"
    return "secret-key"


def _mechanism(item: InventoryItem, kms_libraries: frozenset[str]) -> str:
    """How the key is generated and kept: an HSM, a KMS's software protection, or in code."""
    props = dict(item.properties)
    protection = props.get("protection", "")
    if "iac" in props:
        if "Terraform state" in protection:
            return "in-code (Terraform state)"
        if protection.startswith("HSM"):
            return protection
        return "KMS software protection"
    if item.library in kms_libraries:
        return "KMS"
    if protection:  # a key file committed to the repository (the secrets engine)
        return f"committed key file ({protection})"
    return "in-code"


def _rotation(props: dict[str, str]) -> str:
    return props.get("rotation", "") or "not declared"


def key_entries(
    items: list[InventoryItem],
    stores: list[StoreItem],
    kms_libraries: frozenset[str] = frozenset(),
) -> list[KeyEntry]:
    """One entry per key site, with the stores whose key resolved to it."""
    protected: dict[tuple[str, str], list[StoreItem]] = {}
    for store in stores:
        if store.key:
            protected.setdefault((store.repo, store.key), []).append(store)
    entries = []
    for item in items:
        props = dict(item.properties)
        tags = {
            _normal(k.removeprefix("tag:")): v for k, v in props.items() if k.startswith("tag:")
        }
        named = tuple((t, tags[_normal(t)]) for t in INVENTORY_TAGS if _normal(t) in tags)
        entries.append(
            KeyEntry(
                item=item,
                name=props.get("name") or ".".join(item.api.rsplit(".", 2)[-2:]),
                key_type=_key_type(item),
                mechanism=_mechanism(item, kms_libraries),
                rotation=_rotation(props) if "iac" in props else "not declared",
                state=props.get("state", ""),
                tags=named,
                protects=tuple(
                    sorted(
                        protected.get((item.repo, f"{item.path}:{item.line}"), []),
                        key=lambda s: (s.path, s.line),
                    )
                ),
            )
        )
    return entries


def unprotected(stores: list[StoreItem]) -> list[StoreItem]:
    """Stores no key declared in the scanned code protects, in file order."""
    return sorted((s for s in stores if not s.key), key=lambda s: (s.repo, s.path, s.line))


def render_table(entries: list[KeyEntry], stores: list[StoreItem]) -> str:
    """``keyguard inventory``: one row per key (key, type and size, mechanism, protects, owner,
    rotation, verdict), then the stores without a customer-managed key declared here."""
    header = ("KEY", "TYPE", "MECHANISM", "PROTECTS", "OWNER", "ROTATION", "VERDICT")
    rows: list[tuple[str, ...]] = []
    for e in entries:
        size = f" {e.item.parameter}" if e.item.parameter != "?" else ""
        verdict = e.item.verdict + (f" ({', '.join(e.item.rule_ids)})" if e.item.rule_ids else "")
        protects = [s.label for s in e.protects] or ["-"]
        first = (
            f"{e.name} [{e.item.path}:{e.item.line}]",
            f"{e.item.algorithm}{size}",
            e.mechanism,
            protects[0],
            e.tag("owner") or "-",
            e.rotation,
            verdict,
        )
        rows.append(first)
        rows += [("", "", "", label, "", "", "") for label in protects[1:]]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in (header, *rows)
    ]
    lines.append(f"{len(entries)} key{'s' * (len(entries) != 1)}")
    rest = unprotected(stores)
    if rest:
        lines += ["", "Data stores without a customer-managed key declared in this code:"]
        lines += [f"  {s.label}: {s.protection_text}" for s in rest]
    return "\n".join(lines) + "\n"
