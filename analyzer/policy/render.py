"""The policy as TOML text: the effective policy (``policy show``) and the ``policy init`` template."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from typing import Any

from analyzer.catalogue.rules import markdown_table, rules
from analyzer.policy.load import THRESHOLD_TYPES, builtin_policy
from analyzer.policy.model import Policy
from analyzer.policy.profiles import profile_bytes

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(name: str) -> str:
    return name if _BARE.match(name) else json.dumps(name)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _table(name: str, values: dict[str, Any], array: bool = False) -> list[str]:
    header = f"[[{name}]]" if array else f"[{name}]"
    return ["", header, *(f"{_key(k)} = {_value(v)}" for k, v in values.items())]


def policy_to_toml(policy: Policy) -> str:
    """The effective policy, flattened (no ``extends``): loading it gives the same policy back."""
    th = policy.thresholds
    scalars = {k: getattr(th, k) for k, tp in THRESHOLD_TYPES.items() if not _is_dict(tp)}
    lines = [
        "# Effective keyguard policy",
        f"# source: {policy.source}",
        f"# sha256: {policy.sha256}",
        f"# profile: {policy.profile}",
        f"test_paths = {_value(policy.test_paths)}",
        f"documentation_level = {_value(policy.documentation_level)}",
    ]
    s = policy.standard
    std = {"id": s.id, "title": s.title, "version": s.version, "owner": s.owner, "url": s.url}
    lines += _table("standard", std)
    lines += _table("thresholds", scalars)
    for key, tp in THRESHOLD_TYPES.items():
        if _is_dict(tp):
            lines += _table(f"thresholds.{key}", getattr(th, key))
    lines += _table("libraries.approved", policy.approved_libraries)
    lines += _table("libraries.prohibited", th.prohibited_libraries)
    generation = {
        "require_kms": policy.require_kms,
        "allowed_paths": policy.local_generation_paths,
        "kms_libraries": policy.kms_libraries,
        "approved_path": policy.approved_path,
    }
    lines += _table("generation", generation)
    lines += _table("rules", {"disable": policy.disabled_rules, "enable": policy.enabled_rules})
    for name in ("clauses", "pci_requirements"):
        for c in getattr(policy, name):
            entry = {"id": c.id, "title": c.title, "text": c.text, "rules": c.rules}
            lines += _table(name, entry, True)
    for name in ("pci_dss", "cwe"):
        lines += _table(name, dataclasses.asdict(getattr(policy, name)))
    for e in policy.exceptions:
        entry = {
            "rule": e.rule,
            "paths": e.paths,
            "justification": e.justification,
            "approved_by": e.approved_by,
            "ticket": e.ticket,
            "expires": e.expires,
        }
        lines += _table("exceptions", entry, True)
    return "\n".join(lines) + "\n"


def _is_dict(tp: Any) -> bool:
    return getattr(tp, "__origin__", None) is dict


TEMPLATE_HEAD = """\
# keyguard.toml: your organisation's key-generation standard, read by `keyguard scan`.
# Written by `keyguard policy init`. Lines starting with "# key =" show the value this file
# inherits from the profile named in `extends`; uncomment a line to override it.
# `keyguard policy show` prints the effective policy; `keyguard explain KG201` a rule and its clause.

# default   : 2048-bit RSA/DSA/DH, 256-bit curves, 128-bit symmetric keys (reasons below)
# pci-min   : the 112-bit floor of PCI DSS "strong cryptography" (also approves 224-bit curves)
# nist-2031 : the 128-bit floor of NIST SP 800-57 from 2031 (3072-bit RSA/DSA/DH)
extends = "default"
"""

TEMPLATE_TAIL = """
# An approved deviation. It suppresses findings of one rule under the path globs until it
# expires (it still suppresses on the expiry day); the report lists it with its justification.
# [[exceptions]]
# rule = "KG201"
# paths = ["legacy/hsm_bridge/**"]
# justification = "The bridge talks to an HSM that only accepts 1024-bit RSA; replaced in Q3."
# approved_by = "Jane Doe, CISO"
# ticket = "SEC-1234"
# expires = 2026-09-30

# Inline, on the finding's line or alone on the line above it (a reason is required):
#   key = rsa.generate_private_key(65537, 1024)  # keyguard: ignore[KG201] reason: test vector
"""

# Assignments kept active in the template; every other value is shown commented out.
_ACTIVE = {("standard", None), ("generation", "require_kms")}


def policy_template() -> str:
    """A commented copy of the default profile that extends it and overrides only identity."""
    text = profile_bytes("default").decode("utf-8")
    body = text.split("\n\n", 1)[1]
    out: list[str] = []
    table = ""
    depth = 0
    commenting = False
    for line in body.splitlines():
        stripped = line.strip()
        if depth > 0:
            out.append(f"# {line}" if commenting else line)
            depth += stripped.count("[") - stripped.count("]")
            continue
        if stripped.startswith("[["):
            table = stripped.strip("[]")
            out.append(f"# {line}")
            continue
        if stripped.startswith("["):
            table = stripped.strip("[]")
            out.append(line)
            continue
        if not stripped or stripped.startswith("#") or "=" not in stripped:
            out.append(line)
            continue
        key = stripped.split("=", 1)[0].strip()
        commenting = (table, None) not in _ACTIVE and (table, key) not in _ACTIVE
        out.append(f"# {line}" if commenting else line)
        value = stripped.split("=", 1)[1]
        depth = value.count("[") - value.count("]")
    return TEMPLATE_HEAD + "\n" + "\n".join(out).rstrip() + "\n" + TEMPLATE_TAIL


_SETTING = re.compile(r"^([a-z0-9_]+)\s*=")


def _documented_settings(name: str) -> list[tuple[str, str]]:
    """(setting, reason) for every ``[thresholds]`` key of a profile, reasons from its comments."""
    rows: list[tuple[str, str]] = []
    comment: list[str] = []
    section = ""
    for raw in profile_bytes(name).decode("utf-8").splitlines():
        line = raw.strip()
        if line.startswith("["):
            if line.startswith("[thresholds."):
                rows.append((line.strip("[]").split(".", 1)[1], " ".join(comment)))
            section, comment = line, []
        elif line.startswith("#"):
            comment.append(line.lstrip("# "))
        elif (m := _SETTING.match(line)) and section == "[thresholds]":
            rows.append((m.group(1), " ".join(comment)))
            comment = []
        elif not line:
            comment = []
    return rows


def rules_markdown() -> str:
    """The README's rule table: the catalogue, with each rule's clause of the default standard."""
    policy = builtin_policy("default")
    return markdown_table({r: c for r in rules() if (c := policy.clause_id(r)) is not None})


def thresholds_markdown() -> str:
    """The README table of the default thresholds, their values in each profile and the reasons."""
    profiles = ("default", "pci-min", "nist-2031")
    resolved = {name: builtin_policy(name).thresholds for name in profiles}
    lines = [
        "| setting | default | pci-min | nist-2031 | why |",
        "|---|---|---|---|---|",
    ]
    for setting, reason in _documented_settings("default"):
        cells = [_cell(getattr(resolved[name], setting)) for name in profiles]
        lines.append(f"| `{setting}` | {' | '.join(cells)} | {reason} |")
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_cell(v)}" for k, v in sorted(value.items()))
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
