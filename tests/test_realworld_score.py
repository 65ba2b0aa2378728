"""The real-world benchmark's scoring and label validation, on small in-memory labels (no network)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REALWORLD = Path(__file__).resolve().parent.parent / "benchmarks" / "realworld"
sys.path.insert(0, str(REALWORLD))

from projects import (  # noqa: E402
    CATEGORIES,
    InputError,
    Label,
    load_labels,
    load_projects,
    parse_label,
    parse_labels,
    parse_project,
)
from run import check_labels, findings_of, rule_categories  # noqa: E402
from score import Finding, scope_of, score_project, tabulate  # noqa: E402


def label(file: str, line: int, category: str, kind: str = "positive", **extra: object) -> Label:
    data = {"file": file, "line": line, "category": category, "label": kind}
    data |= {"scope": scope_of(file), "why": "because", **extra}
    return parse_label(json.dumps(data), "mem.jsonl:1")


def kinds(outcomes: list) -> list[tuple[str, str, int]]:
    return sorted((o.kind, o.file, o.line) for o in outcomes)


def test_positive_found_is_tp_and_missing_is_fn() -> None:
    labels = [label("a.py", 10, "short-key"), label("a.py", 20, "weak-rng")]
    findings = [Finding("a.py", 10, "short-key", "KG201")]
    assert kinds(score_project("p", "python", labels, findings)) == [
        ("fn", "a.py", 20),
        ("tp", "a.py", 10),
    ]


def test_line_range_and_category_must_both_match() -> None:
    labels = [label("a.py", 10, "short-key", end_line=12)]
    inside = [Finding("a.py", 12, "short-key")]
    after = [Finding("a.py", 13, "short-key")]
    other_category = [Finding("a.py", 11, "weak-rng")]
    other_file = [Finding("b.py", 11, "short-key")]
    assert kinds(score_project("p", "python", labels, inside)) == [("tp", "a.py", 10)]
    for findings in (after, other_category, other_file):
        result = kinds(score_project("p", "python", labels, findings))
        assert ("fn", "a.py", 10) in result
        assert any(k == "fp-unlabelled" for k, _, _ in result)


def test_finding_on_negative_label_is_false_alarm_and_silence_is_not_counted() -> None:
    labels = [label("a.py", 5, "weak-rng", "negative"), label("a.py", 9, "short-key", "negative")]
    findings = [Finding("a.py", 5, "weak-rng", "KG101")]
    outcomes = score_project("p", "python", labels, findings)
    assert kinds(outcomes) == [("fp-negative", "a.py", 5)]
    assert outcomes[0].note == "because"


def test_duplicate_findings_count_once() -> None:
    labels = [label("a.py", 3, "hardcoded-key")]
    findings = [Finding("a.py", 3, "hardcoded-key", "KG301")] * 2 + [
        Finding("x.py", 1, "weak-rng")
    ] * 2
    counts = tabulate(score_project("p", "python", labels, findings)).rows
    total = counts[("production", "all", "all")]
    assert (total.tp, total.fp, total.fn) == (1, 1, 0)


def test_table_splits_scope_language_category_and_computes_ratios() -> None:
    labels = [
        label("lib/k.py", 1, "short-key"),
        label("lib/k.py", 2, "short-key"),
        label("tests/test_k.py", 1, "hardcoded-key"),
    ]
    findings = [
        Finding("lib/k.py", 1, "short-key"),
        Finding("lib/k.py", 7, "short-key"),
        Finding("tests/test_k.py", 1, "hardcoded-key"),
    ]
    table = tabulate(score_project("p", "go", labels, findings))
    prod = table.rows[("production", "go", "short-key")]
    assert (prod.tp, prod.fp, prod.fn) == (1, 1, 1)
    assert prod.precision == pytest.approx(0.5) and prod.recall == pytest.approx(0.5)
    test = table.rows[("test", "all", "all")]
    assert (test.tp, test.fp, test.fn, test.precision, test.recall) == (1, 0, 0, 1.0, 1.0)
    assert table.rows[("production", "all", "all")].tp == 1
    empty = tabulate([]).rows
    assert empty == {}


def test_scope_by_path() -> None:
    assert scope_of("tests/x.py") == "test"
    assert scope_of("unit_tests/helpers.py") == "test"
    assert scope_of("pkg/test_x.py") == "test"
    assert scope_of("src/a_test.go") == "test"
    assert scope_of("lib/x.spec.ts") == "test"
    assert scope_of("pkg/testament.py") == "production"
    assert scope_of("pkg/contest/x.py") == "production"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "invalid JSON"),
        ("[1]", "JSON object"),
        (
            '{"file": "a.py", "line": 1, "category": "short-key", "label": "positive"}',
            "missing key 'scope'",
        ),
        (
            '{"file": "a.py", "line": 0, "category": "short-key", "label": "positive", "scope": "test", "why": "w"}',
            "line must be a positive integer",
        ),
        (
            '{"file": "a.py", "line": 5, "end_line": 4, "category": "short-key", "label": "positive", "scope": "test", "why": "w"}',
            "end_line",
        ),
        (
            '{"file": "a.py", "line": 1, "category": "short-keys", "label": "positive", "scope": "test", "why": "w"}',
            "category must be one of",
        ),
        (
            '{"file": "a.py", "line": 1, "category": "short-key", "label": "maybe", "scope": "test", "why": "w"}',
            "label must be one of",
        ),
        (
            '{"file": "a.py", "line": 1, "category": "short-key", "label": "positive", "scope": "prod", "why": "w"}',
            "scope must be one of",
        ),
        (
            '{"file": "/abs/a.py", "line": 1, "category": "short-key", "label": "positive", "scope": "test", "why": "w"}',
            "relative",
        ),
        (
            '{"file": "a.py", "line": 1, "category": "short-key", "label": "positive", "scope": "test", "why": ""}',
            "why",
        ),
        (
            '{"file": "a.py", "line": 1, "category": "short-key", "label": "positive", "scope": "test", "why": "w", "rule": "201"}',
            "rule",
        ),
        (
            '{"file": "a.py", "line": 1, "category": "short-key", "label": "positive", "scope": "test", "why": "w", "lines": 2}',
            "unknown keys",
        ),
    ],
)
def test_bad_label_names_file_and_line(line: str, message: str) -> None:
    text = (
        '{"file": "ok.py", "line": 1, "category": "weak-rng", "label": "negative", "scope": "test", "why": "shuffle"}\n\n'
        + line
    )
    with pytest.raises(InputError) as info:
        parse_labels(text, Path("labels/x.jsonl"))
    assert str(info.value).startswith("labels/x.jsonl:3: ")
    assert message in str(info.value)


def test_duplicate_label_is_rejected() -> None:
    one = '{"file": "a.py", "line": 1, "category": "weak-rng", "label": "negative", "scope": "test", "why": "w"}'
    with pytest.raises(InputError, match=r"x.jsonl:2: duplicate"):
        parse_labels(one + "\n" + one, Path("x.jsonl"))


def test_bad_project_file() -> None:
    good = 'name = "p"\necosystem = "pypi"\npackage = "p"\nversion = "1"\nlanguage = "python"\n'
    assert parse_project(good, Path("projects/p.toml")).package == "p"
    with pytest.raises(InputError, match="file stem"):
        parse_project(good, Path("projects/q.toml"))
    with pytest.raises(InputError, match="ecosystem"):
        parse_project(good.replace("pypi", "cargo"), Path("projects/p.toml"))
    with pytest.raises(InputError, match="missing key 'version'"):
        parse_project(good.replace('version = "1"\n', ""), Path("projects/p.toml"))
    with pytest.raises(InputError, match="invalid TOML"):
        parse_project("name = ", Path("projects/p.toml"))


def test_label_checked_against_the_tree(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\ny = 2\n")
    project = parse_project(
        'name = "p"\necosystem = "pypi"\npackage = "p"\nversion = "1"\nlanguage = "python"\n',
        Path("p.toml"),
    )
    check_labels(project, [label("a.py", 2, "weak-rng")], tmp_path)
    with pytest.raises(InputError, match="past the end"):
        check_labels(project, [label("a.py", 3, "weak-rng")], tmp_path)
    with pytest.raises(InputError, match="not in p"):
        check_labels(project, [label("b.py", 1, "weak-rng")], tmp_path)


def test_finding_category_comes_from_the_catalogue() -> None:
    categories = rule_categories()
    assert set(categories.values()) <= set(CATEGORIES)
    report = {
        "findings": [
            {
                "rule_id": "KG206",
                "location": {"path": "a.py", "line": 4},
                "category": "x",
                "suppression": None,
            },
            {
                "rule_id": "KG101",
                "location": {"path": "a.py", "line": 5},
                "suppression": {"kind": "inline"},
            },
        ]
    }
    assert findings_of(report, categories) == [Finding("a.py", 4, categories["KG206"], "KG206", "")]


def test_committed_projects_and_labels_are_valid() -> None:
    for project in load_projects():
        load_labels(project.name)
