"""Error-level hard-coded keys of the real-world benchmark, each judged by its label.

    python benchmarks/realworld/run.py --reports DIR      # keeps each project's JSON report
    python benchmarks/realworld/errors.py DIR

Lists every KG301/KG302 finding reported at error level with the label that covers it. A finding
at error level must be a real key: one on a negative label (public key, placeholder, documentation
example, test-vector output, ...), on no label, or in the "documentation" or "test-vector" context
is counted as wrong, and that count must be zero. A real key the labels place in test code but
keyguard reports at error level is counted apart.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from projects import Label, load_labels

RULES = ("KG301", "KG302")
CATEGORY = "hardcoded-key"
NOT_AT_ERROR = ("documentation", "test-vector")


def _label(labels: list[Label], path: str, line: int) -> Label | None:
    covering = [
        lab
        for lab in labels
        if lab.category == CATEGORY and lab.file == path and lab.line <= line <= lab.end_line
    ]
    return next((lab for lab in covering if lab.positive), covering[0] if covering else None)


def judge(project: str, report: dict, labels: list[Label]) -> list[tuple[str, str]]:
    """(verdict, line of text) for every error-level KG301/KG302 of one report; verdict is
    ``key``, ``test`` (a real key in test code) or ``wrong``."""
    rows = []
    for finding in report.get("findings", []):
        if finding["rule_id"] not in RULES or finding.get("level") != "error":
            continue
        if finding.get("suppression") is not None:
            continue
        path, line = finding["location"]["path"], int(finding["location"]["line"] or 1)
        label = _label(labels, path, line)
        context = finding.get("facts", {}).get("context", "")
        if context in NOT_AT_ERROR:
            verdict, why = "wrong", f"context {context}"
        elif label is None:
            verdict, why = "wrong", "no label"
        elif not label.positive:
            verdict, why = "wrong", f"negative label: {label.why}"
        else:
            verdict, why = ("test" if label.scope == "test" else "key"), label.why
        where = f"{project}:{path}:{line} {finding['rule_id']}"
        rows.append((verdict, f"  [{verdict}] {where}: {finding['message'][:90]} | {why}"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", type=Path, metavar="DIR")
    args = parser.parse_args(argv)
    files = sorted(args.reports.glob("*.json"))
    if not files:
        print(f"error: no JSON reports in {args.reports}", file=sys.stderr)
        return 2
    rows: list[tuple[str, str]] = []
    for file in files:
        report = json.loads(file.read_text(encoding="utf-8"))
        rows += judge(file.stem, report, load_labels(file.stem))
    for _, text in rows:
        print(text)
    wrong = sum(1 for verdict, _ in rows if verdict == "wrong")
    in_tests = sum(1 for verdict, _ in rows if verdict == "test")
    print(
        f"error-level KG301/KG302: {len(rows)}; public/placeholder/documentation/test-vector "
        f"or unlabelled among them: {wrong}; real keys in test code at error level: {in_tests}"
    )
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
