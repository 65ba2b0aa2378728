"""What the resolver keeps of a module of the project: everything callers in other modules ask
of it, computed from its one parse, so that the parse itself can be let go."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from analyzer.engines.python.module_values import (
    ExternalConstant,
    TableEntry,
    constants_of_tree,
    star_names,
    tables_of_tree,
)
from analyzer.engines.python.summaries import (
    LocalSummary,
    local_summaries,
    module_index,
    reexports,
)
from analyzer.engines.python.table import Table


@dataclass(frozen=True)
class ModuleFacts:
    """A module's constants, literal tables, star-import names, re-exports and the summaries
    of its functions and classes before their callees are known."""

    rel: str
    constants: dict[str, ExternalConstant]
    tables: dict[str, tuple[TableEntry, ...]]
    exported: frozenset[str] | None
    reexports: dict[str, tuple[int, str, str]]
    functions: dict[str, LocalSummary]


def module_facts(tree: ast.Module, rel: str, table: Table) -> ModuleFacts:
    return ModuleFacts(
        rel,
        constants_of_tree(tree, rel),
        tables_of_tree(tree, rel),
        star_names(tree),
        reexports(tree),
        local_summaries(module_index(tree), rel, table),
    )
