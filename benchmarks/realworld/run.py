"""Real-world benchmark: scan pinned third-party projects and score keyguard against our labels.

    python benchmarks/realworld/run.py [--project NAME ...] [--language L] [--category C]
        [--cache DIR] [--json FILE] [--reports DIR] [--rescore DIR]

Fetches each project (cached, outside the repository), scans its root with this checkout's
keyguard, matches findings to ``labels/<name>.jsonl`` by (file, line range, category) and prints
TP, FP, FN, precision and recall per language and category, for production and test code apart,
then the misses and the false alarms. ``--category hardcoded-key`` keeps one category (its rows per
language and over all languages). ``--reports DIR`` keeps each project's JSON report there;
``--rescore DIR`` scores the reports kept there again instead of scanning (after a label change).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fetch import FetchError, fetch
from projects import (
    LANGUAGES,
    PROJECTS_DIR,
    InputError,
    Label,
    Project,
    load_labels,
    load_project,
    load_projects,
)
from score import Finding, Outcome, render_list, render_table, score_project, tabulate

REPO = Path(__file__).resolve().parents[2]


def rule_categories() -> dict[str, str]:
    """Rule id -> category, from this checkout's catalogue."""
    sys.path.insert(0, str(REPO))
    from analyzer.catalogue.rules import rules

    return {rule_id: rule.category for rule_id, rule in rules().items()}


def scan(root: Path) -> dict:
    """keyguard's JSON report of ``root``, run from this checkout."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    cmd = [sys.executable, "-m", "analyzer", "scan", str(root)]
    cmd += ["--format", "json", "--no-cache", "--fail-on", "never"]
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"scan of {root} failed ({result.returncode}): {result.stderr[-800:]}")
    return json.loads(result.stdout)


def findings_of(report: dict, categories: dict[str, str]) -> list[Finding]:
    """The report's findings; the category is the rule's category in the catalogue."""
    return [
        Finding(
            file=f["location"]["path"],
            line=int(f["location"]["line"] or 1),
            category=categories.get(f["rule_id"], f.get("category", "")),
            rule=f["rule_id"],
            message=f.get("message", ""),
        )
        for f in report.get("findings", [])
        if f.get("suppression") is None
    ]


def check_labels(project: Project, labels: list[Label], root: Path) -> None:
    """Stop on a label whose file is not in the project or whose line is past the file's end."""
    for label in labels:
        path = root / label.file
        if not path.is_file():
            raise InputError(f"{label.source}: file {label.file!r} is not in {project.name}")
        with path.open("rb") as fh:
            n_lines = sum(1 for _ in fh)
        if label.end_line > max(n_lines, 1):
            raise InputError(f"{label.source}: line {label.end_line} past the end ({n_lines})")


def select(names: list[str], language: str | None) -> list[Project]:
    """The projects asked for (all by default), filtered by language."""
    chosen = [load_project(PROJECTS_DIR / f"{n}.toml") for n in names] if names else load_projects()
    return [p for p in chosen if language is None or p.language == language]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", action="append", default=[], metavar="NAME")
    parser.add_argument("--language", choices=LANGUAGES, default=None)
    parser.add_argument("--cache", type=Path, default=None, metavar="DIR")
    parser.add_argument("--json", type=Path, default=None, metavar="FILE")
    parser.add_argument("--category", default=None, metavar="C")
    parser.add_argument("--reports", type=Path, default=None, metavar="DIR")
    parser.add_argument("--rescore", type=Path, default=None, metavar="DIR")
    args = parser.parse_args(argv)
    try:
        chosen = select(args.project, args.language)
        labelled = {p.name: load_labels(p.name) for p in chosen}
    except (InputError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    categories = rule_categories()
    if args.category and args.category not in set(categories.values()):
        known = ", ".join(sorted(set(categories.values())))
        print(f"error: unknown category {args.category!r}; known: {known}", file=sys.stderr)
        return 2
    outcomes: list[Outcome] = []
    per_project: list[dict] = []
    for project in chosen:
        started = time.monotonic()
        try:
            root = fetch(project, args.cache)
            check_labels(project, labelled[project.name], root)
            if args.rescore:
                report = json.loads((args.rescore / f"{project.name}.json").read_text("utf-8"))
            else:
                report = scan(root)
        except (FetchError, InputError, RuntimeError, OSError) as exc:
            print(f"error: {project.name}: {exc}", file=sys.stderr)
            return 2
        if args.reports:
            args.reports.mkdir(parents=True, exist_ok=True)
            (args.reports / f"{project.name}.json").write_text(json.dumps(report), encoding="utf-8")
        found = findings_of(report, categories)
        scored = score_project(project.name, project.language, labelled[project.name], found)
        if args.category:
            scored = [o for o in scored if o.category == args.category]
        outcomes += scored
        seconds = time.monotonic() - started
        per_project.append(
            {
                "project": project.name,
                "version": project.version,
                "labels": len(labelled[project.name]),
                "findings": len(found),
                "seconds": round(seconds, 1),
            }
        )
        print(
            f"{project.name} {project.version}: {len(labelled[project.name])} labels, "
            f"{len(found)} findings, {seconds:.1f} s",
            file=sys.stderr,
        )
    table = tabulate(outcomes)
    print(f"keyguard real-world benchmark: {len(chosen)} project(s)")
    print(render_table(table))
    print(
        render_list("misses (positive labels not found)", (o for o in outcomes if o.kind == "fn"))
    )
    print(render_list("false alarms", (o for o in outcomes if o.kind.startswith("fp"))))
    if args.json:
        rows = [
            {
                "scope": s,
                "language": lang,
                "category": cat,
                "tp": c.tp,
                "fp": c.fp,
                "fn": c.fn,
                "precision": c.precision,
                "recall": c.recall,
            }
            for (s, lang, cat), c in sorted(table.rows.items())
        ]
        payload = {
            "projects": per_project,
            "table": rows,
            "outcomes": [asdict(o) for o in outcomes],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
