"""Score keyguard's findings against hand-checked labels: pure functions, no I/O.

A finding matches a label when the file is the same, the finding's line lies in the label's
[line, end_line] and the category is the same. Positive labels count once (TP when any finding
matches, else FN); every distinct finding (file, line, category) that matches no positive label is
a false alarm: on a negative label, or "unlabelled" when no label covers it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from projects import Label

_TEST_PATH = re.compile(
    r"(^|/)(\w*_)?(tests?|testing|__tests__|test_?data|fixtures)(/|$)"
    r"|(^|/)test_[^/]*\.py$|_tests?\.py$|(^|/)conftest\.py$"
    r"|_test\.go$|\.(spec|test)\.[cm]?[jt]sx?$"
)


def scope_of(path: str) -> str:
    """``test`` for a path in a test folder or a test file by name, else ``production``."""
    return "test" if _TEST_PATH.search(path.lower()) else "production"


@dataclass(frozen=True)
class Finding:
    """One keyguard finding, reduced to what scoring needs."""

    file: str
    line: int
    category: str
    rule: str = ""
    message: str = ""


@dataclass(frozen=True)
class Outcome:
    """One scored item: a positive label (tp / fn) or a distinct finding that is a false alarm."""

    kind: str  # "tp", "fn", "fp-negative", "fp-unlabelled"
    project: str
    language: str
    scope: str
    category: str
    file: str
    line: int
    rule: str = ""
    note: str = ""  # the label's why, or the finding's message

    @property
    def where(self) -> str:
        return f"{self.project}:{self.file}:{self.line}"


def _covers(label: Label, finding: Finding) -> bool:
    return (
        label.file == finding.file
        and label.line <= finding.line <= label.end_line
        and label.category == finding.category
    )


def score_project(
    project: str, language: str, labels: Iterable[Label], findings: Iterable[Finding]
) -> list[Outcome]:
    """Every positive label as tp/fn and every unmatched distinct finding as a false alarm."""
    labels = list(labels)
    distinct: dict[tuple[str, int, str], Finding] = {}
    for finding in findings:
        distinct.setdefault((finding.file, finding.line, finding.category), finding)
    outcomes: list[Outcome] = []
    positives = [lab for lab in labels if lab.positive]
    negatives = [lab for lab in labels if not lab.positive]
    for lab in positives:
        hit = next((f for f in distinct.values() if _covers(lab, f)), None)
        outcomes.append(
            Outcome(
                kind="tp" if hit else "fn",
                project=project,
                language=language,
                scope=lab.scope,
                category=lab.category,
                file=lab.file,
                line=lab.line,
                rule=lab.rule or (hit.rule if hit else ""),
                note=lab.why,
            )
        )
    for finding in sorted(distinct.values(), key=lambda f: (f.file, f.line, f.category)):
        if any(_covers(lab, finding) for lab in positives):
            continue
        negative = next((lab for lab in negatives if _covers(lab, finding)), None)
        outcomes.append(
            Outcome(
                kind="fp-negative" if negative else "fp-unlabelled",
                project=project,
                language=language,
                scope=negative.scope if negative else scope_of(finding.file),
                category=finding.category,
                file=finding.file,
                line=finding.line,
                rule=finding.rule,
                note=negative.why if negative else finding.message,
            )
        )
    return outcomes


@dataclass
class Counts:
    """TP, FP, FN and the precision and recall they give (None when undefined)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, outcome: Outcome) -> None:
        if outcome.kind == "tp":
            self.tp += 1
        elif outcome.kind == "fn":
            self.fn += 1
        else:
            self.fp += 1

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass
class Table:
    """Counts per (scope, language, category); category ``all`` and language ``all`` sum up."""

    rows: dict[tuple[str, str, str], Counts] = field(default_factory=dict)

    def counts(self, scope: str, language: str, category: str) -> Counts:
        return self.rows.setdefault((scope, language, category), Counts())


def tabulate(outcomes: Iterable[Outcome]) -> Table:
    """Sum outcomes per scope, language and category, with ``all`` totals."""
    table = Table()
    for outcome in outcomes:
        for language in (outcome.language, "all"):
            for category in (outcome.category, "all"):
                table.counts(outcome.scope, language, category).add(outcome)
    return table


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def render_table(table: Table) -> str:
    """The per-scope tables as Markdown (scope, language, category, TP, FP, FN, P, R)."""
    lines: list[str] = []
    for scope in ("production", "test"):
        keys = sorted(
            (k for k in table.rows if k[0] == scope),
            key=lambda k: (k[1] == "all", k[1], k[2] == "all", k[2]),
        )
        lines.append(f"\n{scope}\n")
        lines.append("| language | category | TP | FP | FN | P | R |")
        lines.append("|---|---|---:|---:|---:|---:|---:|")
        if not keys:
            lines.append("| - | - | 0 | 0 | 0 | - | - |")
        for key in keys:
            c = table.rows[key]
            lines.append(
                f"| {key[1]} | {key[2]} | {c.tp} | {c.fp} | {c.fn} | "
                f"{_ratio(c.precision)} | {_ratio(c.recall)} |"
            )
    return "\n".join(lines) + "\n"


def render_list(title: str, outcomes: Iterable[Outcome]) -> str:
    """A titled list, one outcome a line: scope, place, category, rule and the note."""
    items = sorted(outcomes, key=lambda o: (o.scope, o.project, o.file, o.line))
    lines = [f"\n{title} ({len(items)})"]
    lines += [
        f"  [{o.scope}] {o.where} {o.category} {o.rule or '-'}"
        + (" unlabelled" if o.kind == "fp-unlabelled" else "")
        + f": {o.note}"
        for o in items
    ]
    return "\n".join(lines) + "\n"
