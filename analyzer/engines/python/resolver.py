"""Cross-module constants: ``from .settings import KEY_BITS`` resolved to a file under the root."""

from __future__ import annotations

import ast
import base64
import binascii
import operator
import os
from collections import OrderedDict
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.engines.python.dependencies import (
    FILE,
    MODULE,
    UNREADABLE,
    Dependencies,
    file_row,
    unchanged,
)

if TYPE_CHECKING:
    from analyzer.engines.python.summaries import FunctionSummary, ModuleIndex, Target

# A summary, the dependencies it was made from, and whether the depth bound cut it short.
Summarised = tuple["FunctionSummary | None", Dependencies, bool]

# Source bytes whose parses the resolver keeps (about 50 times as much memory); beyond it the
# least recently used parse is let go and made again if asked for.
MAX_KEPT_SOURCE = 4_000_000
# Levels of summaries a request computes: the function asked for and the functions it calls,
# to this depth (which also cuts a recursion).
MAX_SUMMARY_DEPTH = 4

_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.Pow: operator.pow,
}


@dataclass(frozen=True)
class ExternalConstant:
    """A module-level constant of another file: its value and where it was assigned."""

    value: int | str | bytes
    path: str
    line: int
    column: int


@dataclass(frozen=True)
class TableEntry:
    """One entry of a module-level literal table: its key (dicts), and its value or, when
    ``names``, the last part of the name it refers to (``ec.SECP256R1()`` -> ``SECP256R1``)."""

    key: int | str | bytes | None
    value: int | str | bytes
    names: bool
    path: str
    line: int
    column: int


def _named(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call) and not node.args and not node.keywords:
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else None


def tables_of_tree(tree: ast.Module, rel_path: str) -> dict[str, tuple[TableEntry, ...]]:
    """Module-level names assigned once to a literal dict, tuple or list, with their entries."""
    counts: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            counts[node.id] = counts.get(node.id, 0) + 1
    out: dict[str, tuple[TableEntry, ...]] = {}
    for stmt in tree.body:
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
            continue
        target, value = stmt.targets[0], stmt.value
        if not isinstance(target, ast.Name) or counts.get(target.id) != 1:
            continue
        if isinstance(value, ast.Dict):
            pairs = [(k, v) for k, v in zip(value.keys, value.values, strict=True) if k]
        elif isinstance(value, (ast.Tuple, ast.List)):
            pairs = [(ast.Constant(i), v) for i, v in enumerate(value.elts)]
        else:
            continue
        entries: list[TableEntry] = []
        for key_node, item in pairs:
            key = _evaluate(key_node, {}) if key_node is not None else None
            constant = _evaluate(item, {})
            name = None if constant is not None else _named(item)
            if constant is None and name is None:
                continue
            shown = constant if constant is not None else name
            assert shown is not None
            line, column = item.lineno, item.col_offset + 1
            entries.append(TableEntry(key, shown, name is not None, rel_path, line, column))
        out[target.id] = tuple(entries)
    return out


# Calls that decode a literal into key bytes (a subset of python_apis.toml's [flow] decoders).
_DECODERS = {
    "bytes.fromhex": bytes.fromhex,
    "base64.b64decode": base64.b64decode,
    "base64.urlsafe_b64decode": base64.urlsafe_b64decode,
    "binascii.unhexlify": binascii.unhexlify,
}


def _decoded(call: ast.Call, known: dict[str, ExternalConstant]) -> bytes | None:
    """``"...".encode()``, ``bytes.fromhex("...")``: a literal decoded at import time."""
    func = call.func
    if call.keywords or len(call.args) > 1 or not isinstance(func, ast.Attribute):
        return None
    given = [_evaluate(a, known) for a in call.args]
    try:
        if func.attr == "encode":
            text = _evaluate(func.value, known)
            coding = given[0] if given else "utf-8"
            return (
                text.encode(coding) if isinstance(text, str) and isinstance(coding, str) else None
            )
        decode = _DECODERS.get(f"{_named(func.value)}.{func.attr}")
        return decode(given[0]) if decode and given and isinstance(given[0], str) else None
    except (ValueError, LookupError):  # binascii.Error is a ValueError
        return None


def _evaluate(node: ast.expr, known: dict[str, ExternalConstant]) -> int | str | bytes | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, str, bytes)):
        return None if isinstance(node.value, bool) else node.value
    if isinstance(node, ast.Call):
        return _decoded(node, known)
    if isinstance(node, ast.Name) and node.id in known:
        return known[node.id].value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _evaluate(node.operand, known)
        return -value if isinstance(value, int) else None
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left, right = _evaluate(node.left, known), _evaluate(node.right, known)
        if isinstance(left, int) and isinstance(right, int):
            if isinstance(node.op, ast.Pow) and (right > 64 or right < 0):
                return None
            if isinstance(node.op, (ast.LShift,)) and right > 64:
                return None
            try:
                return _BINOPS[type(node.op)](left, right)
            except (ZeroDivisionError, ValueError, OverflowError):
                return None
        if isinstance(node.op, ast.Add) and type(left) is type(right) and left is not None:
            return left + right  # type: ignore[operator]
    return None


def star_names(tree: ast.Module) -> frozenset[str] | None:
    """The names ``from module import *`` binds: a literal ``__all__``, else every public
    name the module body defines or imports; None when that is not known (an ``__all__``
    computed at run time, a star import of its own)."""
    from analyzer.engines.python.summaries import module_level

    statements = module_level(tree.body)
    defined: set[str] = set()
    for stmt in statements:
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in stmt.targets
        ):
            if isinstance(stmt.value, (ast.List, ast.Tuple)) and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in stmt.value.elts
            ):
                return frozenset(e.value for e in stmt.value.elts)  # type: ignore[union-attr]
            return None
    for stmt in statements:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(stmt.name)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            if any(a.name == "*" for a in stmt.names):
                return None
            defined.update((a.asname or a.name).split(".")[0] for a in stmt.names if a.name != "*")
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            defined.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return frozenset(n for n in defined if not n.startswith("_"))


def module_constants(source: bytes, rel_path: str) -> dict[str, ExternalConstant]:
    """Module-level names assigned exactly once to an evaluable constant."""
    tree = _parse(source)
    return constants_of_tree(tree, rel_path) if tree is not None else {}


def _parse(source: bytes) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def constants_of_tree(tree: ast.Module, rel_path: str) -> dict[str, ExternalConstant]:
    """Module-level names of a parsed module assigned exactly once to an evaluable constant."""
    counts: dict[str, int] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            counts[stmt.name] = counts.get(stmt.name, 0) + 1
            continue
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                counts[node.id] = counts.get(node.id, 0) + 1
            elif isinstance(node, ast.alias):
                local = node.asname or node.name.split(".")[0]
                counts[local] = counts.get(local, 0) + 1
    known: dict[str, ExternalConstant] = {}
    for stmt in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            target, value = stmt.target, stmt.value
        if not isinstance(target, ast.Name) or value is None or counts.get(target.id) != 1:
            continue
        result = _evaluate(value, known)
        if result is not None:
            known[target.id] = ExternalConstant(result, rel_path, stmt.lineno, stmt.col_offset + 1)
    return known


class ModuleResolver:
    """Maps imports to files below ``root`` (or ``root/src``) and caches their constants.

    While ``uses`` is set, every answer is noted in it: the import answers and the files read
    that the current module's result depends on (see ``dependencies``)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.uses: Dependencies | None = None
        self._rows: dict[Path, list[Any]] = {}
        self._verified: dict[tuple[str, str], bool] = {}
        self._cache: dict[Path, dict[str, ExternalConstant]] = {}
        # Summaries the depth bound never cut, with the smallest budget that made them: the
        # same for every larger budget. Those it cut are kept per budget in ``_bounded``.
        self._functions: dict[Path, dict[str, tuple[int, Summarised]]] = {}
        self._bounded: dict[tuple[Path, str, int], Summarised] = {}
        self._indexes: dict[Path, ModuleIndex] = {}
        self._budget = MAX_SUMMARY_DEPTH
        self._exhausted = False
        self._reexports: dict[Path, dict[str, tuple[int, str, str]]] = {}
        # Parses kept for summaries, tables and constants, least recently used first.
        self._trees: OrderedDict[Path, tuple[ast.Module, str]] = OrderedDict()
        self._sizes: dict[Path, int] = {}
        self._kept_bytes = 0
        self._evicted: set[Path] = set()
        self.reparsed = 0
        self._tables: dict[Path, dict[str, tuple[TableEntry, ...]]] = {}
        self._exported: dict[Path, frozenset[str] | None] = {}
        self._files: dict[tuple[str, int, str], Path | None] = {}
        self._inside = str(self.root).rstrip(os.sep) + os.sep
        self._crypto: dict[Path, bool] = {}
        self._analysed: dict[Path, bool] = {}
        self._analysed_uses: dict[Path, Dependencies] = {}
        self._top: frozenset[str] | None = None

    def _module_file(self, from_path: str, level: int, module: str) -> Path | None:
        """The file ``module`` names from ``from_path``, cached per directory (imports repeat)."""
        key = (from_path.rpartition("/")[0], level, module)
        if key not in self._files:
            parts = [p for p in module.split(".") if p]
            self._files[key] = self._file(self._bases(from_path, level), parts)
        found = self._files[key]
        if self.uses is not None:
            self.uses.module(key, from_path, None if found is None else self._name(found))
        return found

    def _name(self, file: Path) -> str:
        """``file`` relative to the root (absolute when outside it), as dependencies record it."""
        text = str(file)
        if text.startswith(self._inside):
            return text[len(self._inside) :].replace(os.sep, "/")
        return file.as_posix()

    def _used(self, file: Path) -> None:
        if self.uses is not None and file in self._rows:
            self.uses.file(self._name(file), self._rows[file])

    # Paths as text below: a warm re-scan asks thousands of import answers again, and pathlib's
    # objects cost more than the ``stat`` calls that answer them.
    def _file(self, bases: list[str], parts: list[str]) -> Path | None:
        for base in bases:
            if parts:
                target = os.path.join(base, *parts)
                candidates: tuple[str, ...] = (target + ".py", os.path.join(target, "__init__.py"))
            else:
                candidates = (os.path.join(base, "__init__.py"),)
            for candidate in candidates:
                if os.path.isfile(candidate):
                    return Path(candidate)
        return None

    def _bases(self, from_path: str, level: int) -> list[str]:
        root = str(self.root)
        here = os.path.dirname(os.path.join(root, *from_path.split("/")))
        if level > 0:
            for _ in range(level - 1):
                here = os.path.dirname(here)
            return [here]
        bases = [root, os.path.join(root, "src")]
        walker = here
        while walker != root and walker.startswith(self._inside):
            bases.append(walker)
            walker = os.path.dirname(walker)
        return bases

    def constants_of(self, file: Path) -> dict[str, ExternalConstant]:
        self._consult(file)
        if file not in self._cache:
            tree = self._kept(file)
            self._cache[file] = constants_of_tree(*tree) if tree is not None else {}
        return self._cache[file]

    def _consult(self, file: Path) -> None:
        """Read ``file`` the first time, and note it as a dependency of the current answer."""
        if file not in self._functions:
            self._read(file)
        self._used(file)

    def _kept(self, file: Path) -> tuple[ast.Module, str] | None:
        """The parse of a file already read: kept, or made again when the bound on kept
        parses let it go."""
        if file in self._trees:
            self._trees.move_to_end(file)
            return self._trees[file]
        if file not in self._evicted:
            return None
        try:
            tree = _parse(self._bytes(file))
        except OSError:
            return None
        if tree is None:
            return None
        self.reparsed += 1
        return self._keep(file, tree, file.relative_to(self.root).as_posix())

    def _keep(self, file: Path, tree: ast.Module, rel: str) -> tuple[ast.Module, str]:
        """Keep a parse, letting the least recently used ones go beyond MAX_KEPT_SOURCE bytes
        of source (a module's ``ast`` takes about fifty times its source in memory)."""
        size = self._sizes[file]
        self._trees[file] = (tree, rel)
        self._kept_bytes += size
        while self._kept_bytes > MAX_KEPT_SOURCE and len(self._trees) > 1:
            oldest, _ = self._trees.popitem(last=False)
            self._indexes.pop(oldest, None)
            self._evicted.add(oldest)
            self._kept_bytes -= self._sizes[oldest]
        return self._trees[file]

    def _read(self, file: Path) -> None:
        """Parse ``file`` for its constants (computed when first asked for), its re-exports
        and its functions' summaries."""
        from analyzer.engines.python.summaries import reexports

        self._functions[file], self._reexports[file] = {}, {}
        try:
            rel = file.relative_to(self.root).as_posix()
        except ValueError:
            return
        try:
            data = self._bytes(file)
        except OSError:
            return
        tree = _parse(data)
        if tree is not None:
            self._reexports[file] = reexports(tree)
            self._sizes[file] = len(data)
            self._keep(file, tree, rel)

    def _summary(self, file: Path, name: str) -> FunctionSummary | None:
        """The summary of one function of ``file`` with the current depth budget.

        The functions it calls are summarised with one level less, so a summary is a function
        of the function and the budget alone, whoever asks first (also through a recursion,
        which the budget ends); each is computed once per budget, once for all budgets when
        the bound never cut it."""
        budget = self._budget
        if budget <= 0:
            self._exhausted = True
            return None
        known = self._functions[file].get(name)
        if known is not None and known[0] <= budget:
            done: Summarised | None = known[1]
        else:
            done = self._bounded.get((file, name, budget))
        if done is None:
            kept = self._kept(file)
            if kept is None:
                return None
            done = self._summarise(file, kept, name, budget)
        found, uses, exhausted = done
        self._exhausted = self._exhausted or exhausted
        if self.uses is not None:
            self.uses.update(uses)
        return found

    def _summarise(
        self, file: Path, kept: tuple[ast.Module, str], name: str, budget: int
    ) -> Summarised:
        from analyzer.engines.python.summaries import function_summary, module_index
        from analyzer.engines.python.table import load_table

        tree, rel = kept
        if file not in self._indexes:
            self._indexes[file] = module_index(tree)
        outer_uses, self.uses = self.uses, Dependencies()
        outer_exhausted, self._exhausted = self._exhausted, False
        self._budget = budget - 1
        try:
            callees = partial(self._callee, file, rel)
            found = function_summary(self._indexes[file], rel, name, load_table(), callees)
        finally:
            self._budget = budget
            uses, self.uses = self.uses, outer_uses
            exhausted, self._exhausted = self._exhausted, outer_exhausted
        done: Summarised = (found, uses, exhausted)
        if exhausted:
            self._bounded[(file, name, budget)] = done
        else:
            self._functions[file][name] = (budget, done)
        return done

    def _callee(self, file: Path, rel: str, target: Target) -> FunctionSummary | None:
        """The summary of what a call in ``file`` names: a function or class of the same
        module (level None) or one it imports."""
        level, module, name = target
        if level is None:
            return self._summary(file, name)
        return self.function(rel, level, module, name)

    def constant(
        self, from_path: str, level: int, module: str, name: str
    ) -> ExternalConstant | None:
        """The value of ``name`` in ``module`` as imported from the file ``from_path``."""
        file = self._module_file(from_path, level, module)
        if file is None:
            return None
        return self.constants_of(file).get(name)

    def entries(
        self, from_path: str, level: int, module: str, name: str
    ) -> tuple[TableEntry, ...] | None:
        """The entries of the literal table ``name`` of ``module`` (computed from the parse
        the constants came from)."""
        file = self._module_file(from_path, level, module)
        if file is None:
            return None
        self._consult(file)
        if file not in self._tables:
            tree = self._kept(file)
            self._tables[file] = tables_of_tree(*tree) if tree is not None else {}
        return self._tables[file].get(name)

    def is_module(self, from_path: str, level: int, module: str) -> bool:
        return self._module_file(from_path, level, module) is not None

    def _top_names(self) -> frozenset[str]:
        """Names an absolute import of the project starts with: packages and modules at the
        root and under ``src``."""
        if self._top is None:
            names: set[str] = set()
            for base in (self.root, self.root / "src"):
                try:
                    names.update(p.name.removesuffix(".py") for p in base.iterdir())
                except OSError:
                    continue
            self._top = frozenset(names)
        return self._top

    def imports_crypto(self, from_path: str, level: int, module: str) -> bool:
        """Whether ``module``, imported from ``from_path``, is a file of the project that
        imports a crypto library (a byte test; each file is read once)."""
        if level == 0 and module.split(".", 1)[0] not in self._top_names():
            return False
        return self._module_imports_crypto(from_path, level, module)

    def _module_imports_crypto(self, from_path: str, level: int, module: str) -> bool:
        parent = module.rpartition(".")[0]
        if parent or (level and module):
            # ``a.b`` is a submodule only when ``a`` is a package (not a module's function)
            above = self._module_file(from_path, level, parent)
            if above is None or above.name != "__init__.py":
                return False
        file = self._module_file(from_path, level, module)
        return file is not None and self._file_imports_crypto(file)

    def analysed(self, from_path: str, level: int, module: str) -> bool:
        """Whether ``module`` is a file of the project that the Python engine's prefilter (or
        its second look) passes, so that the scan analyses it on its own."""
        from analyzer.engines.python.prefilter import python_prefilter
        from analyzer.engines.python.project_imports import second_look

        file = self._module_file(from_path, level, module)
        if file is None:
            return False
        if file not in self._analysed:
            self._analysed[file] = False  # a module importing itself stops here
            outer, self.uses = self.uses, Dependencies()
            try:
                data = self._bytes(file)
                rel = file.relative_to(self.root).as_posix()
                self._analysed[file] = python_prefilter(data) or second_look(rel, data, self)
            except (OSError, ValueError):
                pass
            finally:
                self._analysed_uses[file], self.uses = self.uses, outer
        if self.uses is not None:
            self.uses.update(self._analysed_uses.get(file))
        return self._analysed[file]

    def _file_imports_crypto(self, file: Path) -> bool:
        from analyzer.engines.python.prefilter import imports_crypto_library

        if file not in self._crypto:
            try:
                self._crypto[file] = imports_crypto_library(self._bytes(file))
            except OSError:
                self._crypto[file] = False
        self._used(file)
        return self._crypto[file]

    def _bytes(self, file: Path) -> bytes:
        """A file's bytes, its status kept so that answers drawn from it are recorded as
        dependencies (:meth:`_used`)."""
        try:
            status = file.stat()
            data = file.read_bytes()
        except OSError:
            self._rows.setdefault(file, UNREADABLE)
            raise
        self._rows.setdefault(file, file_row(data, status))
        return data

    def function(
        self, from_path: str, level: int, module: str, name: str
    ) -> FunctionSummary | None:
        """What the function ``name`` of ``module`` (imported from ``from_path``) does with
        its parameters and what it returns. ``module`` may end with a class of the module
        (``keys.PrivateDSA`` for ``PrivateDSA.generate`` after ``from keys import
        PrivateDSA``): the summary is then the class's static or class method's."""
        for _hop in range(4):  # follow re-exports through packages' __init__ files
            file = self._module_file(from_path, level, module)
            if file is None:
                parent, _, owner = module.rpartition(".")
                if not owner or "." in name or not (parent or level):
                    return None
                file = self._module_file(from_path, level, parent)
                if file is None:
                    return None
                module, name = parent, f"{owner}.{name}"
            self._consult(file)
            found = self._summary(file, name)
            head, dot, rest = name.partition(".")
            if found is not None or head not in self._reexports[file]:
                return found
            from_path = file.relative_to(self.root).as_posix()
            level, module, head = self._reexports[file][head]
            name = f"{head}{dot}{rest}"
        return None

    def star_exports(self, from_path: str, level: int, module: str) -> frozenset[str] | None:
        """The names ``from module import *`` binds (see :func:`star_names`); None when the
        module is not in the tree or they are not known."""
        file = self._module_file(from_path, level, module)
        if file is None:
            return None
        self._consult(file)
        if file not in self._exported:
            tree = self._kept(file)
            self._exported[file] = star_names(tree[0]) if tree is not None else None
        return self._exported[file]

    def holds(self, records: list[list[Any]]) -> bool:
        """Whether the import answers and file contents recorded for a cached result are still
        those of the tree (``stat`` calls; a file is hashed only when its status is not trusted)."""
        for record in records:
            if not record or record[0] not in (MODULE, FILE):
                return False
            if record[0] == MODULE:
                _kind, from_path, level, module, answer = record
                found = self._module_file(from_path, level, module)
                if (None if found is None else self._name(found)) != answer:
                    return False
                continue
            _kind, rel, *row = record
            key = (rel, row[-1])
            if key not in self._verified:
                self._verified[key] = unchanged(self.root / rel, row)
            if not self._verified[key]:
                return False
        return True
