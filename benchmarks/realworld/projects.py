"""Load and validate the pinned projects (``projects/*.toml``) and their labels (``labels/*.jsonl``).

Bad input stops the run with an error that names the file and line, so a labeller can fix it at once.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECTS_DIR = HERE / "projects"
LABELS_DIR = HERE / "labels"

ECOSYSTEMS = ("pypi", "npm", "deb")
LANGUAGES = ("python", "javascript", "typescript", "go")
CATEGORIES = (
    "weak-rng",
    "short-key",
    "hardcoded-key",
    "weak-algorithm",
    "unapproved-library",
    "key-governance",
)
LABEL_VALUES = ("positive", "negative")
SCOPES = ("production", "test")
_PROJECT_KEYS = {"name", "ecosystem", "package", "version", "language", "subdir"}
_LABEL_KEYS = {"file", "line", "end_line", "category", "rule", "label", "scope", "why"}


class InputError(ValueError):
    """A project or label file is malformed; the message starts with ``file:line:``."""


@dataclass(frozen=True)
class Project:
    """One pinned project: where to download it and which language it is."""

    name: str
    ecosystem: str
    package: str
    version: str
    language: str
    subdir: str = ""


@dataclass(frozen=True)
class Label:
    """One hand-checked claim about a line of a project (see the spec in benchmarks/README.md)."""

    file: str
    line: int
    end_line: int
    category: str
    label: str
    scope: str
    why: str
    rule: str = ""
    source: str = ""  # "labels/x.jsonl:12", for messages

    @property
    def positive(self) -> bool:
        return self.label == "positive"


def _fail(where: str, message: str) -> InputError:
    return InputError(f"{where}: {message}")


def _check_choice(where: str, key: str, value: object, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise _fail(where, f"{key} must be one of {', '.join(choices)}; got {value!r}")
    return str(value)


def _check_str(where: str, key: str, value: object, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise _fail(where, f"{key} must be a non-empty string; got {value!r}")
    return value


def parse_project(text: str, path: Path) -> Project:
    """A project from the text of its TOML file; its ``name`` must equal the file stem."""
    where = f"{path}:1"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(str(path), f"invalid TOML: {exc}") from exc
    unknown = set(data) - _PROJECT_KEYS
    if unknown:
        raise _fail(where, f"unknown keys {sorted(unknown)}")
    for key in ("name", "ecosystem", "package", "version", "language"):
        if key not in data:
            raise _fail(where, f"missing key {key!r}")
    project = Project(
        name=_check_str(where, "name", data["name"]),
        ecosystem=_check_choice(where, "ecosystem", data["ecosystem"], ECOSYSTEMS),
        package=_check_str(where, "package", data["package"]),
        version=_check_str(where, "version", data["version"]),
        language=_check_choice(where, "language", data["language"], LANGUAGES),
        subdir=_check_str(where, "subdir", data.get("subdir", ""), empty=True),
    )
    if project.name != path.stem:
        raise _fail(where, f"name {project.name!r} differs from the file stem {path.stem!r}")
    if Path(project.subdir).is_absolute() or ".." in Path(project.subdir).parts:
        raise _fail(
            where, f"subdir must be a relative path inside the tree; got {project.subdir!r}"
        )
    return project


def load_project(path: Path) -> Project:
    """The project described by ``path``."""
    return parse_project(path.read_text(encoding="utf-8"), path)


def load_projects(directory: Path = PROJECTS_DIR) -> list[Project]:
    """Every project in ``directory``, sorted by name."""
    return [load_project(p) for p in sorted(directory.glob("*.toml"))]


def parse_label(line_text: str, where: str) -> Label:
    """One label from one JSONL line; ``where`` is ``file:line`` for error messages."""
    try:
        data = json.loads(line_text)
    except json.JSONDecodeError as exc:
        raise _fail(where, f"invalid JSON: {exc.msg} (column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise _fail(where, "a label must be a JSON object")
    unknown = set(data) - _LABEL_KEYS
    if unknown:
        raise _fail(where, f"unknown keys {sorted(unknown)}")
    for key in ("file", "line", "category", "label", "scope", "why"):
        if key not in data:
            raise _fail(where, f"missing key {key!r}")
    file = _check_str(where, "file", data["file"])
    if file.startswith("/") or "\\" in file or ".." in Path(file).parts:
        raise _fail(where, f"file must be relative to the project root with '/'; got {file!r}")
    line = data["line"]
    if not isinstance(line, int) or isinstance(line, bool) or line < 1:
        raise _fail(where, f"line must be a positive integer; got {line!r}")
    end_line = data.get("end_line", line)
    if not isinstance(end_line, int) or isinstance(end_line, bool) or end_line < line:
        raise _fail(where, f"end_line must be an integer >= line ({line}); got {end_line!r}")
    rule = _check_str(where, "rule", data.get("rule", ""), empty=True)
    if rule and not (rule.startswith("KG") and rule[2:].isdigit()):
        raise _fail(where, f"rule must look like KG123; got {rule!r}")
    return Label(
        file=file,
        line=line,
        end_line=end_line,
        category=_check_choice(where, "category", data["category"], CATEGORIES),
        label=_check_choice(where, "label", data["label"], LABEL_VALUES),
        scope=_check_choice(where, "scope", data["scope"], SCOPES),
        why=_check_str(where, "why", data["why"]),
        rule=rule,
        source=where,
    )


def parse_labels(text: str, path: Path) -> list[Label]:
    """Every label in the text of a JSONL file; blank lines are skipped, duplicates rejected."""
    labels: list[Label] = []
    seen: dict[tuple[str, int, str], str] = {}
    for number, line_text in enumerate(text.splitlines(), start=1):
        if not line_text.strip():
            continue
        where = f"{path}:{number}"
        label = parse_label(line_text, where)
        key = (label.file, label.line, label.category)
        if key in seen:
            raise _fail(where, f"duplicate label for {key} (first at {seen[key]})")
        seen[key] = where
        labels.append(label)
    return labels


def load_labels(name: str, directory: Path = LABELS_DIR) -> list[Label]:
    """The labels of project ``name``; none when it has no label file yet."""
    path = directory / f"{name}.jsonl"
    if not path.exists():
        return []
    return parse_labels(path.read_text(encoding="utf-8"), path)
