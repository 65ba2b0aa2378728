"""Where a key sits decides how loud it is: documentation (prose files, docstrings, JavaDoc and
JSDoc comments) is marked so, and the policy's ``documentation_level`` decides its level;
published test vectors are test code whose expected outputs are never keys.
"""

from __future__ import annotations

import ast
import re
from pathlib import PurePosixPath
from typing import Literal

from analyzer.findings.model import DOCUMENTATION_CONTEXT

Context = Literal["code", "documentation", "test-vector"]

DOCUMENTATION = DOCUMENTATION_CONTEXT
TEST_VECTOR = "test-vector"
# Prose and markup: keys there are examples for a reader.
DOCUMENTATION_SUFFIXES = frozenset({".md", ".markdown", ".rst", ".txt", ".adoc", ".html", ".htm"})
# Languages whose ``/** ... */`` comments are documentation (JavaDoc, JSDoc, KDoc, Doxygen).
_DOC_COMMENT_SUFFIXES = frozenset(
    {".java", ".kt", ".kts", ".scala", ".groovy", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx"}
    | {".mts", ".cts", ".cs", ".go", ".c", ".h", ".cc", ".cpp", ".hpp", ".swift", ".php", ".rs"}
)
_DOC_COMMENT = re.compile(r"/\*\*(?!/).*?\*/", re.DOTALL)
# C#'s XML documentation and Rust's doc comments: ``///`` lines.
_DOC_LINE = re.compile(r"^[ \t]*///(?!/)", re.MULTILINE)
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


def documentation_lines(path: str, text: str) -> set[int]:
    """Line numbers inside documentation in code: Python docstrings, ``/** ... */`` comments,
    ``///`` doc-comment lines."""
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in (".py", ".pyi"):
        return _docstring_lines(text)
    if suffix not in _DOC_COMMENT_SUFFIXES:
        return set()
    lines: set[int] = set()
    for match in _DOC_COMMENT.finditer(text) if "/**" in text else ():
        first = text.count("\n", 0, match.start()) + 1
        lines.update(range(first, first + match[0].count("\n") + 1))
    for match in _DOC_LINE.finditer(text) if "///" in text else ():
        lines.add(text.count("\n", 0, match.start()) + 1)
    return lines


def _docstring_lines(text: str) -> set[int]:
    """Line numbers inside the docstrings of a Python module (empty when it does not parse)."""
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
