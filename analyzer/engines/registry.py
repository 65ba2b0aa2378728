"""Engine names (as the language table uses them) to engine objects, in the order they run."""

from __future__ import annotations

from analyzer.engines.base import BatchEngine, FileEngine, LinkingEngine, StoreEngine
from analyzer.engines.iac import ENGINE as IAC
from analyzer.engines.python import ENGINE as PYTHON
from analyzer.engines.secrets import ENGINE as SECRETS
from analyzer.engines.semgrep import ENGINE as SEMGREP

# Per-file engines run in this order on each file (their results are combined in this order).
FILE_ENGINES: dict[str, FileEngine] = {e.name: e for e in (PYTHON, IAC, SECRETS)}
BATCH_ENGINES: dict[str, BatchEngine] = {e.name: e for e in (SEMGREP,)}
# Engines with a project step, run once every file's result is in.
LINKING_ENGINES: tuple[LinkingEngine, ...] = tuple(
    e for e in (*FILE_ENGINES.values(), *BATCH_ENGINES.values()) if isinstance(e, LinkingEngine)
)
# Engines that map data stores to the keys protecting them.
STORE_ENGINES: tuple[StoreEngine, ...] = tuple(
    e for e in FILE_ENGINES.values() if isinstance(e, StoreEngine)
)
