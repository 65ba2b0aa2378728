"""The read-only walk calls a visitor's hooks on the same nodes, in the same order, as LibCST's
own ``visit``: on every Python fixture and on syntax that exercises unusual child orders."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from analyzer.engines.python.walk import fast
from analyzer.engines.python.walk.fast import walk
from tests.conftest import FIXTURES

# Child orders that differ from the fields' declaration order (conditional expressions,
# decorators, comprehensions, f-strings with format specs, star imports, PEP 695).
ODD_SHAPES = """
from . import *
from os.path import (join as j, split)
x = a if b else c
y = [f(v) for v in w if v if not v]
z = {k: v for k, v in items}
s = f"{x!r:>{width}} {y=}"
lam = lambda p=1, *a, k=2, **kw: p
@decorate(1)
@other
async def g(a, /, b: int = 2, *, c) -> int:
    async with m() as (p, q):
        yield from h()
    try:
        pass
    except* ValueError as e:
        del e
    match a:
        case [1, *rest] if rest:
            pass
        case {"k": v, **others}:
            pass
    return (x := 3)
class C[T](Base, metaclass=M):
    type Alias[U] = list[U]
    n: int = 1
    def m(self): self.x, *self.y = z
global_name: "str"
while (i := i - 1) > 0:
    i += 1
else:
    pass
"""


def _recorder(
    only: frozenset[str] | None = None,
) -> tuple[cst.CSTVisitor, list[tuple[str, str, int]]]:
    """A visitor with a visit_ and leave_ hook for every node class (or those named in
    ``only``), logging each call."""
    events: list[tuple[str, str, int]] = []
    methods: dict[str, object] = {}
    classes = [c for c in vars(cst).values() if isinstance(c, type) and issubclass(c, cst.CSTNode)]
    for cls in classes:
        if only is not None and cls.__name__ not in only:
            continue
        name = cls.__name__

        def enter(self: object, node: cst.CSTNode, name: str = name) -> None:
            events.append(("visit", name, id(node)))

        def leave(self: object, node: cst.CSTNode, name: str = name) -> None:
            events.append(("leave", name, id(node)))

        methods[f"visit_{name}"] = enter
        methods[f"leave_{name}"] = leave
    recorder = type("Recorder", (cst.CSTVisitor,), methods)()
    return recorder, events


def _same_walk(module: cst.Module, only: frozenset[str] | None = None) -> int:
    """The number of hook calls, once both walks made the same ones."""
    ours, ours_events = _recorder(only)
    theirs, theirs_events = _recorder(only)
    walk(module, ours)
    module.visit(theirs)
    assert ours_events == theirs_events
    return len(ours_events)


def test_odd_shapes_are_walked_as_libcst_walks_them() -> None:
    assert _same_walk(cst.parse_module(ODD_SHAPES)) > 1000


@pytest.mark.parametrize(
    "path",
    sorted((FIXTURES / "python").rglob("*.py")),
    ids=lambda p: p.relative_to(FIXTURES).as_posix(),
)
def test_fixtures_are_walked_as_libcst_walks_them(path: Path) -> None:
    try:
        module = cst.parse_module(path.read_text())
    except cst.ParserSyntaxError:
        pytest.skip("a fixture that is meant not to parse")
    _same_walk(module)


def test_a_visitor_that_stops_descending_still_leaves() -> None:
    events: list[str] = []

    class Shallow(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            events.append(f"def {node.name.value}")
            return False

        def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
            events.append("leave def")

        def visit_Call(self, node: cst.Call) -> None:
            events.append("call")

    module = cst.parse_module("def f():\n    g()\nh()\n")
    walk(module, Shallow())
    assert events == ["def f", "leave def", "call"]


def test_a_visitor_with_attribute_hooks_is_walked_by_libcst() -> None:
    seen: list[str] = []

    class Attributes(cst.CSTVisitor):
        def visit_Call_func(self, node: cst.Call) -> None:
            seen.append("func")

    walk(cst.parse_module("f(x)\n"), Attributes())
    assert seen == ["func"]


def test_whitespace_is_not_entered_unless_the_visitor_hooks_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whitespace and token subtrees (most of a tree) are skipped by a visitor without hooks
    for them; a hooked token class (``Comma``) is still visited, as LibCST visits it."""
    entered: list[str] = []
    real_order = fast._order

    def recording(cls: type) -> tuple[str, ...] | None:
        entered.append(cls.__name__)
        return real_order(cls)

    monkeypatch.setattr(fast, "_order", recording)
    module = cst.parse_module(ODD_SHAPES)
    assert _same_walk(module, frozenset({"Name", "Call", "Comma"})) > 100
    assert "Comma" in entered and "SimpleWhitespace" not in entered
    assert "Newline" not in entered and "TrailingWhitespace" not in entered
