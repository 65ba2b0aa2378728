"""Cross-module constants: ``from .settings import KEY_BITS`` resolved to a file under the root."""

from __future__ import annotations

import ast
import os
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
from analyzer.engines.python.module_values import ExternalConstant, TableEntry

if TYPE_CHECKING:
    from analyzer.engines.python.module_facts import ModuleFacts
    from analyzer.engines.python.module_store import SharedModules
    from analyzer.engines.python.summaries import FunctionSummary, LocalSummary, Target

# A summary, the dependencies it was made from, and whether the depth bound cut it short.
Summarised = tuple["FunctionSummary | None", Dependencies, bool]

# Levels of summaries a request computes: the function asked for and the functions it calls,
# to this depth (which also cuts a recursion).
MAX_SUMMARY_DEPTH = 4


def _parse(source: bytes) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


class ModuleResolver:
    """Maps imports to files below ``root`` (or ``root/src``) and caches their constants.

    While ``uses`` is set, every answer is noted in it: the import answers and the files read
    that the current module's result depends on (see ``dependencies``)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.uses: Dependencies | None = None
        self._rows: dict[Path, list[Any]] = {}
        self._verified: dict[tuple[str, str], bool] = {}
        # What each module read holds (None: unreadable or not Python), from its one parse.
        self._facts: dict[Path, ModuleFacts | None] = {}
        # Summaries the depth bound never cut, with the smallest budget that made them: the
        # same for every larger budget. Those it cut are kept per budget in ``_bounded``.
        self._functions: dict[Path, dict[str, tuple[int, Summarised]]] = {}
        self._bounded: dict[tuple[Path, str, int], Summarised] = {}
        self._budget = MAX_SUMMARY_DEPTH
        self._exhausted = False
        self._files: dict[tuple[str, int, str], Path | None] = {}
        self._inside = str(self.root).rstrip(os.sep) + os.sep
        self._crypto: dict[Path, bool] = {}
        self._analysed: dict[Path, bool] = {}
        self._analysed_uses: dict[Path, Dependencies] = {}
        self._top: frozenset[str] | None = None
        self._shared: SharedModules | None = None

    def share(self, folder: Path | None) -> None:
        """Read and publish module facts through ``folder``, shared with the scan's other
        worker processes (None: this process alone)."""
        if folder is None:
            self._shared = None
        elif self._shared is None or self._shared.directory != folder:
            from analyzer.engines.python.module_store import SharedModules

            self._shared = SharedModules(folder)

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
        facts = self._consult(file)
        return facts.constants if facts is not None else {}

    def _consult(self, file: Path) -> ModuleFacts | None:
        """What ``file`` holds (read the first time), noted as a dependency of the current
        answer."""
        if file not in self._facts:
            self._facts[file] = self._read(file)
            self._functions[file] = {}
        self._used(file)
        return self._facts[file]

    def _read(self, file: Path) -> ModuleFacts | None:
        """Parse ``file`` once for everything callers ask of it; the parse is not kept."""
        from analyzer.engines.python.module_facts import module_facts
        from analyzer.engines.python.table import load_table

        try:
            rel = file.relative_to(self.root).as_posix()
            data = self._bytes(file)
        except (ValueError, OSError):
            return None

        def make() -> ModuleFacts | None:
            tree = _parse(data)
            return module_facts(tree, rel, load_table()) if tree is not None else None

        return make() if self._shared is None else self._shared.get_or_make(file, make)

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
            facts = self._facts.get(file)
            local = None if facts is None else facts.functions.get(name)
            if local is None:
                return None
            done = self._summarise(file, local.summary.path, local, budget)
        found, uses, exhausted = done
        self._exhausted = self._exhausted or exhausted
        if self.uses is not None:
            self.uses.update(uses)
        return found

    def _summarise(self, file: Path, rel: str, local: LocalSummary, budget: int) -> Summarised:
        from analyzer.engines.python import summaries

        name = local.summary.name
        outer_uses, self.uses = self.uses, Dependencies()
        outer_exhausted, self._exhausted = self._exhausted, False
        self._budget = budget - 1
        try:
            found = summaries.compose(local, partial(self._callee, file, rel))
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
        facts = self._consult(file)
        return None if facts is None else facts.tables.get(name)

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
        imports a crypto library or ``random`` (a byte test; each file is read once)."""
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
        from analyzer.engines.python.prefilter import imports_crypto_library, imports_weak_random

        if file not in self._crypto:
            try:
                data = self._bytes(file)
                self._crypto[file] = imports_crypto_library(data) or imports_weak_random(data)
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
            facts = self._consult(file)
            found = self._summary(file, name)
            head, dot, rest = name.partition(".")
            if found is not None or facts is None or head not in facts.reexports:
                return found
            from_path = facts.rel
            level, module, head = facts.reexports[head]
            name = f"{head}{dot}{rest}"
        return None

    def star_exports(self, from_path: str, level: int, module: str) -> frozenset[str] | None:
        """The names ``from module import *`` binds (see :func:`star_names`); None when the
        module is not in the tree or they are not known."""
        file = self._module_file(from_path, level, module)
        if file is None:
            return None
        facts = self._consult(file)
        return None if facts is None else facts.exported

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
