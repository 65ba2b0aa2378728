"""``keyguard inventory PATH``: one scan's keys as a text table, JSON or a CycloneDX CBOM naming
the repository and commit, every path relative to the repository root."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from analyzer.findings.model import ScanReport
from analyzer.policy.model import Policy
from analyzer.reporters.cbom import Context, Repository, render_cbom
from analyzer.reporters.inventory import from_sites, render_json
from analyzer.reporters.keys import key_entries, rebase, render_table, store_items
from analyzer.reporters.vcs import inside_repository, repository_facts, repository_root


def _repository(root: Path) -> tuple[Repository, str]:
    """The repository's portable name, URL and commit, and the scan root's path inside it."""
    url, commit, branch = repository_facts(root)
    top = repository_root(root)
    inner = inside_repository(root)
    name = url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git") if url else (top or root).name
    return Repository(name, url, commit, branch), inner


def clause_map(policy: Policy) -> tuple[tuple[str, str], ...]:
    """Each rule with the clause of the standard that covers it."""
    return tuple((rule, c.id) for c in policy.clauses for rule in c.rules)


def render_inventory(report: ScanReport[Policy], fmt: str) -> str:
    repository, inner = _repository(report.root)
    items, stores = rebase(
        from_sites(repository.name, report.sites),
        store_items(repository.name, report.stores),
        inner,
    )
    kms = frozenset(report.policy.kms_libraries)
    if fmt == "cbom":
        context = Context(tuple(stores), clause_map(report.policy), repository, kms_libraries=kms)
        return render_cbom(items, context)
    if fmt == "json":
        data = json.loads(render_json(items))
        data["repository"] = asdict(repository)
        data["stores"] = [asdict(s) for s in stores]
        return json.dumps(data, indent=2) + "\n"
    return render_table(key_entries(items, stores, kms), stores)
