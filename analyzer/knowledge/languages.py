"""The one table of languages: which files are which language, and which engines read them.

Adding a language is one row here plus the engine's rules and fixtures; the pipeline asks this
table which engines a file needs and never names an engine itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Engines that read every file, whatever its language (key material can sit anywhere).
EVERY_FILE_ENGINES: tuple[str, ...] = ("secrets",)


@dataclass(frozen=True)
class Language:
    """One row: a language, the files that are written in it, and the engines that read it."""

    name: str
    engines: tuple[str, ...]
    suffixes: frozenset[str] = frozenset()
    # Files of these suffixes are this language only when their first bytes match (CloudFormation
    # is YAML or JSON that declares a template).
    content: re.Pattern[bytes] | None = None
    name_prefixes: tuple[str, ...] = ()
    # The folder of rules/semgrep/ that holds the language's rules (TypeScript shares JavaScript's).
    rules: str | None = None
    # Bytes that every file of this language an engine reports on contains (the engines' shared
    # prefilter); None: each engine's own prefilter decides.
    prefilter: re.Pattern[bytes] | None = None
    # A file of this language that matches is test code whatever its path: it imports a test
    # framework (pytest, unittest, JUnit, Go's testing, ...).
    test_content: re.Pattern[str] | None = None


# A CloudFormation resource of a type keyguard checks: ``Type: AWS::KMS::Key`` in YAML or JSON.
_CFN_RESOURCE = rb"""["']?Type["']?[ \t]*:[ \t]*["']?AWS::(?:KMS|IAM)::"""
_CLOUDFORMATION = re.compile(rb"AWSTemplateFormatVersion|" + _CFN_RESOURCE)
# Infrastructure that can declare a key or a policy keyguard checks.
_INFRASTRUCTURE = re.compile(
    rb"kms|key_vault|tls_private_key|policy|rotation|key_spec|module|" + _CFN_RESOURCE
)

# Imports of a test framework, at the start of a line (in a JS/TS file anywhere on it).
_PYTHON_TESTS = re.compile(
    r"^[ \t]*(?:import[ \t]+(?:pytest|unittest)\b|from[ \t]+(?:pytest|unittest)\b"
    r"|from[ \t]+[\w.]+[ \t]+import[ \t]+unittest\b)",
    re.MULTILINE,
)
_JVM_TESTS = re.compile(
    r"^[ \t]*import[ \t]+(?:static[ \t]+)?(?:org\.junit|junit\.framework|org\.testng|io\.kotest"
    r"|kotlin\.test)\.",
    re.MULTILINE,
)
_GO_TESTS = re.compile(r'^[ \t]*(?:import[ \t]+)?"testing"[ \t]*$', re.MULTILINE)
_JS_TESTS = re.compile(
    r"""(?:\bfrom|\brequire\()[ \t]*['"](?:vitest|@jest/globals|mocha|chai|ava|tap|node:test"""
    r"""|@playwright/test)['"]"""
)
_CSHARP_TESTS = re.compile(
    r"^[ \t]*using[ \t]+(?:Xunit|NUnit\.Framework|Microsoft\.VisualStudio\.TestTools\.UnitTesting)"
    r"[ \t]*;",
    re.MULTILINE,
)

LANGUAGES: tuple[Language, ...] = (
    Language("python", ("python",), frozenset({".py", ".pyi", ".pyw"}), test_content=_PYTHON_TESTS),
    Language("java", ("semgrep",), frozenset({".java"}), rules="java", test_content=_JVM_TESTS),
    Language(
        "kotlin", ("semgrep",), frozenset({".kt", ".kts"}), rules="kotlin", test_content=_JVM_TESTS
    ),
    Language("go", ("semgrep",), frozenset({".go"}), rules="go", test_content=_GO_TESTS),
    Language(
        "javascript",
        ("semgrep",),
        frozenset({".js", ".jsx", ".mjs", ".cjs"}),
        rules="javascript",
        test_content=_JS_TESTS,
    ),
    Language(
        "typescript",
        ("semgrep",),
        frozenset({".ts", ".tsx", ".mts", ".cts"}),
        rules="javascript",
        test_content=_JS_TESTS,
    ),
    Language(
        "csharp", ("semgrep",), frozenset({".cs"}), rules="csharp", test_content=_CSHARP_TESTS
    ),
    Language(
        "terraform",
        ("semgrep", "iac"),
        frozenset({".tf"}),
        rules="terraform",
        prefilter=_INFRASTRUCTURE,
    ),
    Language(
        "cloudformation",
        ("semgrep", "iac"),
        frozenset({".yaml", ".yml", ".json", ".template"}),
        content=_CLOUDFORMATION,
        rules="cloudformation",
        prefilter=_INFRASTRUCTURE,
    ),
    # Configuration and key files: no code engine, but certainly read for key material.
    Language(
        "config",
        (),
        frozenset(
            {".yaml", ".yml", ".json", ".template", ".env", ".properties", ".cfg", ".ini"}
            | {".conf", ".toml", ".xml", ".pem", ".key", ".ppk", ".p8"}
        ),
        name_prefixes=(".env", "id_"),
    ),
)

BY_NAME: dict[str, Language] = {language.name: language for language in LANGUAGES}

# Folders a scan never enters: version control, environments, caches, build output.
SKIP_DIRS: frozenset[str] = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        ".eggs",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        ".keyguard",
        ".terraform",
        "build",
        "dist",
        ".gradle",
        ".idea",
    }
)


def _suffix(name: str) -> str:
    """``PurePath(name).suffix``, lower-cased, without building a path object."""
    dot = name.rfind(".")
    return name[dot:].lower() if 0 < dot < len(name) - 1 else ""


_BY_SUFFIX: dict[str, tuple[Language, ...]] = {}
for _language in LANGUAGES:
    for _s in _language.suffixes:
        _BY_SUFFIX[_s] = (*_BY_SUFFIX.get(_s, ()), _language)
_BY_NAME_PREFIX: tuple[Language, ...] = tuple(lang for lang in LANGUAGES if lang.name_prefixes)


def could_be(rel: str) -> tuple[Language, ...]:
    """The languages a file's name allows, those told by content included (table order)."""
    name = rel.rsplit("/", 1)[-1]
    found = _BY_SUFFIX.get(_suffix(name), ())
    named = tuple(
        lang
        for lang in _BY_NAME_PREFIX
        if lang not in found and name.startswith(lang.name_prefixes)
    )
    if not named:
        return found
    return tuple(lang for lang in LANGUAGES if lang in found or lang in named)


def language_of(rel: str, head: bytes | None = None) -> Language | None:
    """The language of a file by its name, and by its first bytes where the name cannot tell.

    Without ``head`` a language that needs the content is not chosen.
    """
    for language in could_be(rel):
        if language.content is None:
            return language
        if head is not None and language.content.search(head):
            return language
    return None


def language_name(rel: str, head: bytes | None = None) -> str | None:
    """The name of a file's language (see ``language_of``), or None."""
    language = language_of(rel, head)
    return language.name if language else None


def needs_content(rel: str) -> bool:
    """Whether a file's language depends on its bytes (a YAML file may be CloudFormation)."""
    return any(language.content is not None for language in could_be(rel))


def is_source(rel: str) -> bool:
    """A file some engine reads for sure: code, infrastructure, configuration or key files."""
    return bool(could_be(rel))


def engines_for(rel: str, head: bytes | None = None) -> tuple[str, ...]:
    """The engines that read a file: those of its language, then those that read every file."""
    language = language_of(rel, head)
    return (language.engines if language else ()) + EVERY_FILE_ENGINES


def is_test_content(rel: str, text: str) -> bool:
    """Whether a file is test code by what it imports (a Python module importing pytest)."""
    language = language_of(rel)
    return bool(language and language.test_content and language.test_content.search(text))


def languages_of_engine(engine: str) -> frozenset[str]:
    """The languages an engine reads."""
    return frozenset(language.name for language in LANGUAGES if engine in language.engines)
