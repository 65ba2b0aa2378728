"""The assessor's evidence report: one self-contained HTML page (inline CSS and SVG, no external
assets). Every number carries a ``data-metric`` attribute naming the summary value it shows, and
every piece of text that comes from scanned code or the policy is escaped."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from analyzer import __version__
from analyzer.catalogue.rules import rules
from analyzer.findings.history import TrendPoint
from analyzer.reporters.html_keys import keys_section
from analyzer.reporters.inventory import InventoryItem
from analyzer.reporters.keys import StoreItem, key_entries

LEVEL_COLOURS = {"error": "#c0392b", "warning": "#d68910", "note": "#2e86c1"}
VERDICT_COLOURS = {"compliant": "#1e8449", "violation": "#c0392b", "unverified": "#7f8c8d"}
BAR = "#34495e"
TOP_N = 15  # bars per chart; the rest are folded into one "N others" bar
LABEL_CHARS = 26  # characters of a bar label that fit its 182 px column at 11 px

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:1100px;color:#1c2833;line-height:1.45;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{border-bottom:2px solid #d5d8dc;padding-bottom:.2rem;
margin-top:2.2rem}table{border-collapse:collapse;width:100%;margin:.6rem 0;font-size:.9rem}
th,td{border:1px solid #d5d8dc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f6f7}td.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}.card{border:1px solid #d5d8dc;border-radius:6px;
padding:.6rem 1rem;min-width:9rem}.card .v{font-size:1.7rem;font-weight:600}
.card .k{color:#566573;font-size:.85rem}.muted{color:#566573}.failed{color:#c0392b}
code{font-size:.85rem;background:#f4f6f7;padding:0 .2rem;word-break:break-all}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,460px),1fr));gap:1rem}
.charts svg.bars{max-width:100%;height:auto}
svg text{font-size:11px;font-family:inherit}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _metric(name: str, value: Any, tag: str = "span", cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<{tag}{klass} data-metric="{_e(name)}">{_e(value)}</{tag}>'


def fold(values: list[tuple[str, int]], top: int = TOP_N) -> tuple[list[tuple[str, int]], int, int]:
    """The ``top`` largest values when there are more, else all; and how many were folded away
    with their sum."""
    if len(values) <= top:
        return values, 0, 0
    ranked = sorted(values, key=lambda kv: (-kv[1], kv[0]))
    rest = ranked[top:]
    return ranked[:top], len(rest), sum(v for _, v in rest)


def _short(label: str, room: int) -> str:
    """What a bar shows of ``label``: a repository URL or path by its last segment, cut to
    ``room`` characters keeping the end (where names differ)."""
    if "/" in label:
        label = label.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git") or label
    return label if len(label) <= room else "…" + label[-(room - 1) :]


def bar_chart(title: str, values: list[tuple[str, int]], colour: str | dict[str, str] = BAR) -> str:
    """A horizontal bar chart as inline SVG; labels escaped, cut to their column (the full label is
    the tooltip) and clipped by a nested ``svg`` so that none runs into a bar; past the top bars
    one line says how many more and their total."""
    width, label_w, row_h, value_w = 460, 190, 22, 50
    values, folded, folded_sum = fold(values)
    peak = max((v for _, v in values), default=0) or 1
    height = row_h * (max(len(values), 1) + (1 if folded else 0)) + 30
    parts = [
        f'<svg role="img" aria-label="{_e(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" class="bars">',
        f'<text x="0" y="14" font-weight="600">{_e(title)}</text>',
    ]
    for i, (label, value) in enumerate(values):
        y = 24 + i * row_h
        w = int((width - label_w - value_w) * value / peak)
        fill = colour.get(label, BAR) if isinstance(colour, dict) else colour
        parts.append(
            f'<svg x="0" y="{y}" width="{label_w - 8}" height="{row_h}" class="label">'
            f'<text x="0" y="14"><title>{_e(label)}</title>{_e(_short(label, LABEL_CHARS))}'
            "</text></svg>"
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w}" height="{row_h - 8}" fill="{fill}"/>'
        )
        parts.append(f'<text x="{label_w + w + 4}" y="{y + 14}" class="value">{value}</text>')
    if folded:
        y = 24 + len(values) * row_h
        parts.append(
            f'<text x="0" y="{y + 14}" fill="#566573" class="folded">and {folded} more '
            f"(together {folded_sum}; every one in the table below)</text>"
        )
    if not values:
        parts.append('<text x="0" y="40" fill="#566573">nothing to show</text>')
    parts.append("</svg>")
    return "".join(parts)


def trend_chart(points: list[TrendPoint]) -> str:
    """Active findings per batch run, stacked by level, as inline SVG."""
    width, height, left, bottom = 520, 200, 40, 40
    peak = max((p.total for p in points), default=0) or 1
    step = (width - left - 10) / max(len(points), 1)
    parts = [
        f'<svg role="img" aria-label="Findings per batch run" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#999"/>',
        f'<text x="0" y="12">{peak}</text><text x="0" y="{height - bottom}">0</text>',
    ]
    for i, point in enumerate(points):
        x = left + i * step + 4
        y = height - bottom
        for level in ("note", "warning", "error"):
            h = (height - bottom - 20) * point.by_level.get(level, 0) / peak
            if h:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y - h:.1f}" width="{max(step - 8, 4):.1f}" '
                    f'height="{h:.1f}" fill="{LEVEL_COLOURS[level]}"><title>{_e(point.label)}: '
                    f"{point.by_level.get(level, 0)} {level}</title></rect>"
                )
                y -= h
        parts.append(f'<text x="{x:.1f}" y="{height - bottom + 14}">#{i + 1}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _head(
    policy: dict[str, Any], standard: dict[str, Any], generated: dt.datetime | None
) -> list[str]:
    """The document head and the title block: which standard, when, by which build."""
    when = (generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    return [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>keyguard evidence report: {_e(standard.get('title', 'key generation'))}</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>Key-generation evidence report</h1>",
        f'<p class="muted">{_e(standard.get("title"))} (id {_e(standard.get("id"))}, version '
        f"{_e(standard.get('version'))}, owner {_e(standard.get('owner'))}) · PCI DSS v4.0.1 "
        f"Requirement 3.7.1 · generated {_e(when)} by keyguard {_e(__version__)} · policy sha256 "
        f"<code>{_e(policy.get('sha256') or '-')}</code></p>",
    ]


def _overview(totals: dict[str, Any]) -> list[str]:
    """Cards with the totals and the count per level."""
    out = ['<h2 id="overview">Overview</h2><div class="cards">']
    cards = [
        ("repositories", "repositories", totals["repositories"]),
        ("scanned", "scanned", totals["scanned"]),
        ("failed", "failed", totals["failed"]),
        ("findings", "active findings", totals["findings"]),
        ("suppressed", "suppressed by exception or inline", totals["suppressed"]),
        ("sites", "key-generation sites", totals["sites"]),
    ]
    for key, label, value in cards:
        out.append(
            f'<div class="card"><div class="v">{_metric("totals." + key, value)}</div>'
            f'<div class="k">{_e(label)}</div></div>'
        )
    out.append("</div><p>By level: ")
    out.append(
        ", ".join(
            f"{_metric('totals.by_level.' + lv, n)} {_e(lv)}"
            for lv, n in totals["by_level"].items()
        )
    )
    out.append("</p>")
    return out


def _clauses(policy: dict[str, Any], totals: dict[str, Any]) -> list[str]:
    """The standard's clauses with their rules and active findings."""
    out = ['<h2 id="standard">The standard and its clauses</h2><table>']
    out.append(
        "<tr><th>Clause</th><th>Title</th><th>Requirement</th><th>Rules</th><th>Active findings</th></tr>"
    )
    for clause in policy.get("clauses", []):
        count = totals["by_clause"].get(clause["id"], 0)
        out.append(
            f"<tr><td>{_e(clause['id'])}</td><td>{_e(clause['title'])}</td><td>{_e(clause['text'])}</td>"
            f"<td>{_e(', '.join(clause['rules']))}</td>"
            f"{_metric('totals.by_clause.' + clause['id'], count, 'td', 'n')}</tr>"
        )
    out.append("</table>")
    return out


def _charts(summary: dict[str, Any], totals: dict[str, Any]) -> list[str]:
    """Bar charts per clause, repository, category and verdict, and the category table."""
    out = ['<h2 id="charts">Findings by clause, repository and category</h2><div class="charts">']
    out.append(bar_chart("Active findings per clause", list(totals["by_clause"].items())))
    out.append(
        bar_chart(
            "Active findings per repository",
            [
                (r["repo"], r["findings"])
                for r in summary["repositories"]
                if r["status"] != "failed"
            ],
        )
    )
    out.append(bar_chart("Active findings per category", list(totals["by_category"].items())))
    out.append(
        bar_chart(
            "Key-generation sites per verdict",
            list(totals["sites_by_verdict"].items()),
            VERDICT_COLOURS,
        )
    )
    out.append("</div><table><tr><th>Category</th><th>Active findings</th></tr>")
    for category, count in totals["by_category"].items():
        out.append(
            f"<tr><td>{_e(category)}</td>{_metric('totals.by_category.' + category, count, 'td', 'n')}</tr>"
        )
    out.append("</table>")
    return out


def _repositories(summary: dict[str, Any]) -> list[str]:
    """One row per repository: commit, status, counts (a failed one says why)."""
    out = [
        '<h2 id="repositories">Repositories</h2><table><tr><th>Repository</th><th>Commit</th>'
        "<th>Status</th><th>error</th><th>warning</th><th>note</th><th>Active</th>"
        "<th>Suppressed</th><th>Key sites</th></tr>"
    ]
    for i, repo in enumerate(summary["repositories"]):
        prefix = f"repositories.{i}."
        if repo["status"] == "failed":
            out.append(
                f"<tr><td>{_e(repo['repo'])}</td><td>-</td>"
                f'<td class="failed" colspan="7">failed: {_e(repo["reason"])}</td></tr>'
            )
            continue
        levels = "".join(
            _metric(prefix + "by_level." + lv, n, "td", "n") for lv, n in repo["by_level"].items()
        )
        out.append(
            f"<tr><td>{_e(repo['repo'])}</td><td><code>{_e((repo['commit'] or '-')[:12])}</code></td>"
            f"<td>{_e(repo['status'])}</td>{levels}"
            f"{_metric(prefix + 'findings', repo['findings'], 'td', 'n')}"
            f"{_metric(prefix + 'suppressed', repo['suppressed'], 'td', 'n')}"
            f"{_metric(prefix + 'sites', repo['sites'], 'td', 'n')}</tr>"
        )
    out.append("</table>")
    return out


def _trend(trend: list[TrendPoint]) -> list[str]:
    """The trend chart and one row per batch run."""
    out = ['<h2 id="trend">Trend across batch runs</h2>', trend_chart(trend)]
    out.append(
        "<table><tr><th>#</th><th>Batch</th><th>Started</th><th>Repositories</th>"
        "<th>Failed</th><th>Active findings</th></tr>"
    )
    for i, point in enumerate(trend, start=1):
        out.append(
            f"<tr><td>{i}</td><td>{_e(point.label)}</td><td>{_e(point.started[:19])}</td>"
            f'<td class="n">{point.repos}</td><td class="n">{point.failed}</td>'
            f"{_metric(f'trend.{i - 1}.total', point.total, 'td', 'n')}</tr>"
        )
    out.append("</table>")
    return out


def _exceptions(policy: dict[str, Any]) -> list[str]:
    """The policy's approved exceptions; an expired one is marked."""
    out = ['<h2 id="exceptions">Policy exceptions</h2>']
    exceptions = policy.get("exceptions", [])
    out.append(
        f"<p>{_metric('exceptions', len(exceptions))} approved exception(s) in the policy.</p>"
    )
    if exceptions:
        out.append(
            "<table><tr><th>Rule</th><th>Paths</th><th>Justification</th><th>Approved by</th>"
            "<th>Expires</th><th>Ticket</th></tr>"
        )
        today = dt.date.today().isoformat()
        for ex in exceptions:
            expired = ' class="failed"' if ex["expires"] < today else ""
            out.append(
                f"<tr><td>{_e(ex['rule'])}</td><td>{_e(', '.join(ex['paths']))}</td>"
                f"<td>{_e(ex['justification'])}</td><td>{_e(ex['approved_by'])}</td>"
                f"<td{expired}>{_e(ex['expires'])}</td><td>{_e(ex['ticket'])}</td></tr>"
            )
        out.append("</table>")
    return out


def _inventory(totals: dict[str, Any], inventory: list[InventoryItem]) -> list[str]:
    """Every key-generation site with its verdict."""
    out = ['<h2 id="inventory">Key inventory</h2>']
    out.append(
        "<p>Every key-generation site, compliant or not. "
        + ", ".join(
            f"{_metric('totals.sites_by_verdict.' + v, n)} {_e(v)}"
            for v, n in totals["sites_by_verdict"].items()
        )
        + ".</p>"
    )
    out.append(
        "<table><tr><th>Repository</th><th>File:line</th><th>Algorithm</th><th>Size / curve</th>"
        "<th>Library</th><th>API</th><th>Verdict</th><th>Rules</th></tr>"
    )
    for item in inventory:
        colour = VERDICT_COLOURS.get(item.verdict, BAR)
        out.append(
            f"<tr><td>{_e(item.repo)}</td><td><code>{_e(item.path)}:{item.line}</code></td>"
            f"<td>{_e(item.algorithm)}</td><td>{_e(item.parameter)}</td><td>{_e(item.library)}</td>"
            f'<td><code>{_e(item.api)}</code></td><td style="color:{colour}">{_e(item.verdict)}</td>'
            f"<td>{_e(', '.join(item.rule_ids))}</td></tr>"
        )
    out.append("</table>")
    return out


def _rules(policy: dict[str, Any], totals: dict[str, Any]) -> list[str]:
    """The rule catalogue with active findings per rule."""
    out = [
        '<h2 id="rules">Rules</h2><table><tr><th>Rule</th><th>Category</th><th>Clause</th>'
        "<th>CWE</th><th>Finds</th><th>Active findings</th></tr>"
    ]
    clause_of = {r: c["id"] for c in reversed(policy.get("clauses", [])) for r in c["rules"]}
    for rule in rules().values():
        count = totals["by_rule"].get(rule.id, 0)
        out.append(
            f"<tr><td>{_e(rule.id)}</td><td>{_e(rule.category)}</td>"
            f"<td>{_e(clause_of.get(rule.id, '-'))}</td>"
            f"<td>CWE-{rule.cwe}</td><td>{_e(rule.short)}</td>"
            f"{_metric('totals.by_rule.' + rule.id, count, 'td', 'n')}</tr>"
        )
    out.append("</table></body></html>")
    return out


def render_html(
    summary: dict[str, Any],
    policy: dict[str, Any] | None,
    trend: list[TrendPoint],
    inventory: list[InventoryItem],
    stores: list[StoreItem] | None = None,
    generated: dt.datetime | None = None,
) -> str:
    """The whole page: the standard, the totals, each repository, the trend, the exceptions,
    the key inventory and the rules."""
    policy = policy or {}
    totals = summary["totals"]
    out = [
        *_head(policy, policy.get("standard") or {}, generated),
        *_overview(totals),
        *_clauses(policy, totals),
        *_charts(summary, totals),
        *_repositories(summary),
        *_trend(trend),
        *_exceptions(policy),
        *_inventory(totals, inventory),
        *keys_section(key_entries(inventory, stores or []), stores or []),
        *_rules(policy, totals),
    ]
    return "\n".join(out) + "\n"
