"""Where a key sits decides how loud it is: documentation (prose files, docstrings) is reported at
note level, published test vectors are test code whose expected outputs are never keys.
"""

from __future__ import annotations

import ast
import re
from pathlib import PurePosixPath
from typing import Literal

Context = Literal["code", "documentation", "test-vector"]

DOCUMENTATION = "documentation"
TEST_VECTOR = "test-vector"
# Prose and markup: keys there are examples for a reader; reported at this level, never error.
DOCUMENTATION_SUFFIXES = frozenset({".md", ".markdown", ".rst", ".txt", ".adoc", ".html", ".htm"})
DOCUMENTATION_LEVEL: Literal["note", "warning"] = "note"
_VECTOR_PATH = re.compile(
    r"(^|/)(test[_-]?vectors?|testvectors?|wycheproof|kat)(/|$)|[_-]test[_-]?vectors?\.|"
    r"(^|/)test[_-]?vectors?[^/]*\.(json|ya?ml|txt|rsp)$",
    re.IGNORECASE,
)
# Wycheproof's layout, and the common {"vectors"/"testCases": [...]} files of expected values.
_VECTOR_CONTENT = re.compile(r'"(testGroups|numberOfTests|test_vectors|testVectors|testCases)"\s*:')
# Members of a vector that a primitive computed: outputs, never a key that protects anything.
OUTPUT_WORDS = frozenset(
    {"expected", "output", "result", "derived", "okm", "computed", "shared", "ct", "tag"}
)


def file_context(path: str, text: str) -> Context:
    """``documentation`` for prose, ``test-vector`` for published vectors, else ``code``."""
    pure = PurePosixPath(path)
    if pure.suffix.lower() in DOCUMENTATION_SUFFIXES:
        return "documentation"
    if _VECTOR_PATH.search(path) or (
        pure.suffix.lower() in (".json", ".yaml", ".yml") and _VECTOR_CONTENT.search(text[:65536])
    ):
        return "test-vector"
    return "code"


def docstring_lines(path: str, text: str) -> set[int]:
    """Line numbers inside the docstrings of a Python module (empty when it does not parse)."""
    if PurePosixPath(path).suffix not in (".py", ".pyi"):
        return set()
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    lines: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        first = node.body[0] if node.body else None
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines
