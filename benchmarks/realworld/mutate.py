"""Mutation harness (MASC-style): weaken safe key-generation sites of the labelled Python projects
one change at a time and measure how often keyguard reports the injected misuse.

    python benchmarks/realworld/mutate.py [--project NAME ...] [--limit N] [--jobs N] [--cache DIR]
        [--json FILE] [--list]

Each mutant changes one value where it is written (a size literal to 1024, a curve to SECP192R1,
an iteration count to 1000, an RSA exponent to 3, a CSPRNG call to `random`, a computed key to a
literal) and records how far that edit is from the call the value reaches: same statement, same
function, elsewhere in the module, or another module. A mutant is found when keyguard, run on a
mutated copy of the project (the cache is never touched), reports a new result of the operator's
category on the edited lines or on the call.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fetch import fetch
from projects import PROJECTS_DIR, Project, load_labels, load_project, load_projects
from score import scope_of

REPO = Path(__file__).resolve().parents[2]
DISTANCES = ("statement", "function", "module", "cross-module")
CATEGORY = {
    "size-1024": "short-key",
    "symmetric-size-64": "short-key",
    "curve-secp192r1": "short-key",
    "iterations-1000": "short-key",
    "exponent-3": "weak-algorithm",
    "rng-random": "weak-rng",
    "literal-key": "hardcoded-key",
}
KEYISH = (
    "key",
    "secret",
    "token",
    "password",
    "passwd",
    "iv",
    "salt",
    "nonce",
    "cek",
    "challenge",
    "cookie",
)
LITERAL_KEY = 'b"k3Y9xQ2mV7pL4wR8tZ1nB6cF0hJ5sD3a"'
RANDOM_IMPORT = "\nimport random  # keyguard mutant\n"
_SKIP_DIRS = {"docs", "doc", "examples", "example", "build", "benchmarks", "scripts"}


@dataclass(frozen=True)
class Edit:
    """One text change: replace source[start:end] of ``file``; optionally append a line."""

    file: str
    start: int
    end: int
    replacement: str
    line: int
    end_line: int
    append: str = ""


@dataclass(frozen=True)
class Mutant:
    """One weakened value, where it is written and the call it reaches."""

    project: str
    operator: str
    distance: str
    edit: Edit
    call_file: str
    call_line: int
    call_end_line: int
    api: str
    before: str

    @property
    def category(self) -> str:
        return CATEGORY[self.operator]

    @property
    def ident(self) -> str:
        return f"{self.project}:{self.edit.file}:{self.edit.line}:{self.operator}:{self.call_line}"


@dataclass
class Module:
    """A parsed production module: source, tree, import aliases and line offsets."""

    path: str
    source: str
    tree: ast.Module
    aliases: dict[str, str]
    offsets: list[int] = field(default_factory=list)
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)

    def offset(self, line: int, col: int) -> int:
        """Character offset of (1-based line, UTF-8 byte column) in ``source``."""
        start = self.offsets[line - 1]
        text = self.source[start : start + 10_000]
        return start + len(text.encode("utf-8")[:col].decode("utf-8", errors="ignore"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (
            self.offset(node.lineno, node.col_offset),
            self.offset(node.end_lineno, node.end_col_offset),
        )

    def text(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.source[start:end]

    def enclosing(self, node: ast.AST, kinds: tuple[type, ...]) -> ast.AST | None:
        current = self.parents.get(node)
        while current is not None and not isinstance(current, kinds):
            current = self.parents.get(current)
        return current


# ----------------------------------------------------------------------------- API table


@dataclass(frozen=True)
class Api:
    """A crypto API from keyguard's rules/knowledge/python_apis.toml: role and argument positions."""

    name: str
    role: str
    args: dict[str, str]


def load_apis() -> tuple[dict[str, Api], list[tuple[str, str]]]:
    """APIs by qualified name, and the namespace prefixes keyguard rewrites before lookup."""
    with (REPO / "rules" / "knowledge" / "python_apis.toml").open("rb") as fh:
        data = tomllib.load(fh)
    apis: dict[str, Api] = {}
    for entry in data["api"]:
        names = entry.get("names") or [entry["name"]]
        for name in names:
            apis[name] = Api(name, entry["role"], dict(entry.get("args") or {}))
    prefixes = [(ns["prefix"], ns["target"]) for ns in data.get("namespace", [])]
    return apis, prefixes


def dotted_name(rel: str) -> str:
    """The import name of a module path: ``src/pkg/mod.py`` -> ``pkg.mod``."""
    parts = rel.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if parts and parts[0] in ("src", "lib"):
        parts = parts[1:]
    return ".".join(parts)


def _aliases(tree: ast.Module, rel: str) -> dict[str, str]:
    """Local name -> qualified name for every import; star imports under ``*`` (joined by ``|``)."""
    package = dotted_name(rel).split(".")
    if not rel.endswith("__init__.py"):
        package = package[:-1]
    aliases: dict[str, str] = {}
    stars: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[(a.asname or a.name).split(".")[0]] = (
                    a.name if a.asname else a.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                origin = ".".join([*base, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            for a in node.names:
                if a.name == "*":
                    stars.append(origin)
                else:
                    aliases[a.asname or a.name] = f"{origin}.{a.name}"
    aliases["*"] = "|".join(stars)
    return aliases


def _dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def qualify(module: Module, func: ast.AST, prefixes: list[tuple[str, str]]) -> str | None:
    """The qualified name of a call's function through the module's imports."""
    dotted = _dotted(func)
    if dotted is None:
        return None
    root, _, rest = dotted.partition(".")
    if root == "*":
        return None
    if root in module.aliases:
        name = module.aliases[root] + (f".{rest}" if rest else "")
    else:
        instance = _instance_of(module, func, root, prefixes)
        if instance is None or not rest:
            return None
        name = f"{instance}().{rest}"
    for prefix, target in prefixes:
        if name.startswith(prefix):
            name = target + name[len(prefix) :]
    return name


def _instance_of(
    module: Module, node: ast.AST, name: str, prefixes: list[tuple[str, str]]
) -> str | None:
    """The class a local ``name = lib.Class()`` (assigned once in the function) instantiates."""
    func = module.enclosing(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    if func is None:
        return None
    values = [
        n.value
        for n in ast.walk(func)
        if isinstance(n, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)
    ]
    if len(values) != 1 or not isinstance(values[0], ast.Call):
        return None
    inner = values[0].func
    dotted = _dotted(inner)
    if dotted is None or dotted.split(".")[0] not in module.aliases:
        return None
    return qualify(module, inner, prefixes)


def argument(call: ast.Call, spec: str) -> ast.expr | None:
    """The expression passed for an argument spec ``keyword:position``."""
    keyword, _, position = spec.partition(":")
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    if position not in ("", "-") and int(position) < len(call.args):
        arg = call.args[int(position)]
        return None if isinstance(arg, ast.Starred) else arg
    return None


# ----------------------------------------------------------------------------- project index


def parse_module(root: Path, rel: str) -> Module | None:
    try:
        source = (root / rel).read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (SyntaxError, UnicodeDecodeError, ValueError, OSError):
        return None
    offsets, total = [], 0
    for line in source.splitlines(keepends=True):
        offsets.append(total)
        total += len(line)
    offsets.append(total)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    return Module(rel, source, tree, _aliases(tree, rel), offsets, parents)


def production_modules(root: Path) -> dict[str, Module]:
    """Every parsable production Python file under ``root`` (tests, docs and scripts left out)."""
    modules: dict[str, Module] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        parts = set(rel.split("/")[:-1])
        # Top-level docs/examples/scripts are not shipped; a package's own ``scripts`` module is.
        if scope_of(rel) != "production" or rel.split("/")[0] in _SKIP_DIRS or rel == "setup.py":
            continue
        if any(p.endswith(".egg-info") or p.startswith(".") for p in parts):
            continue
        module = parse_module(root, rel)
        if module is not None:
            modules[rel] = module
    return modules


# ----------------------------------------------------------------------------- value resolution


@dataclass(frozen=True)
class Origin:
    """Where a value is written: a node in a module, and how far it is from the call."""

    module: Module
    node: ast.expr
    distance: str


# Hops followed from the call to where a value is written (names, fields, parameters, tables).
MAX_HOPS = 6
# One-argument calls that hand their argument's value on (``int(options["bits"])``).
VALUE_WRAPPERS = ("int", "str", "bytes")
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _function_of(module: Module, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    found = module.enclosing(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    return found if isinstance(found, ast.FunctionDef | ast.AsyncFunctionDef) else None


def _within(outer: ast.AST, inner: ast.AST) -> bool:
    start = (outer.lineno, outer.col_offset) <= (inner.lineno, inner.col_offset)  # type: ignore[attr-defined]
    end = (inner.end_lineno, inner.end_col_offset) <= (outer.end_lineno, outer.end_col_offset)  # type: ignore[attr-defined]
    return start and end


def distance_of(origin: Module, node: ast.AST, module: Module, call: ast.Call) -> str:
    """How far the edit at ``node`` is from ``call``: the call's statement, its function, its
    module or another module."""
    if origin is not module:
        return "cross-module"
    statement = module.enclosing(call, (ast.stmt,))
    if statement is not None and not isinstance(statement, _DEFS) and _within(statement, node):
        return "statement"
    func = _function_of(module, call)
    return "function" if func is not None and _within(func, node) else "module"


def _assignments(scope: ast.AST, name: str, before: int | None = None) -> list[ast.expr]:
    """Right-hand sides of ``name = ...`` in ``scope`` (not in nested definitions), in order."""
    return [value for value, _top in _ordered_assignments(scope, name, before)]


def _ordered_assignments(
    scope: ast.AST, name: str, before: int | None = None
) -> list[tuple[ast.expr, bool]]:
    """``name = value`` in ``scope`` in source order, each with whether it sits directly in the
    scope's body (so it overrides every earlier one) rather than in a branch or loop."""
    body = getattr(scope, "body", [])
    direct = {id(stmt) for stmt in body} if isinstance(body, list) else set()
    found: list[tuple[int, int, ast.expr, bool]] = []
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        if isinstance(node, (*_DEFS, ast.arguments)):
            continue
        stack.extend(ast.iter_child_nodes(node))
        if before is not None and getattr(node, "lineno", 0) >= before:
            continue
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            value = node.value
            assert value is not None
            found.append((node.lineno, node.col_offset, value, id(node) in direct))
    found.sort(key=lambda f: (f[0], f[1]))
    return [(value, top) for _l, _c, value, top in found]


def _may_assignments(scope: ast.AST, name: str, before: int | None) -> list[ast.expr] | None:
    """The assignments a read of ``name`` may see: the last one directly in the body and every
    branch assignment after it. None when no direct assignment hides what came before."""
    ordered = _ordered_assignments(scope, name, before)
    tops = [i for i, (_v, top) in enumerate(ordered) if top]
    if not tops:
        return [value for value, _top in ordered]
    return [value for value, _top in ordered[tops[-1] :]]


def _param(
    func: ast.FunctionDef | ast.AsyncFunctionDef, name: str
) -> tuple[int, ast.expr | None] | None:
    """Index of parameter ``name`` among positional parameters and its default."""
    args = func.args
    positional = [*args.posonlyargs, *args.args]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for index, arg in enumerate(positional):
        if arg.arg == name:
            return index, defaults[index]
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if arg.arg == name:
            return -1, default
    return None


def _call_sites(
    modules: dict[str, Module], func: ast.FunctionDef | ast.AsyncFunctionDef, home: Module
) -> Iterator[tuple[Module, ast.Call]]:
    """Calls of ``func``: ``self.f()``/``cls.f()`` in its module for a method; for a function
    ``f()`` in its module and, in other modules, calls whose name resolves to it by import."""
    is_method = bool(func.args.args) and func.args.args[0].arg in ("self", "cls")
    qualified = f"{dotted_name(home.path)}.{func.name}"
    for module in modules.values():
        if is_method and module is not home:
            continue
        stars = module.aliases.get("*", "").split("|")
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Call):
                continue
            target = node.func
            if is_method:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr == func.name
                    and isinstance(target.value, ast.Name)
                    and target.value.id in ("self", "cls")
                ):
                    yield module, node
            elif isinstance(target, ast.Name) and target.id == func.name:
                if (
                    module is home
                    or module.aliases.get(target.id) == qualified
                    or (target.id not in module.aliases and dotted_name(home.path) in stars)
                ):
                    yield module, node
            elif module is not home and _qualified_loose(module, target) == qualified:
                yield module, node


def _qualified_loose(module: Module, func: ast.AST) -> str | None:
    dotted = _dotted(func)
    if dotted is None:
        return None
    root, _, rest = dotted.partition(".")
    if root not in module.aliases or root == "*":
        return None
    return module.aliases[root] + (f".{rest}" if rest else "")


def _is_self(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in ("self", "cls")
    )


def _module_named(modules: dict[str, Module], dotted: str) -> Module | None:
    for module in modules.values():
        if dotted_name(module.path) == dotted:
            return module
    return None


def _classes(module: Module) -> dict[str, ast.ClassDef]:
    return {n.name: n for n in module.tree.body if isinstance(n, ast.ClassDef)}


def _bases(module: Module, klass: ast.ClassDef) -> list[ast.ClassDef]:
    """The module's classes ``klass`` inherits from, nearest first."""
    classes = _classes(module)
    out: list[ast.ClassDef] = []
    pending = [b.id for b in klass.bases if isinstance(b, ast.Name)]
    while pending:
        name = pending.pop(0)
        base = classes.get(name)
        if base is not None and base not in out:
            out.append(base)
            pending += [b.id for b in base.bases if isinstance(b, ast.Name)]
    return out


def _subclasses(module: Module, klass: ast.ClassDef) -> list[ast.ClassDef]:
    return [k for k in _classes(module).values() if klass in _bases(module, k)]


def _class_fields(klass: ast.ClassDef, attr: str) -> list[ast.expr]:
    """``attr = value`` in the class body and ``self.attr = value`` in its methods."""
    out = [value for value, _top in _ordered_assignments(klass, attr)]
    for method in klass.body:
        if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef) or not method.args.args:
            continue
        me = method.args.args[0].arg
        for node in ast.walk(method):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and target.attr == attr
                        and isinstance(target.value, ast.Name)
                        and target.value.id == me
                    ):
                        out.append(node.value)
    return out


def _class_attribute(module: Module, klass: ast.ClassDef, attr: str) -> list[ast.expr]:
    """What ``Klass.attr`` holds: its own field, else the nearest base's."""
    for owner in [klass, *_bases(module, klass)]:
        found = _class_fields(owner, attr)
        if found:
            return found
    return []


class Resolver:
    """Follows a value from the call that uses it to every place that writes it: local and
    branch assignments, parameters (defaults and every caller's argument), ``self``/``cls``
    fields (the class, its subclasses' overrides, its bases), class attributes, module
    constants here and in other modules, and entries of literal tables."""

    def __init__(self, modules: dict[str, Module]) -> None:
        self.modules = modules

    def origins(self, module: Module, node: ast.expr, call: ast.Call) -> list[Origin]:
        out: dict[tuple[str, int, int], Origin] = {}
        for where, leaf in self.values(module, node, call, 0):
            key = (where.path, leaf.lineno, leaf.col_offset)
            out.setdefault(key, Origin(where, leaf, distance_of(where, leaf, module, call)))
        return list(out.values())

    def values(
        self, module: Module, node: ast.expr, at: ast.AST, hops: int
    ) -> list[tuple[Module, ast.expr]]:
        """The written values (literals, curve objects and classes) ``node`` may hold."""
        out: list[tuple[Module, ast.expr]] = []
        for where, expr in self.exprs(module, node, at, hops):
            if isinstance(expr, ast.Constant):
                out.append((where, expr))
            elif isinstance(expr, ast.Subscript):
                for owner, entry in self._entries(where, expr, hops):
                    out += self.values(owner, entry, entry, hops + 1)
            elif isinstance(expr, ast.Call):
                func = expr.func
                if (
                    isinstance(func, ast.Name)
                    and func.id in VALUE_WRAPPERS
                    and len(expr.args) == 1
                    and not expr.keywords
                ):
                    out += self.values(where, expr.args[0], expr, hops + 1)
                elif not expr.args and not expr.keywords and isinstance(func, ast.Subscript):
                    out += self.values(where, func, expr, hops + 1)
                elif self._imported(where, func):
                    out.append((where, expr))
            elif self._imported(where, expr):
                out.append((where, expr))
        return out

    def _imported(self, module: Module, node: ast.AST) -> bool:
        """``ec.SECP256R1`` or ``SECP256R1`` named through an import of a library."""
        dotted = _dotted(node)
        if dotted is None:
            return False
        root = dotted.split(".")[0]
        return root in module.aliases and root != "*"

    def exprs(
        self, module: Module, node: ast.expr, at: ast.AST, hops: int
    ) -> list[tuple[Module, ast.expr]]:
        """The expressions ``node`` may stand for, following names, fields and parameters."""
        if hops > MAX_HOPS:
            return []
        found: list[tuple[Module, ast.expr]] | None = None
        if isinstance(node, ast.Name):
            found = self._name(module, node.id, at, hops)
        elif _is_self(node):
            assert isinstance(node, ast.Attribute)
            found = self._field(module, node.attr, at, hops)
        elif isinstance(node, ast.Attribute):
            found = self._attribute(module, node, at, hops)
        if found is None:
            return [(module, node)]
        return found

    def _follow(
        self, module: Module, values: list[ast.expr], hops: int
    ) -> list[tuple[Module, ast.expr]]:
        out: list[tuple[Module, ast.expr]] = []
        for value in values:
            out += self.exprs(module, value, value, hops + 1)
        return out

    def _name(
        self, module: Module, name: str, at: ast.AST, hops: int
    ) -> list[tuple[Module, ast.expr]] | None:
        func = _function_of(module, at)
        line = getattr(at, "lineno", None)
        while func is not None:
            seen = _may_assignments(func, name, line)
            param = _param(func, name)
            if seen or param is not None:
                out = self._follow(module, seen or [], hops)
                direct = any(top for _v, top in _ordered_assignments(func, name, line))
                if param is not None and not direct:
                    out += self._parameter(module, func, name, param, hops)
                return out
            func = _function_of(module, func)
        top = _may_assignments(module.tree, name, None)
        if top:
            return self._follow(module, top, hops)
        if name in _classes(module):
            return None
        imported = module.aliases.get(name)
        if imported:
            origin, _, attr = imported.rpartition(".")
            other = _module_named(self.modules, origin)
            if other is not None and other is not module:
                values = _may_assignments(other.tree, attr, None)
                return self._follow(other, values or [], hops) if values else None
        return None

    def _parameter(
        self,
        module: Module,
        func: ast.FunctionDef | ast.AsyncFunctionDef,
        name: str,
        param: tuple[int, ast.expr | None],
        hops: int,
    ) -> list[tuple[Module, ast.expr]]:
        index, default = param
        out = self._follow(module, [default], hops) if default is not None else []
        is_method = bool(func.args.args) and func.args.args[0].arg in ("self", "cls")
        for caller, call in _call_sites(self.modules, func, module):
            shift = 1 if is_method and isinstance(call.func, ast.Attribute) else 0
            value = argument(call, f"{name}:{index - shift}" if index >= 0 else f"{name}:-")
            if value is not None:
                out += self.exprs(caller, value, call, hops + 1)
        return out

    def _field(
        self, module: Module, attr: str, at: ast.AST, hops: int
    ) -> list[tuple[Module, ast.expr]] | None:
        """``self.attr``/``cls.attr``: the class's own field and every subclass's override, or
        the nearest base's when the class has none."""
        klass = module.enclosing(at, (ast.ClassDef,))
        if not isinstance(klass, ast.ClassDef):
            return None
        values = _class_attribute(module, klass, attr)
        for sub in _subclasses(module, klass):
            values += _class_fields(sub, attr)
        return self._follow(module, values, hops) if values else None

    def _attribute(
        self, module: Module, node: ast.Attribute, at: ast.AST, hops: int
    ) -> list[tuple[Module, ast.expr]] | None:
        """``Klass.attr`` (also through ``cls.public_cls.attr``) and ``module.CONSTANT``."""
        owners = self.exprs(module, node.value, at, hops + 1)
        classes = [
            (where, _classes(where)[e.id])
            for where, e in owners
            if isinstance(e, ast.Name) and e.id in _classes(where)
        ]
        if classes:
            out: list[tuple[Module, ast.expr]] = []
            for where, klass in classes:
                out += self._follow(where, _class_attribute(where, klass, node.attr), hops)
            return out
        dotted = _dotted(node.value)
        if dotted is None:
            return None
        root, _, rest = dotted.partition(".")
        imported = module.aliases.get(root)
        if imported is None or root == "*":
            return None
        other = _module_named(self.modules, imported + (f".{rest}" if rest else ""))
        if other is None or other is module:
            return None
        values = _may_assignments(other.tree, node.attr, None)
        return self._follow(other, values, hops) if values else None

    def _entries(
        self, module: Module, node: ast.Subscript, hops: int
    ) -> list[tuple[Module, ast.expr]]:
        """The entries ``table[key]`` may read: the entry for a constant key, every entry of
        the literal table for another key, and ``table["key"] = value`` assignments."""
        key = node.slice
        constants: list[object] | None = [key.value] if isinstance(key, ast.Constant) else None
        func = _function_of(module, node)
        if constants is None and func is not None and _reads_parameter(func, key):
            # A caller's key selects only what the default or the project's callers name.
            keys = self.values(module, key, node, hops + 1)
            constants = [k.value for _w, k in keys if isinstance(k, ast.Constant)]
        out: list[tuple[Module, ast.expr]] = []
        for where, table in self.exprs(module, node.value, node, hops + 1):
            if isinstance(table, ast.Dict):
                pairs = [
                    (k.value if isinstance(k, ast.Constant) else None, v)
                    for k, v in zip(table.keys, table.values, strict=True)
                    if k is not None
                ]
                if constants is None:
                    out += [(where, v) for _k, v in pairs]
                else:
                    out += [(where, v) for k, v in pairs if k in constants]
            elif isinstance(table, ast.Tuple | ast.List) and not any(
                isinstance(e, ast.Starred) for e in table.elts
            ):
                size = len(table.elts)
                if constants is None:
                    out += [(where, e) for e in table.elts]
                else:
                    out += [
                        (where, table.elts[c])
                        for c in constants
                        if isinstance(c, int) and -size <= c < size
                    ]
        if isinstance(node.value, ast.Name) and func is not None:
            for constant in constants or []:
                written = _entry_assignments(func, node.value.id, constant, node)
                out += [(module, v) for v in written]
        return out


def _reads_parameter(func: ast.FunctionDef | ast.AsyncFunctionDef, node: ast.expr) -> bool:
    """Whether ``node`` reads one of ``func``'s parameters (``self.x`` is a field, not one)."""
    args = func.args
    names = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    names -= {"self", "cls"}
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _entry_assignments(
    func: ast.FunctionDef | ast.AsyncFunctionDef, name: str, key: object, before: ast.AST
) -> list[ast.expr]:
    """``name["key"] = value`` in ``func`` before ``before``."""
    out: list[ast.expr] = []
    for node in ast.walk(func):
        if not isinstance(node, ast.Assign) or node.lineno >= getattr(before, "lineno", 0):
            continue
        for target in node.targets:
            if (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id == name
                and isinstance(target.slice, ast.Constant)
                and target.slice.value == key
            ):
                out.append(node.value)
    return out


# ----------------------------------------------------------------------------- operators


def _pad(original: str, replacement: str) -> str:
    """Keep the line count: a multi-line original becomes a parenthesised, newline-padded value."""
    extra = original.count("\n")
    return f"({replacement}{chr(10) * extra})" if extra else replacement


def _edit(origin: Origin, replacement: str, append: str = "") -> Edit:
    start, end = origin.module.span(origin.node)
    original = origin.module.source[start:end]
    return Edit(
        origin.module.path,
        start,
        end,
        _pad(original, replacement),
        origin.node.lineno,
        origin.node.end_lineno or origin.node.lineno,
        append,
    )


CURVES = ("SECP256R1", "SECP384R1", "SECP521R1", "SECP256K1")


def _weaker_curve(module: Module, node: ast.expr) -> str | None:
    text = module.text(node)
    for strong in CURVES:
        if strong in text:
            return text.replace(strong, "SECP192R1")
    for strong in ("NIST256p", "NIST384p", "NIST521p", "SECP256k1"):
        if strong in text:
            return text.replace(strong, "NIST192p")
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        lowered = node.value.lower()
        if lowered in ("secp256r1", "secp384r1", "secp521r1", "prime256v1", "nistp256", "nistp384"):
            return repr("secp192r1")
        if node.value in ("P-256", "P-384", "P-521"):
            return repr("P-192")
    return None


def _curve_import(module: Module, weaker: str) -> str:
    """An import line for the weak curve when the module names curves bare
    (``from ...asymmetric.ec import SECP256R1``) and does not import the weak one."""
    name = weaker.split("(")[0]
    if "." in name or name in module.aliases:
        return ""
    strong = {"SECP192R1": "SECP256R1", "NIST192p": "NIST256p"}.get(name)
    for alias, qualified in module.aliases.items():
        if alias in (*CURVES, "NIST256p", "NIST384p", "NIST521p") or alias == strong:
            return f"\nfrom {qualified.rpartition('.')[0]} import {name}  # keyguard mutant\n"
    return ""


def _keyish(name: str | None) -> bool:
    if not name:
        return False
    words = name.lower().replace("-", "_").split("_")
    return any(w in KEYISH or w.endswith("key") for w in words if w)


def _rng_context(
    module: Module, call: ast.Call, apis: dict[str, Api], prefixes: list
) -> tuple[ast.AST, str] | None:
    """The consumer a CSPRNG value reaches on the same statement: a key-ish target or API argument."""
    parent = module.parents.get(call)
    child: ast.AST = call
    while parent is not None and not isinstance(parent, ast.stmt):
        if isinstance(parent, ast.keyword) and _keyish(parent.arg):
            return module.parents.get(parent, parent), f"keyword {parent.arg}"
        if isinstance(parent, ast.Call):
            qualified = qualify(module, parent.func, prefixes)
            api = apis.get(qualified or "")
            if api and any(
                argument(parent, s) is child
                for r, s in api.args.items()
                if r in ("key", "iv", "nonce", "salt", "password")
            ):
                return parent, api.name
        child, parent = parent, module.parents.get(parent)
    if isinstance(parent, ast.Assign | ast.AnnAssign):
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        for t in targets:
            name = t.id if isinstance(t, ast.Name) else getattr(t, "attr", None)
            if _keyish(name):
                return parent, f"assignment to {name}"
    if isinstance(parent, ast.Return):
        func = _function_of(module, parent)
        if func is not None and _keyish(func.name):
            return parent, f"return of {func.name}"
    return None


def _returned_by(module: Module, call: ast.Call) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The function that returns this call's value, directly or through one local variable."""
    node: ast.AST = call
    parent = module.parents.get(node)
    while parent is not None and not isinstance(parent, ast.stmt):
        node, parent = parent, module.parents.get(parent)
    func = _function_of(module, call)
    if func is None:
        return None
    if isinstance(parent, ast.Return):
        return func
    if (
        isinstance(parent, ast.Assign)
        and len(parent.targets) == 1
        and isinstance(parent.targets[0], ast.Name)
    ):
        name = parent.targets[0].id
        for ret in ast.walk(func):
            if (
                isinstance(ret, ast.Return)
                and isinstance(ret.value, ast.Name)
                and ret.value.id == name
            ):
                return func
    return None


def _wrapper_consumer(
    modules: dict[str, Module], module: Module, call: ast.Call, apis: dict[str, Api], prefixes: list
) -> tuple[Module, ast.AST, str, str] | None:
    """A call of the CSPRNG's wrapper function whose value lands in key material elsewhere."""
    func = _returned_by(module, call)
    if func is None or _keyish(func.name):
        return None
    for caller, site in sorted(
        _call_sites(modules, func, module),
        key=lambda cs: (cs[0] is not module, cs[0].path, cs[1].lineno),
    ):
        context = _rng_context(caller, site, apis, prefixes)
        if context is not None:
            consumer, what = context
            distance = "module" if caller is module else "cross-module"
            return (
                caller,
                site if not isinstance(consumer, ast.Call) else consumer,
                distance,
                f"{func.name}() -> {what}",
            )
    return None


def _rng_replacement(module: Module, call: ast.Call, api: str) -> str | None:
    args = ", ".join(module.text(a) for a in call.args) or "32"
    if api in ("os.urandom", "secrets.token_bytes", "Crypto.Random.get_random_bytes"):
        return f"random.randbytes({args})"
    if api in ("secrets.token_hex", "secrets.token_urlsafe"):
        return f"random.randbytes({args}).hex()"
    return None


def _strong_picker(
    module: Module, call: ast.Call, qualified: str | None
) -> tuple[ast.expr, str] | None:
    """``secrets.choice``/``randbelow`` and ``random.SystemRandom()`` methods (not in the API
    table: their strength comes from the generator) made weak: the edit and its text."""
    args = ", ".join(module.text(a) for a in call.args)
    if qualified == "secrets.choice":
        return call, f"random.choice({args})"
    if qualified == "secrets.randbelow":
        return call, f"random.randrange({args})"
    if not qualified or not qualified.startswith("random.SystemRandom()."):
        return None
    if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Call):
        return call.func.value, "random.Random()"
    func = _function_of(module, call)
    root = call.func.value if isinstance(call.func, ast.Attribute) else None
    if func is None or not isinstance(root, ast.Name):
        return None
    made = _assignments(func, root.id)
    return (made[0], "random.Random()") if len(made) == 1 else None


def mutants_of(project: str, modules: dict[str, Module]) -> list[Mutant]:
    """Every mutant of the project's production modules, in a stable order."""
    apis, prefixes = load_apis()
    resolver = Resolver(modules)
    found: dict[str, Mutant] = {}

    def add(
        operator: str,
        origin: Origin,
        replacement: str,
        call: ast.Call,
        module: Module,
        api: str,
        append: str = "",
    ) -> None:
        edit = _edit(origin, replacement, append)
        before = origin.module.text(origin.node)
        if before.strip() == replacement.strip():
            return
        m = Mutant(
            project,
            operator,
            origin.distance,
            edit,
            module.path,
            call.lineno,
            call.end_lineno or call.lineno,
            api,
            before,
        )
        # One change is one mutant, however many calls the value reaches.
        found.setdefault(f"{edit.file}:{edit.start}:{edit.end}:{edit.replacement}", m)

    def rng_mutant(
        module: Module, call: ast.Call, api: str, edit: tuple[ast.expr, str] | str | None
    ) -> None:
        """The CSPRNG call made weak, when its value is kept as key material."""
        if edit is None:
            return
        node, replacement = edit if isinstance(edit, tuple) else (call, edit)
        context = _rng_context(module, call, apis, prefixes)
        if context:
            consumer, what = context
            target = consumer if isinstance(consumer, ast.Call) else call
            origin = Origin(module, node, distance_of(module, node, module, target))
            add(
                "rng-random", origin, replacement, target, module, f"{api} -> {what}", RANDOM_IMPORT
            )
        elif wrapped := _wrapper_consumer(modules, module, call, apis, prefixes):
            caller, target, distance, what = wrapped
            origin = Origin(module, node, distance)
            add(
                "rng-random",
                origin,
                replacement,
                target,
                caller,
                f"{api} via {what}",
                RANDOM_IMPORT,
            )

    for module in modules.values():
        for call in ast.walk(module.tree):
            if not isinstance(call, ast.Call):
                continue
            qualified = qualify(module, call.func, prefixes)
            api = apis.get(qualified or "")
            if api is None:
                strong = _strong_picker(module, call, qualified)
                if strong is not None:
                    rng_mutant(module, call, qualified or "", strong)
                continue
            if api.role == "keygen":
                if "size" in api.args and (value := argument(call, api.args["size"])) is not None:
                    for origin in resolver.origins(module, value, call):
                        node = origin.node
                        if (
                            isinstance(node, ast.Constant)
                            and isinstance(node.value, int)
                            and node.value > 1024
                        ):
                            add("size-1024", origin, "1024", call, module, api.name)
                if "curve" in api.args and (value := argument(call, api.args["curve"])) is not None:
                    for origin in resolver.origins(module, value, call):
                        weaker = _weaker_curve(origin.module, origin.node)
                        if weaker:
                            extra = _curve_import(origin.module, weaker)
                            add("curve-secp192r1", origin, weaker, call, module, api.name, extra)
                if (
                    "exponent" in api.args
                    and (value := argument(call, api.args["exponent"])) is not None
                ):
                    for origin in resolver.origins(module, value, call):
                        if isinstance(origin.node, ast.Constant) and origin.node.value == 65537:
                            add("exponent-3", origin, "3", call, module, api.name)
            elif api.role == "symmetric-keygen" and "size" in api.args:
                if (value := argument(call, api.args["size"])) is not None:
                    for origin in resolver.origins(module, value, call):
                        if (
                            isinstance(origin.node, ast.Constant)
                            and isinstance(origin.node.value, int)
                            and origin.node.value >= 128
                        ):
                            add("symmetric-size-64", origin, "64", call, module, api.name)
            elif api.role == "kdf" and "iterations" in api.args:
                if (value := argument(call, api.args["iterations"])) is not None:
                    for origin in resolver.origins(module, value, call):
                        if (
                            isinstance(origin.node, ast.Constant)
                            and isinstance(origin.node.value, int)
                            and origin.node.value > 1000
                        ):
                            add("iterations-1000", origin, "1000", call, module, api.name)
            elif api.role == "rng-strong":
                rng_mutant(module, call, api.name, _rng_replacement(module, call, api.name))
            if api.role in ("cipher", "mac", "fernet", "jwt") and "key" in api.args:
                value = argument(call, api.args["key"])
                if value is None or isinstance(value, ast.Constant):
                    continue
                add(
                    "literal-key",
                    Origin(module, value, "statement"),
                    LITERAL_KEY,
                    call,
                    module,
                    api.name,
                )
                func = _function_of(module, call)
                if isinstance(value, ast.Name) and func is not None:
                    local = _assignments(func, value.id, before=call.lineno)
                    if local and not isinstance(local[-1], ast.Constant):
                        add(
                            "literal-key",
                            Origin(module, local[-1], "function"),
                            LITERAL_KEY,
                            call,
                            module,
                            api.name,
                        )
    return sorted(
        found.values(), key=lambda m: (m.project, m.edit.file, m.edit.line, m.operator, m.call_line)
    )


# ----------------------------------------------------------------------------- running


def apply(root: Path, edit: Edit) -> None:
    path = root / edit.file
    source = path.read_text(encoding="utf-8")
    path.write_text(
        source[: edit.start] + edit.replacement + source[edit.end :] + edit.append, encoding="utf-8"
    )


def scan_files(root: Path, files: list[str]) -> set[tuple[str, int, str]]:
    """(path, line, category) of keyguard's findings on ``files`` of the tree at ``root``."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    cmd = [sys.executable, "-m", "analyzer", "scan", *files, "--format", "json", "--no-cache"]
    # No per-file time limit: on a loaded machine a file abandoned in one scan only would show
    # up as a mutant's "new" results.
    cmd += ["--fail-on", "never", "--jobs", "1", "--no-semgrep", "--file-timeout", "0"]
    result = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"scan failed ({result.returncode}): {result.stderr[-500:]}")
    report = json.loads(result.stdout)
    return {
        (f["location"]["path"], int(f["location"]["line"] or 1), f["category"])
        for f in report["findings"]
    }


@dataclass
class Outcome:
    """A mutant and whether keyguard reported it (None when the mutated copy did not parse)."""

    mutant: Mutant
    found: bool | None
    new: list[tuple[str, int, str]]

    @property
    def elsewhere(self) -> list[tuple[str, int, str]]:
        """New results neither on the edited lines nor on the call (to read: false results?)."""
        e, m = self.mutant.edit, self.mutant
        return [
            (path, line, cat)
            for path, line, cat in self.new
            if not (path == e.file and e.line <= line <= e.end_line)
            and not (path == m.call_file and m.call_line <= line <= m.call_end_line)
        ]


def run_mutant(mutant: Mutant, source_root: Path, baseline: set[tuple[str, int, str]]) -> Outcome:
    files = sorted({mutant.edit.file, mutant.call_file})
    with tempfile.TemporaryDirectory(prefix="kg-mutant-") as tmp:
        root = Path(tmp) / "project"
        shutil.copytree(source_root, root, symlinks=True)
        apply(root, mutant.edit)
        try:
            ast.parse((root / mutant.edit.file).read_text(encoding="utf-8"))
        except SyntaxError:
            return Outcome(mutant, None, [])
        after = scan_files(root, files)
    new = sorted(after - baseline)
    e, m = mutant.edit, mutant
    hit = any(
        cat == m.category
        and (
            (path == e.file and e.line <= line <= e.end_line)
            or (path == m.call_file and m.call_line <= line <= m.call_end_line)
        )
        for path, line, cat in new
    )
    return Outcome(mutant, hit, new)


def spread(mutants: list[Mutant], limit: int | None) -> list[Mutant]:
    """Up to ``limit`` mutants, taken round-robin over (project, operator, distance)."""
    groups: dict[tuple[str, str, str], list[Mutant]] = defaultdict(list)
    for m in mutants:
        groups[(m.project, m.operator, m.distance)].append(m)
    chosen: list[Mutant] = []
    queues = [groups[k] for k in sorted(groups)]
    while any(queues) and (limit is None or len(chosen) < limit):
        for queue in queues:
            if queue and (limit is None or len(chosen) < limit):
                chosen.append(queue.pop(0))
    return chosen


def share_table(outcomes: list[Outcome], key: str) -> str:
    """Found share per operator or per distance, as Markdown."""
    totals: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    broken: Counter[str] = Counter()
    for o in outcomes:
        k = getattr(o.mutant, key)
        if o.found is None:
            broken[k] += 1
            continue
        totals[k] += 1
        hits[k] += bool(o.found)
    order = DISTANCES if key == "distance" else sorted(set(totals) | set(broken))
    lines = [f"| {key} | mutants | found | share |", "|---|---:|---:|---:|"]
    for k in order:
        if totals[k] or broken[k]:
            share = f"{hits[k] / totals[k]:.2f}" if totals[k] else "-"
            lines.append(f"| {k} | {totals[k]} | {hits[k]} | {share} |")
    n, h = sum(totals.values()), sum(hits.values())
    lines.append(f"| all | {n} | {h} | {h / n:.2f} |" if n else "| all | 0 | 0 | - |")
    return "\n".join(lines) + "\n"


def select(names: list[str]) -> list[Project]:
    chosen = [load_project(PROJECTS_DIR / f"{n}.toml") for n in names] if names else load_projects()
    return [p for p in chosen if p.language == "python" and load_labels(p.name)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", action="append", default=[], metavar="NAME")
    parser.add_argument("--limit", type=int, default=None, metavar="N")
    parser.add_argument("--jobs", type=int, default=2, metavar="N")
    parser.add_argument("--cache", type=Path, default=None, metavar="DIR")
    parser.add_argument("--json", type=Path, default=None, metavar="FILE")
    parser.add_argument("--list", action="store_true", help="list the mutants, scan nothing")
    args = parser.parse_args(argv)
    roots: dict[str, Path] = {}
    mutants: list[Mutant] = []
    for project in select(args.project):
        roots[project.name] = fetch(project, args.cache)
        mutants += mutants_of(project.name, production_modules(roots[project.name]))
    chosen = spread(mutants, args.limit)
    print(f"{len(mutants)} mutants generated, {len(chosen)} run", file=sys.stderr)
    if args.list:
        for m in chosen:
            print(f"{m.ident} {m.distance} {m.api}: {m.before!r} -> {m.edit.replacement!r}")
        return 0
    keys = sorted({(m.project, tuple(sorted({m.edit.file, m.call_file}))) for m in chosen})
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        scanned = pool.map(lambda k: scan_files(roots[k[0]], list(k[1])), keys)
        baselines = dict(zip(keys, scanned, strict=True))

    def one(m: Mutant) -> Outcome:
        files = tuple(sorted({m.edit.file, m.call_file}))
        return run_mutant(m, roots[m.project], baselines[(m.project, files)])

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outcomes = list(pool.map(one, chosen))
    print(f"keyguard mutation benchmark: {len(outcomes)} mutants over {len(roots)} project(s)\n")
    print(share_table(outcomes, "operator"))
    print(share_table(outcomes, "distance"))
    missed = [o for o in outcomes if o.found is False]
    print(f"missed ({len(missed)})")
    for o in missed:
        m = o.mutant
        print(f"  {m.ident} [{m.distance}] {m.api}: {m.before!r} -> {m.edit.replacement.strip()!r}")
    away = [o for o in outcomes if o.elsewhere]
    print(f"mutants with new results away from the edit and its call ({len(away)})")
    for o in away:
        print(f"  {o.mutant.ident}: {o.elsewhere}")
    broken = [o for o in outcomes if o.found is None]
    if broken:
        print(
            f"not parsable after the edit ({len(broken)}): "
            + ", ".join(o.mutant.ident for o in broken)
        )
    if args.json:
        rows = [
            {**asdict(o.mutant), "category": o.mutant.category, "found": o.found, "new": o.new}
            for o in outcomes
        ]
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
