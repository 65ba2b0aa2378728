"""Per file: the data stores infrastructure code declares with the expression naming their key,
the names a key reference can go through (locals, variable defaults, aliases, module sources and
outputs, provider default tags) and each key's tags. The project step (``keymap``) resolves them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import yaml

from analyzer.engines.iac.documents import get, scalar
from analyzer.engines.iac.hcl import Attr, Block, _braces, _literal, _strip_comment
from analyzer.findings.model import Binding, DataStore, KeySite, Location, key_id
from analyzer.knowledge.iac_stores import NOT_ENCRYPTED, PROVIDER_MANAGED, StoreKind, iac_stores

# Statuses of a store's protection besides a resolved key.
UNRESOLVED = "unresolved"
_OTHER = re.compile(r'^\s*(locals|variable|module|output|provider)\s*(?:"([^"]+)")?\s*\{')
_ENTRY = re.compile(r'^\s*"?([A-Za-z_][\w.-]*)"?\s*[=:]\s*(.*?)\s*,?\s*$')
_INLINE_MAP = re.compile(r"^\{(.*)\}$")
# One ``key = value`` of a map written on one line (a quoted value may hold commas); an entry
# starts only where a name starts, so a long name is scanned once.
_INLINE_ENTRY = re.compile(
    r'(?<![\w."-])"?[A-Za-z_][\w.-]*"?\s*[=:]\s*(?:"(?:[^"\\]|\\.)*"|[^,\s}]+)'
)
# The attributes each kind of block contributes to the bindings.
_BOUND = {"variable": ("default",), "module": ("source",), "output": ("value",)}


def scope_of(rel: str) -> str:
    """A Terraform module is its folder: names resolve among the files of one folder."""
    return rel.rsplit("/", 1)[0] if "/" in rel else ""


def written(attr: Attr) -> str:
    """An attribute as a reference expression: literal strings quoted, expressions as written."""
    return (
        json.dumps(attr.value) if attr.literal and isinstance(attr.value, str) else str(attr.value)
    )


# --- Terraform --------------------------------------------------------------------------------


def _map_entries(lines: list[str], start: int) -> tuple[dict[str, str] | None, int]:
    """The ``key = "value"`` entries of a map opened on ``lines[start]`` and the line after it;
    None when an entry is not a literal (``merge(...)``, a variable)."""
    head = _strip_comment(lines[start]).split("=", 1)[1].strip()
    inline = _INLINE_MAP.match(head)
    if inline:
        parts = _INLINE_ENTRY.findall(inline.group(1))
        rest = _INLINE_ENTRY.sub("", inline.group(1))
        return (_entries(parts) if not rest.strip(" ,") else None), start + 1
    if head != "{":
        return None, start + 1
    body, depth, i = [], 1, start + 1
    while i < len(lines) and depth > 0:
        code = _strip_comment(lines[i])
        depth += _braces(code)
        if depth > 0:
            body.append(code)
        i += 1
    return _entries(body), i


def _entries(parts: list[str]) -> dict[str, str] | None:
    out: dict[str, str] = {}
    for part in parts:
        if not part.strip():
            continue
        entry = _ENTRY.match(part)
        if entry is None:
            return None
        value, literal = _literal(entry.group(2))
        if not literal:
            return None
        out[entry.group(1)] = str(value)
    return out


def block_map(lines: list[str], block: Block, name: str) -> dict[str, str] | bool | None:
    """The literal map a block's attribute ``name`` holds; False when the block has none, None
    when it is an expression keyguard does not evaluate."""
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*=")
    for i in range(block.line, max(block.end_line, block.line)):
        if i < len(lines) and pattern.match(lines[i]):
            return _map_entries(lines, i)[0]
    return False


def _other_blocks(lines: list[str]) -> Iterator[tuple[str, str, int, list[tuple[int, str]]]]:
    """``locals``, ``variable``, ``module``, ``output`` and ``provider`` blocks: kind, label,
    first line index and their lines of nesting depth one (index, code)."""
    i = 0
    while i < len(lines):
        header = _OTHER.match(lines[i])
        if header is None:
            i += 1
            continue
        start, depth, top = i, _braces(_strip_comment(lines[i])), []
        i += 1
        while i < len(lines) and depth > 0:
            code = _strip_comment(lines[i])
            if depth == 1:
                top.append((i, code))
            depth += _braces(code)
            i += 1
        yield header.group(1), header.group(2) or "", start, top


def _attr(code: str) -> tuple[str, str] | None:
    parts = code.split("=", 1)
    if len(parts) != 2 or not re.fullmatch(r"\s*[A-Za-z_][\w-]*\s*", parts[0]):
        return None
    return parts[0].strip(), parts[1].strip()


def terraform_bindings(
    text: str, blocks: list[Block], sites: list[KeySite], rel: str
) -> list[Binding]:
    """Every name of this file a key reference can go through, in its folder's scope."""
    scope, lines = scope_of(rel), text.splitlines()
    knowledge = iac_stores()
    out = [
        Binding(scope, s.properties["name"], key_id(s.location))
        for s in sites
        if "name" in s.properties
    ]
    for block in blocks:
        address = f"{block.type}.{block.name}"
        if block.kind == "resource" and block.type in knowledge.key_holders["terraform"]:
            target = block.attrs.get(knowledge.key_holders["terraform"][block.type])
            if target is not None:
                out.append(Binding(scope, address, written(target)))
            name = block.attrs.get("name")
            if name is not None and name.literal:
                out.append(Binding(scope, f"alias-name:{name.value}", address))
        elif block.kind == "data" and block.type in knowledge.key_lookups:
            looked_up = block.attrs.get(knowledge.key_lookups[block.type])
            if looked_up is not None:
                out.append(Binding(scope, f"data.{address}", written(looked_up)))
    for kind, label, start, top in _other_blocks(lines):
        if kind == "provider":
            tags = _provider_tags(lines, start)
            if tags:
                out.append(Binding(scope, "default_tags", json.dumps(tags, sort_keys=True)))
            continue
        for _, code in top:
            attr = _attr(code)
            if attr is None or attr[1] in ("{", "["):
                continue
            name, raw = attr
            value, literal = _literal(raw)
            expression = json.dumps(value) if literal and isinstance(value, str) else raw
            if kind == "locals":
                out.append(Binding(scope, f"local.{name}", expression))
            elif name in _BOUND[kind]:
                prefix = {"variable": "var", "module": "module", "output": "output"}[kind]
                out.append(Binding(scope, f"{prefix}.{label}", expression))
    return out


def _provider_tags(lines: list[str], start: int) -> dict[str, str] | None:
    """The literal ``default_tags { tags = {...} }`` of a provider block."""
    depth, i = _braces(_strip_comment(lines[start])), start + 1
    while i < len(lines) and depth > 0:
        code = _strip_comment(lines[i])
        if re.match(r"^\s*tags\s*=", code) and depth == 2:
            return _map_entries(lines, i)[0]
        depth += _braces(code)
        i += 1
    return None


def _target_address(raw: str) -> str | None:
    match = re.match(r"^([a-z][a-z0-9_]*)\.([A-Za-z_][\w-]*)\b", raw.strip('"${}'))
    return f"{match.group(1)}.{match.group(2)}" if match else None


def _default_protection(kind: StoreKind, switch: Attr | None) -> str | None:
    """What protects a store that names no key; None when it is no store (``only``)."""
    if kind.switch is None:
        return kind.default
    if switch is None:
        return None if kind.only else NOT_ENCRYPTED
    if not switch.literal:
        return UNRESOLVED
    on = switch.value == kind.on
    if kind.only and not on:
        return None
    return PROVIDER_MANAGED if on else NOT_ENCRYPTED


def terraform_store(block: Block, rel: str) -> DataStore | None:
    """The data store a resource block declares, None for other blocks."""
    kind = iac_stores().stores["terraform"].get(block.type)
    if block.kind != "resource" or kind is None:
        return None
    address = f"{block.type}.{block.name}"
    if kind.target is not None and (target := block.attrs.get(kind.target)) is not None:
        address = _target_address(str(target.value)) or address
    location = Location(rel, block.line, 1, block.end_line)
    key = block.attrs.get(kind.key)
    if key is not None:
        return DataStore(location, address, block.type, written(key), scope_of(rel))
    protection = _default_protection(kind, block.attrs.get(kind.switch or ""))
    if protection is None:
        return None
    return DataStore(location, address, block.type, "", scope_of(rel), protection=protection)


def terraform_tags(lines: list[str], block: Block, site: KeySite) -> None:
    """A key's state and literal tags as ``tag:NAME`` properties; ``tags`` says when they
    cannot be read."""
    enabled = block.attrs.get("is_enabled")
    inactive = enabled is not None and enabled.literal and enabled.value is False
    site.properties["state"] = "deactivated" if inactive else "active"
    attribute = iac_stores().key_tags["terraform"].get(block.type)
    if attribute is None:
        return
    tags = block_map(lines, block, attribute)
    if tags is None:
        site.properties["tags"] = UNRESOLVED
    elif tags:
        site.properties.update({f"tag:{k}": v for k, v in tags.items()})


# --- CloudFormation ---------------------------------------------------------------------------


def cfn_reference(node: yaml.Node | None) -> str:
    """A CloudFormation value as a reference expression: ``ref:LogicalId`` for ``!Ref`` and
    ``!GetAtt`` (short or long form), a quoted literal, or ``?`` for anything else."""
    if node is None:
        return "?"
    tag = getattr(node, "tag", "") or ""
    if isinstance(node, yaml.ScalarNode):
        if tag in ("!Ref", "!GetAtt"):
            return "ref:" + str(node.value).split(".")[0]
        return json.dumps(str(node.value)) if not tag.startswith("!") else "?"
    if isinstance(node, yaml.SequenceNode) and tag == "!GetAtt" and node.value:
        return "ref:" + (scalar(node.value[0]) or "?")
    if isinstance(node, yaml.MappingNode) and len(node.value) == 1:
        name = scalar(node.value[0][0])
        value = node.value[0][1]
        if name == "Ref" and scalar(value):
            return f"ref:{scalar(value)}"
        if name == "Fn::GetAtt":
            first = scalar(value) or (
                scalar(value.value[0])
                if isinstance(value, yaml.SequenceNode) and value.value
                else None
            )
            return "ref:" + first.split(".")[0] if first else "?"
    return "?"


def _find(node: yaml.Node | None, name: str) -> yaml.Node | None:
    """The first value of property ``name`` at any depth below ``node``."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if scalar(key) == name:
                return value
        for _, value in node.value:
            if (found := _find(value, name)) is not None:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if (found := _find(item, name)) is not None:
                return found
    return None


def cfn_store(key: yaml.Node, kind_name: str, resource: yaml.Node, rel: str) -> DataStore | None:
    """The data store a CloudFormation resource declares, None for other resources."""
    kind = iac_stores().stores["cloudformation"].get(kind_name)
    if kind is None:
        return None
    name = scalar(key) or "?"
    location = Location(rel, key.start_mark.line + 1, 1, resource.end_mark.line)
    properties = get(resource, "Properties")
    reference = _find(properties, kind.key)
    if reference is not None:
        return DataStore(location, name, kind_name, cfn_reference(reference), rel)
    switch_node = _find(properties, kind.switch) if kind.switch else None
    switch = None
    if switch_node is not None:
        text = scalar(switch_node)
        literal = text is not None and not (getattr(switch_node, "tag", "") or "").startswith("!")
        value: str | bool = (
            (text.lower() == "true") if text in ("true", "false", "True", "False") else (text or "")
        )
        switch = Attr(value, switch_node.start_mark.line + 1, literal)
    protection = _default_protection(kind, switch)
    if protection is None:
        return None
    return DataStore(location, name, kind_name, "", rel, protection=protection)


def cfn_bindings(template: yaml.Node, sites: list[KeySite], rel: str) -> list[Binding]:
    """Key logical ids, aliases (by logical id and by name) and parameter defaults of a template."""
    out = [
        Binding(rel, s.properties["name"], key_id(s.location))
        for s in sites
        if "name" in s.properties
    ]
    holders = iac_stores().key_holders["cloudformation"]
    parameters = get(template, "Parameters")
    if isinstance(parameters, yaml.MappingNode):
        for key, parameter in parameters.value:
            default = get(parameter, "Default")
            if scalar(key) and default is not None:
                out.append(Binding(rel, scalar(key) or "", cfn_reference(default)))
    resources = get(template, "Resources")
    if not isinstance(resources, yaml.MappingNode):
        return out
    for key, resource in resources.value:
        kind = scalar(get(resource, "Type") or yaml.ScalarNode("", "")) or ""
        name = scalar(key) or "?"
        if kind in holders:
            properties = get(resource, "Properties")
            out.append(Binding(rel, name, cfn_reference(_find(properties, holders[kind]))))
            alias = scalar(_find(properties, "AliasName") or yaml.ScalarNode("", ""))
            if alias:
                out.append(Binding(rel, f"alias-name:{alias}", f"ref:{name}"))
    return out


def cfn_tags(resource: yaml.Node, kind: str, site: KeySite) -> None:
    """A CloudFormation key's state and ``Tags`` (Key/Value pairs) as ``tag:NAME`` properties."""
    enabled = scalar(
        get(get(resource, "Properties") or yaml.ScalarNode("", ""), "Enabled")
        or yaml.ScalarNode("", "")
    )
    site.properties["state"] = "deactivated" if (enabled or "").lower() == "false" else "active"
    attribute = iac_stores().key_tags["cloudformation"].get(kind)
    tags = _find(get(resource, "Properties"), attribute) if attribute else None
    if tags is None:
        return
    if not isinstance(tags, yaml.SequenceNode):
        site.properties["tags"] = UNRESOLVED
        return
    for item in tags.value:
        name = scalar(get(item, "Key") or yaml.ScalarNode("", ""))
        value = get(item, "Value")
        if not name:
            site.properties["tags"] = UNRESOLVED
            continue
        text = scalar(value) if value is not None else None
        literal = text is not None and not (getattr(value, "tag", "") or "").startswith("!")
        site.properties[f"tag:{name}"] = text if literal and text else "(set at deployment)"
