"""Find, read, validate and resolve the policy file into the effective ``Policy``.

Order: ``--config FILE``, else the nearest ``keyguard.toml`` or ``pyproject.toml`` with a
``[tool.keyguard]`` table, searched from the scan root upward; else the built-in default profile.
A file extends a shipped profile (``extends``, default ``"default"``) and overrides it key by key:
tables merge, lists replace, ``[[clauses]]`` replace by id, ``[[exceptions]]`` add up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, NoReturn, get_args, get_origin, get_type_hints

from analyzer.catalogue.rules import rules
from analyzer.findings.model import LEVEL_ORDER
from analyzer.policy.errors import KeyPath, PolicyError, dotted, locate, suggest
from analyzer.policy.model import Clause, Policy, PolicyException, Standard, Taxonomy
from analyzer.policy.profiles import PROFILES, profile_bytes, profile_path
from analyzer.policy.thresholds import Thresholds

CONFIG_NAME = "keyguard.toml"
PYPROJECT = "pyproject.toml"
PYPROJECT_TABLE = ("tool", "keyguard")

# Thresholds fields that the policy file sets outside [thresholds].
_THRESHOLD_ELSEWHERE = {"prohibited_libraries"}
THRESHOLD_TYPES: dict[str, Any] = {
    name: hint
    for name, hint in get_type_hints(Thresholds).items()
    if name not in _THRESHOLD_ELSEWHERE
}
STR_LIST = tuple[str, ...]

TABLES: dict[str, dict[str, Any]] = {
    "standard": {f.name: str for f in dataclasses.fields(Standard)},
    "thresholds": THRESHOLD_TYPES,
    "libraries": {"approved": dict[str, str], "prohibited": dict[str, str]},
    "generation": {
        "require_kms": bool,
        "allowed_paths": STR_LIST,
        "kms_libraries": STR_LIST,
        "approved_path": str,
    },
    "rules": {"disable": STR_LIST, "enable": STR_LIST},
    "pci_dss": {f.name: str for f in dataclasses.fields(Taxonomy)},
    "cwe": {f.name: str for f in dataclasses.fields(Taxonomy)},
}
_CLAUSE_ENTRY: tuple[dict[str, Any], frozenset[str]] = (
    {"id": str, "title": str, "text": str, "rules": STR_LIST},
    frozenset({"id", "title", "text", "rules"}),
)
ARRAYS: dict[str, tuple[dict[str, Any], frozenset[str]]] = {
    "clauses": _CLAUSE_ENTRY,
    "pci_requirements": _CLAUSE_ENTRY,
    "exceptions": (
        {
            "rule": str,
            "paths": STR_LIST,
            "justification": str,
            "approved_by": str,
            "ticket": str,
            "expires": dt.date,
        },
        frozenset({"rule", "paths", "justification", "approved_by", "expires"}),
    ),
}
SCALARS: dict[str, Any] = {"extends": str, "test_paths": STR_LIST, "documentation_level": str}
TOP_KEYS = (*SCALARS, *TABLES, *ARRAYS)
# [generation] key -> Policy field.
_GENERATION_FIELDS = {
    "require_kms": "require_kms",
    "allowed_paths": "local_generation_paths",
    "kms_libraries": "kms_libraries",
    "approved_path": "approved_path",
}


@dataclass
class _Doc:
    """One policy document: where it came from, its text and its keyguard table."""

    path: str
    text: str
    data: dict[str, Any]
    sha256: str
    prefix: tuple[str, ...] = ()

    def fail(self, key: KeyPath, message: str) -> NoReturn:
        full = [*self.prefix, *key]
        raise PolicyError(self.path, locate(self.text, full), dotted(full) or None, message)


@dataclass
class _Layer:
    """A validated document: only what it sets, typed."""

    extends: str | None = None
    standard: dict[str, str] = field(default_factory=dict)
    clauses: list[Clause] = field(default_factory=list)
    pci_requirements: list[Clause] = field(default_factory=list)
    pci_dss: dict[str, str] = field(default_factory=dict)
    cwe: dict[str, str] = field(default_factory=dict)
    thresholds: dict[str, Any] = field(default_factory=dict)
    libraries: dict[str, dict[str, str]] = field(default_factory=dict)
    generation: dict[str, Any] = field(default_factory=dict)
    exceptions: list[PolicyException] = field(default_factory=list)
    rules: dict[str, tuple[str, ...]] = field(default_factory=dict)
    test_paths: tuple[str, ...] | None = None
    documentation_level: str | None = None


def load_policy(config: Path | None, scan_root: Path) -> Policy:
    """The effective policy for a scan of ``scan_root``; raises ``PolicyError`` on a bad file."""
    if config is not None:
        prefix = PYPROJECT_TABLE if config.name == PYPROJECT else ()
        return _resolve(_read(config, prefix), ())
    found = find_config(scan_root)
    if found is None:
        return builtin_policy("default")
    return _resolve(_read(*found), ())


def find_config(scan_root: Path) -> tuple[Path, tuple[str, ...]] | None:
    """The nearest policy file at or above ``scan_root`` and the table holding the policy."""
    start = scan_root.resolve()
    if start.is_file():
        start = start.parent
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder / CONFIG_NAME, ()
        pyproject = folder / PYPROJECT
        if pyproject.is_file() and _has_keyguard_table(pyproject):
            return pyproject, PYPROJECT_TABLE
    return None


@cache
def builtin_policy(name: str) -> Policy:
    """A shipped profile resolved on its own (``default``, ``pci-min``, ``nist-2031``)."""
    return _resolve(_profile_doc(name), ())


def _profile_doc(name: str) -> _Doc:
    raw = profile_bytes(name)
    text = raw.decode("utf-8")
    doc = _Doc(str(profile_path(name)), text, {}, hashlib.sha256(raw).hexdigest())
    doc.data = _parse(doc.path, text)
    doc.path = f"<built-in profile {name}>"
    return doc


def _has_keyguard_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return re.search(r"^\s*\[+\s*tool\s*\.\s*keyguard\b", text, re.MULTILINE) is not None
    return isinstance(data.get("tool"), dict) and "keyguard" in data["tool"]


def _read(path: Path, prefix: tuple[str, ...]) -> _Doc:
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyError(name, None, None, f"cannot read the policy file: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(name, None, None, "the policy file is not UTF-8 text") from exc
    data: Any = _parse(name, text)
    for part in prefix:
        data = data.get(part) if isinstance(data, dict) else None
        if not isinstance(data, dict):
            table = ".".join(prefix)
            raise PolicyError(name, None, table, f"no [{table}] table in this file")
    return _Doc(name, text, data, hashlib.sha256(raw).hexdigest(), prefix)


def _parse(name: str, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"\(at line (\d+), column (\d+)\)", message)
        reason = re.sub(r"\(at (?:line \d+, column \d+|end of document)\)", "", message).rstrip()
        if not where:
            raise PolicyError(name, None, None, f"invalid TOML: {reason}") from exc
        line, column = int(where.group(1)), int(where.group(2))
        lines = text.splitlines()
        source = lines[line - 1] if 0 < line <= len(lines) else ""
        key = re.match(r"\s*([A-Za-z0-9_.\-\"']+)\s*=", source)
        raise PolicyError(
            name, line, key.group(1) if key else None, f"invalid TOML: {reason} (column {column})"
        ) from exc


# ----------------------------------------------------------------------------- validation


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, dt.date):
        return f"a date ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _expected(tp: Any) -> str:
    origin, args = get_origin(tp), get_args(tp)
    if origin in (tuple, list):
        return f"a list of {_expected(args[0]).removeprefix('a ').removeprefix('an ')}s"
    if origin is dict:
        return f"a table of {_expected(args[1]).removeprefix('a ').removeprefix('an ')}s"
    return {
        bool: "true or false",
        int: "an integer",
        float: "a number",
        str: "a string",
        dt.date: "a date (YYYY-MM-DD)",
    }[tp]


def _convert(value: Any, tp: Any, fail: Callable[[str], NoReturn]) -> Any:
    """``value`` as type ``tp`` (lists become tuples), or a failure naming what was expected."""
    origin, args = get_origin(tp), get_args(tp)
    wrong = f"expected {_expected(tp)}, got {_describe(value)}"
    if origin in (tuple, list):
        if not isinstance(value, list):
            fail(wrong)
        return tuple(_convert(item, args[0], fail) for item in value)
    if origin is dict:
        if not isinstance(value, dict):
            fail(wrong)
        return {str(k): _convert(v, args[1], fail) for k, v in value.items()}
    if tp is dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                fail(f"cannot parse the date {value!r}; write it as YYYY-MM-DD")
        fail(wrong)
    if tp is int and (isinstance(value, bool) or not isinstance(value, int)):
        fail(wrong)
    if tp is float and (isinstance(value, bool) or not isinstance(value, int | float)):
        fail(wrong)
    if tp in (bool, str) and not isinstance(value, tp):
        fail(wrong)
    return value


def _table(doc: _Doc, path: KeyPath, value: Any, schema: dict[str, Any]) -> dict[str, Any]:
    """Check a table against its schema: no unknown key, every value of its type."""
    if not isinstance(value, dict):
        doc.fail(path, f"expected a table, got {_describe(value)}")
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key not in schema:
            doc.fail(
                [*path, key], f"unknown key{suggest(key, schema)}; allowed: {', '.join(schema)}"
            )
        out[key] = _convert(item, schema[key], lambda m, k=key: doc.fail([*path, k], m))
    return out


def _rule_id(doc: _Doc, path: KeyPath, rule_id: str) -> str:
    if rule_id not in rules():
        doc.fail(path, f"unknown rule id {rule_id!r}{suggest(rule_id, rules())}")
    return rule_id


def _validate(doc: _Doc) -> _Layer:
    data = doc.data
    layer = _Layer()
    for key in data:
        if key not in TOP_KEYS:
            doc.fail([key], f"unknown key{suggest(key, TOP_KEYS)}; allowed: {', '.join(TOP_KEYS)}")
    scalars = _table(doc, [], {k: v for k, v in data.items() if k in SCALARS}, SCALARS)
    if "extends" in scalars:
        layer.extends = scalars["extends"]
        if layer.extends not in PROFILES:
            doc.fail(
                ["extends"],
                f"unknown profile {layer.extends!r}{suggest(layer.extends, PROFILES)}; "
                f"shipped profiles: {', '.join(PROFILES)}",
            )
    layer.test_paths = scalars.get("test_paths")
    layer.documentation_level = scalars.get("documentation_level")
    if layer.documentation_level is not None and layer.documentation_level not in LEVEL_ORDER:
        doc.fail(
            ["documentation_level"],
            f"unknown level {layer.documentation_level!r}"
            f"{suggest(layer.documentation_level, LEVEL_ORDER)}; use one of "
            f"{', '.join(LEVEL_ORDER)} (default: note)",
        )
    layer.standard = _table(doc, ["standard"], data.get("standard", {}), TABLES["standard"])
    layer.thresholds = _table(doc, ["thresholds"], data.get("thresholds", {}), THRESHOLD_TYPES)
    for key, value in layer.thresholds.items():
        numbers = value.values() if isinstance(value, dict) else (value,)
        if any(isinstance(n, int) and not isinstance(n, bool) and n <= 0 for n in numbers):
            doc.fail(["thresholds", key], "must be a positive integer")
    for index, tag in enumerate(layer.thresholds.get("required_key_tags", ())):
        if not tag.strip():
            doc.fail(["thresholds", "required_key_tags", index], "is empty; name the tag")
    layer.libraries = _table(doc, ["libraries"], data.get("libraries", {}), TABLES["libraries"])
    layer.generation = _table(doc, ["generation"], data.get("generation", {}), TABLES["generation"])
    layer.rules = _table(doc, ["rules"], data.get("rules", {}), TABLES["rules"])
    for key, ids in layer.rules.items():
        for rule_id in ids:
            _rule_id(doc, ["rules", key], rule_id)
    for name in ("pci_dss", "cwe"):
        setattr(layer, name, _table(doc, [name], data.get(name, {}), TABLES[name]))
    layer.clauses = _clause_array(doc, "clauses")
    layer.pci_requirements = _clause_array(doc, "pci_requirements")
    for index, entry in enumerate(_array(doc, "exceptions")):
        path = ["exceptions", index]
        for key in ("justification", "approved_by"):
            if not entry[key].strip():
                doc.fail([*path, key], f"is empty; every exception needs a {key.replace('_', ' ')}")
        if not entry["paths"]:
            doc.fail([*path, "paths"], "is empty; give the path globs the exception covers")
        layer.exceptions.append(
            PolicyException(
                rule=_rule_id(doc, [*path, "rule"], entry["rule"]),
                paths=entry["paths"],
                justification=entry["justification"].strip(),
                approved_by=entry["approved_by"].strip(),
                expires=entry["expires"],
                ticket=entry.get("ticket", "").strip(),
            )
        )
    return layer


def _clause_array(doc: _Doc, name: str) -> list[Clause]:
    """``[[clauses]]`` or ``[[pci_requirements]]``: ids unique, every rule id known."""
    clauses = [
        Clause(
            e["id"],
            e["title"],
            e["text"],
            tuple(_rule_id(doc, [name, i, "rules"], r) for r in e["rules"]),
        )
        for i, e in enumerate(_array(doc, name))
    ]
    seen: set[str] = set()
    for index, clause in enumerate(clauses):
        if clause.id in seen:
            doc.fail([name, index, "id"], f"clause id {clause.id!r} is defined twice")
        seen.add(clause.id)
    return clauses


def _array(doc: _Doc, name: str) -> list[dict[str, Any]]:
    schema, required = ARRAYS[name]
    value = doc.data.get(name, [])
    if not isinstance(value, list):
        doc.fail([name], f"expected [[{name}]] entries, got {_describe(value)}")
    entries = []
    for index, entry in enumerate(value):
        checked = _table(doc, [name, index], entry, schema)
        missing = [key for key in schema if key in required and key not in checked]
        if missing:
            need = ", ".join(k for k in schema if k in required)
            doc.fail([name, index, missing[0]], f"missing; every entry of [[{name}]] needs {need}")
        entries.append(checked)
    return entries


# ----------------------------------------------------------------------------- resolution


def _resolve(doc: _Doc, seen: tuple[str, ...]) -> Policy:
    layer = _validate(doc)
    is_profile = doc.path.startswith("<built-in profile ")
    name = doc.path.removeprefix("<built-in profile ").removesuffix(">") if is_profile else ""
    parent = layer.extends if layer.extends or not is_profile else None
    if parent is None and name != "default":
        parent = "default"
    if parent is not None and parent in (*seen, name):
        doc.fail(["extends"], f"profile {parent!r} extends itself through {' -> '.join(seen)}")
    base = _resolve(_profile_doc(parent), (*seen, name or doc.path)) if parent else Policy()
    policy = _apply(base, layer)
    return replace(
        policy,
        source=doc.path,
        sha256=doc.sha256,
        profile=name if is_profile else (parent or "default"),
    )


def _merge_clauses(base: tuple[Clause, ...], new: list[Clause]) -> tuple[Clause, ...]:
    """New clauses replace those with the same id; a rule belongs to the clause that lists it last."""
    claimed = {rule for clause in new for rule in clause.rules}
    by_id = {c.id: replace(c, rules=tuple(r for r in c.rules if r not in claimed)) for c in base}
    by_id.update({clause.id: clause for clause in new})
    return tuple(by_id.values())


def _apply(base: Policy, layer: _Layer) -> Policy:
    thresholds = base.thresholds
    changes: dict[str, Any] = {}
    for key, value in layer.thresholds.items():
        old = getattr(thresholds, key)
        changes[key] = {**old, **value} if isinstance(value, dict) else value
    approved = {**base.approved_libraries, **layer.libraries.get("approved", {})}
    prohibited = {**thresholds.prohibited_libraries, **layer.libraries.get("prohibited", {})}
    for name in layer.libraries.get("approved", {}):
        prohibited.pop(name, None)
    for name in layer.libraries.get("prohibited", {}):
        approved.pop(name, None)
    changes["prohibited_libraries"] = prohibited
    disable = layer.rules.get("disable", ())
    enable = layer.rules.get("enable", ())
    return replace(
        base,
        standard=replace(base.standard, **layer.standard),
        clauses=_merge_clauses(base.clauses, layer.clauses),
        pci_requirements=_merge_clauses(base.pci_requirements, layer.pci_requirements),
        pci_dss=replace(base.pci_dss, **layer.pci_dss),
        cwe=replace(base.cwe, **layer.cwe),
        thresholds=replace(thresholds, **changes),
        approved_libraries=approved,
        exceptions=(*base.exceptions, *layer.exceptions),
        disabled_rules=tuple(
            r for r in dict.fromkeys((*base.disabled_rules, *disable)) if r not in enable
        ),
        enabled_rules=tuple(
            r for r in dict.fromkeys((*base.enabled_rules, *enable)) if r not in disable
        ),
        test_paths=layer.test_paths if layer.test_paths is not None else base.test_paths,
        documentation_level=layer.documentation_level or base.documentation_level,
        **{_GENERATION_FIELDS[k]: v for k, v in layer.generation.items()},
    )


def default_policy() -> Policy:
    """The embedded default standard, loaded from the shipped default profile."""
    return builtin_policy("default")
