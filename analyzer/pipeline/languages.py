"""Which engine looks at a file, decided by its name."""

from __future__ import annotations

from pathlib import PurePosixPath

PYTHON_SUFFIXES: frozenset[str] = frozenset({".py", ".pyi", ".pyw"})

SEMGREP_LANGUAGES: dict[str, str] = {
    ".java": "java",
    ".kt": "kotlin",
    ".kts": "kotlin",
    ".go": "go",
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ts": "typescript",
    ".tsx": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".cs": "csharp",
    ".tf": "terraform",
}


CONFIG_SUFFIXES: frozenset[str] = frozenset(
    {
        ".yaml",
        ".yml",
        ".json",
        ".template",
        ".tf",
        ".env",
        ".properties",
        ".cfg",
        ".ini",
        ".conf",
        ".toml",
        ".xml",
        ".pem",
        ".key",
        ".ppk",
        ".p8",
    }
)


def is_source(rel: str) -> bool:
    """A file some engine reads for sure: code, infrastructure, configuration or key files."""
    path = PurePosixPath(rel)
    suffix = path.suffix.lower()
    return (
        suffix in PYTHON_SUFFIXES
        or suffix in SEMGREP_LANGUAGES
        or suffix in CONFIG_SUFFIXES
        or path.name.startswith((".env", "id_"))
    )


def is_python(rel: str) -> bool:
    return PurePosixPath(rel).suffix.lower() in PYTHON_SUFFIXES


def semgrep_language(rel: str) -> str | None:
    """The Semgrep language of a file, or None when Semgrep has no rules for it."""
    return SEMGREP_LANGUAGES.get(PurePosixPath(rel).suffix.lower())


def iac_language(rel: str, head: bytes) -> str | None:
    """``terraform`` or ``cloudformation`` (YAML/JSON only when the content is a template)."""
    from analyzer.engines.iac.engine import iac_kind

    return iac_kind(rel, head)
