"""The project step of the key inventory: which declared key protects which data store, followed
through aliases, disk encryption sets, locals, variable defaults, module outputs and CloudFormation
``!Ref``/``!GetAtt``; and KG505 for keys declared without the tags the standard requires."""

from __future__ import annotations

import json
import posixpath
import re

from analyzer.catalogue.ids import IAC_KEY_TAGS_MISSING
from analyzer.engines.iac.stores import UNRESOLVED
from analyzer.findings.model import Binding, DataStore, Finding, KeySite, Location
from analyzer.knowledge.iac_stores import NOT_ENCRYPTED, PROVIDER_MANAGED, iac_stores

CUSTOMER_MANAGED = "customer-managed"
# A customer-managed key named by ARN, id or alias that no scanned file declares.
EXTERNAL = "customer-managed (declared elsewhere)"
_DEPTH = 12
_INTERPOLATION = re.compile(r'^"\$\{(.*)\}"$')
_REFERENCE = re.compile(
    r"^(?:(?P<prefix>local|var|module|output|data)\.)?(?P<type>[A-Za-z_][\w-]*)"
    r"(?:\.(?P<name>[A-Za-z_][\w-]*))?(?:\[[^\]]*\])?(?:\.[\w.\[\]\"*-]*)?$"
)
_KEY_NAME = re.compile(r"^(?:arn:[\w-]+:kms:|alias/|projects/.+/cryptoKeys/|https://.+\.vault\.)")


class _Index:
    """The bindings by scope and name (the first definition wins, as one Terraform folder can
    define a name once)."""

    def __init__(self, bindings: list[Binding]) -> None:
        self.values: dict[tuple[str, str], str] = {}
        for b in bindings:
            self.values.setdefault((b.scope, b.name), b.value)

    def get(self, scope: str, name: str) -> str | None:
        return self.values.get((scope, name))


def _resolve(
    index: _Index, scope: str, expression: str, via: list[str], depth: int = 0
) -> tuple[str, str]:
    """(protection, key id) of a reference expression in ``scope``; ``via`` collects the names
    passed through."""
    text = expression.strip()
    if depth > _DEPTH or not text or text == "?":
        return UNRESOLVED, ""
    if inner := _INTERPOLATION.match(text):
        text = inner.group(1).strip()
    if text.startswith('"'):
        return _literal(index, scope, json.loads(text), via, depth)
    if text.startswith("ref:"):
        return _name(index, scope, text[4:], via, depth)
    match = _REFERENCE.match(text)
    if match is None:
        return UNRESOLVED, ""
    prefix, kind, name = match.group("prefix"), match.group("type"), match.group("name")
    if prefix in ("local", "var"):
        return _name(index, scope, f"{prefix}.{kind}", via, depth)
    if prefix == "module" and name:
        source = index.get(scope, f"module.{kind}")
        if source is None or (not source.startswith('"./') and not source.startswith('"../')):
            return UNRESOLVED, ""
        folder = posixpath.normpath(posixpath.join(scope, json.loads(source)))
        via.append(f"module.{kind}.{name}")
        return _name(index, "" if folder == "." else folder, f"output.{name}", via, depth)
    if prefix == "data" and name:
        return _name(index, scope, f"data.{kind}.{name}", via, depth)
    if prefix is None and name:
        return _name(index, scope, f"{kind}.{name}", via, depth)
    return UNRESOLVED, ""


def _name(index: _Index, scope: str, name: str, via: list[str], depth: int) -> tuple[str, str]:
    value = index.get(scope, name)
    if value is None:
        return UNRESOLVED, ""
    via.append(name)
    if _is_key_id(value):
        return CUSTOMER_MANAGED, value
    return _resolve(index, scope, value, via, depth + 1)


def _literal(index: _Index, scope: str, text: str, via: list[str], depth: int) -> tuple[str, str]:
    if iac_stores().is_provider_managed(text):
        return PROVIDER_MANAGED, ""
    holder = index.get(scope, f"alias-name:{text}")
    if holder is not None:
        return _resolve(index, scope, holder, via, depth + 1)
    return (EXTERNAL, "") if _KEY_NAME.match(text) else (UNRESOLVED, "")


def _is_key_id(value: str) -> bool:
    """Key sites are bound to their ``path:line`` id (see ``key_id``)."""
    return re.fullmatch(r"[^\s\"]+:\d+", value) is not None and not value.startswith(
        ("ref:", "arn:")
    )


def _deduplicated(stores: list[DataStore]) -> list[DataStore]:
    """One entry per store: a resource that sets another's encryption (an S3 encryption
    configuration) replaces that resource's own default entry."""
    named = {(s.scope, s.address) for s in stores if s.reference}
    return [s for s in stores if s.reference or (s.scope, s.address) not in named]


def resolve(stores: list[DataStore], bindings: list[Binding]) -> list[DataStore]:
    """Each store with its key and protection set; the list without duplicate entries."""
    index = _Index(bindings)
    kept = _deduplicated(stores)
    for store in kept:
        if not store.reference:
            continue
        via: list[str] = []
        store.protection, store.key = _resolve(index, store.scope, store.reference, via)
        store.via = " -> ".join(via)
    return kept


def _normal(tag: str) -> str:
    return re.sub(r"[-_\s]", "", tag.lower())


def _default_tags(index: _Index, bindings: list[Binding], scope: str) -> dict[str, str]:
    """Tags a provider's ``default_tags`` give every resource of a folder, also when the folder
    is a module called from another folder (the caller's provider applies)."""
    tags: dict[str, str] = {}
    for b in bindings:
        if not b.name.startswith("module.") or not b.value.startswith('".'):
            continue
        called = posixpath.normpath(posixpath.join(b.scope, json.loads(b.value)))
        if (called if called != "." else "") == scope:
            tags |= json.loads(index.get(b.scope, "default_tags") or "{}")
    return tags | json.loads(index.get(scope, "default_tags") or "{}")


def apply_default_tags(sites: list[KeySite], bindings: list[Binding]) -> None:
    """A Terraform key's tags with its provider's default tags (the key's own win)."""
    index = _Index(bindings)
    tagged = iac_stores().key_tags["terraform"]
    for site in sites:
        if site.properties.get("iac") != "terraform" or site.api not in tagged:
            continue
        scope = site.location.path.rsplit("/", 1)[0] if "/" in site.location.path else ""
        own = {_normal(k.removeprefix("tag:")) for k in site.properties if k.startswith("tag:")}
        for name, value in _default_tags(index, bindings, scope).items():
            if _normal(name) not in own:
                site.properties[f"tag:{name}"] = value


def tag_findings(sites: list[KeySite], required: tuple[str, ...]) -> list[Finding]:
    """KG505 for each declared key whose tags, as far as they are literal, lack a required tag."""
    if not required:
        return []
    findings = []
    tagged = {t for kinds in iac_stores().key_tags.values() for t in kinds}
    for site in sites:
        if site.api not in tagged or site.properties.get("tags") == UNRESOLVED:
            continue
        present = {_normal(k.removeprefix("tag:")) for k in site.properties if k.startswith("tag:")}
        missing = [t for t in required if _normal(t) not in present]
        if not missing:
            continue
        name = site.properties.get("name", site.api)
        findings.append(
            Finding(
                IAC_KEY_TAGS_MISSING,
                Location(site.location.path, site.location.line),
                f"{name} is declared without the tag{'s' * (len(missing) > 1)} "
                f"{', '.join(missing)} the standard requires of every key (who owns it, what it "
                f"is for, what data it protects)",
                "iac",
                facts={"missing": ",".join(missing)},
            )
        )
        site.rule_ids = sorted({*site.rule_ids, IAC_KEY_TAGS_MISSING})
        site.verdict = "violation"
    return findings


__all__ = [
    "CUSTOMER_MANAGED",
    "EXTERNAL",
    "NOT_ENCRYPTED",
    "PROVIDER_MANAGED",
    "resolve",
    "tag_findings",
]
