"""Every ``[[api]]`` entry of the Python API table is exercised by at least one fixture line.

An entry that no fixture calls is knowledge nobody tests: a typo in its name or a wrong argument
position would go unnoticed. The fixture scan records every qualified name the checks look up.
"""

from __future__ import annotations

import tomllib

import pytest

from analyzer.engines.python.engine import ModuleResolver, analyze_python
from analyzer.engines.python.table import Table, load_table
from analyzer.knowledge.files import knowledge_dir
from analyzer.policy.thresholds import Thresholds
from tests.conftest import FIXTURES

PYTHON_FIXTURES = FIXTURES / "python"


def _entries() -> list[tuple[str, ...]]:
    with (knowledge_dir() / "python_apis.toml").open("rb") as fh:
        data = tomllib.load(fh)
    return [tuple(entry.get("names") or [entry["name"]]) for entry in data["api"]]


@pytest.fixture(scope="module")
def looked_up(monkeypatch_module: pytest.MonkeyPatch) -> set[str]:
    """Every API name of the table that a fixture call resolved to."""
    found: set[str] = set()
    original = Table.lookup
    table = load_table()

    def recording(self: Table, qualname: str):  # type: ignore[no-untyped-def]
        result = original(self, qualname)
        if result is not None:
            found.add(result[0].name)
        return result

    monkeypatch_module.setattr(Table, "lookup", recording)
    resolver = ModuleResolver(PYTHON_FIXTURES)
    for file in sorted(PYTHON_FIXTURES.rglob("*.py")):
        rel = file.relative_to(PYTHON_FIXTURES).as_posix()
        analyze_python(file.read_bytes(), rel, Thresholds(), resolver)
    assert table is load_table()
    return found


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.mark.parametrize("names", _entries(), ids=lambda names: names[0])
def test_api_entry_is_exercised_by_a_fixture(names: tuple[str, ...], looked_up: set[str]) -> None:
    assert looked_up & set(names), (
        f"no line in fixtures/python calls {' or '.join(names)}; add one (with `# expect:` or "
        "`# ok:`) so this entry of python_apis.toml is tested"
    )
