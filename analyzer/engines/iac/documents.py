"""KG503: key and IAM policy documents that let a wildcard principal, or a key's own user, create
or administer keys. Works on YAML/JSON node trees so every finding has its line."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase

import yaml

from analyzer.catalogue.ids import IAC_KEY_ADMINISTRATION_TOO_BROAD
from analyzer.findings.model import Finding, Location
from analyzer.knowledge.iac_resources import iac_resources

_ROOT_SUFFIX = ":root"


@dataclass(frozen=True)
class PolicyProblem:
    line: int
    message: str
    principal: str


def scalar(node: yaml.Node) -> str | None:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def get(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if scalar(k) == key:
                return v
    return None


def _items(node: yaml.Node | None) -> list[yaml.Node]:
    if node is None:
        return []
    return list(node.value) if isinstance(node, yaml.SequenceNode) else [node]


def _matches(patterns: list[str], names: tuple[str, ...]) -> list[str]:
    return [n for n in names if any(fnmatchcase(n.lower(), p.lower()) for p in patterns)]


def _principals(node: yaml.Node | None) -> Iterator[tuple[str, int]]:
    """(principal, line) pairs of a statement's Principal, ``*`` for a wildcard."""
    if node is None:
        return
    if isinstance(node, yaml.ScalarNode):
        yield str(node.value), node.start_mark.line + 1
        return
    if isinstance(node, yaml.MappingNode):
        for _, value in node.value:
            for item in _items(value):
                text = scalar(item)
                if text is not None:
                    yield text, item.start_mark.line + 1


def statements(document: yaml.Node) -> list[yaml.Node]:
    return [s for s in _items(get(document, "Statement")) if isinstance(s, yaml.MappingNode)]


def check_policy(document: yaml.Node, line_offset: int = 0) -> list[PolicyProblem]:
    """Problems of one policy document; ``line_offset`` is added to the node lines."""
    problems: list[PolicyProblem] = []
    grants: dict[str, list[tuple[int, list[str], list[str]]]] = {}
    for statement in statements(document):
        if (scalar(get(statement, "Effect") or yaml.ScalarNode("", "")) or "") != "Allow":
            continue
        actions = [a for n in _items(get(statement, "Action")) if (a := scalar(n))]
        admin = _matches(actions, iac_resources().admin_actions)
        usage = _matches(actions, iac_resources().usage_actions)
        for principal, line in _principals(get(statement, "Principal")):
            where = line + line_offset
            if principal == "*" and admin:
                problems.append(
                    PolicyProblem(
                        where,
                        f"a wildcard principal is allowed to create or administer keys "
                        f"({', '.join(admin[:3])}); grant these only to named key custodians",
                        principal,
                    )
                )
            elif principal != "*" and not principal.endswith(_ROOT_SUFFIX):
                grants.setdefault(principal, []).append((where, admin, usage))
    for principal, entries in grants.items():
        admin = sorted({a for _, adm, _ in entries for a in adm})
        usage = sorted({u for _, _, use in entries for u in use})
        if admin and usage:
            line = next(where for where, adm, _ in entries if adm)
            problems.append(
                PolicyProblem(
                    line,
                    f"{principal} both administers keys ({', '.join(admin[:3])}) and uses them "
                    f"({', '.join(usage[:3])}); key custodians and key users must be separate",
                    principal,
                )
            )
    return sorted(problems, key=lambda p: p.line)


def parse_document(text: str) -> yaml.Node | None:
    """The node tree of a JSON or YAML policy text, or None when it is not one."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    return node if isinstance(node, yaml.MappingNode) else None


def policy_findings(document: yaml.Node, rel: str, offset: int, where: str) -> list[Finding]:
    """KG503 findings of one policy document; ``where`` names it in the messages."""
    return [
        Finding(
            IAC_KEY_ADMINISTRATION_TOO_BROAD,
            Location(rel, p.line),
            f"{where}: {p.message}",
            "iac",
            facts={"principal": p.principal},
        )
        for p in check_policy(document, offset)
    ]


def policies(node: yaml.Node) -> Iterator[tuple[str, yaml.Node]]:
    """Every ``KeyPolicy`` / ``PolicyDocument`` mapping below ``node``."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = scalar(key)
            if name in ("KeyPolicy", "PolicyDocument") and isinstance(value, yaml.MappingNode):
                yield name, value
            else:
                yield from policies(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from policies(item)
