"""The key inventory as OSCAL observations: one per key (mechanism, owner, purpose, data
classification, rotation, verdict and each data store it protects) and one for the data stores no
declared key protects. The OSCAL export adds them to each batch's result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analyzer.reporters.inventory import from_rows
from analyzer.reporters.keys import KeyEntry, key_entries, stores_from_rows, unprotected


def _key_props(entry: KeyEntry, repo: dict[str, Any]) -> list[tuple[str, object]]:
    item = entry.item
    props: list[tuple[str, object]] = [
        ("repository", repo.get("name", repo["repo"])),
        ("commit", repo["commit"] or "unknown"),
        ("key", entry.name),
        ("file", item.path),
        ("line", item.line),
        ("algorithm", item.algorithm),
        ("mechanism", entry.mechanism),
        *entry.tags,
        ("rotation", entry.rotation),
        ("verdict", item.verdict),
        *(("rule", r) for r in item.rule_ids),
        *(("protects", s.label) for s in entry.protects),
    ]
    return [(n, v) for n, v in props if str(v).strip()]


def key_observations(
    c: Any,
    prop: Callable[[str, object], Any],
    ident: Callable[..., str],
    batch: dict[str, Any],
    repo: dict[str, Any],
    collected: Any,
) -> list[Any]:
    """The observations of one repository's keys and stores (trestle's ``common`` module is
    ``c``; ``prop`` and ``ident`` are the export's own property and UUID makers)."""
    name = repo.get("name", repo["repo"])
    stores = stores_from_rows(name, repo.get("stores", []))
    entries = key_entries(from_rows(name, repo["sites"]), stores)
    subject = [
        c.SubjectReference(subject_uuid=ident("repo", repo["repo"]), type="component", title=name)
    ]
    out = []
    for entry in entries:
        item = entry.item
        protects = ", ".join(s.label for s in entry.protects) or "no data store found"
        out.append(
            c.Observation(
                uuid=ident("key", batch["uid"], repo["repo"], item.path, item.line, item.api),
                title=f"Key {entry.name} at {item.path}:{item.line}",
                description=(
                    f"{item.algorithm} {item.parameter} key, {entry.mechanism}; protects: "
                    f"{protects}; owner {entry.tag('owner') or 'not tagged'}; rotation "
                    f"{entry.rotation}; verdict {item.verdict}."
                ),
                props=[prop(n, v) for n, v in _key_props(entry, repo)],
                methods=["EXAMINE"],
                types=["control-objective"],
                subjects=subject,
                collected=collected,
            )
        )
    rest = unprotected(stores)
    if rest:
        out.append(
            c.Observation(
                uuid=ident("stores", batch["uid"], repo["repo"]),
                title=f"Data stores of {name} without a customer-managed key declared in the code",
                description="; ".join(f"{s.label}: {s.protection_text}" for s in rest),
                props=[prop("store", f"{s.label}: {s.protection_text}") for s in rest],
                methods=["EXAMINE"],
                types=["control-objective"],
                subjects=subject,
                collected=collected,
            )
        )
    return out
