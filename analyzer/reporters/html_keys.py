"""The evidence report's "Keys and what they protect" section: each key with its mechanism,
owner, purpose, rotation and the data stores it protects, then the stores no declared key
protects."""

from __future__ import annotations

from html import escape

from analyzer.reporters.keys import KeyEntry, StoreItem, unprotected


def _stores(stores: tuple[StoreItem, ...]) -> str:
    if not stores:
        return "-"
    return "<br>".join(
        f"<code>{escape(s.address)}</code> ({escape(s.path)}:{s.line})" for s in stores
    )


def keys_section(entries: list[KeyEntry], stores: list[StoreItem]) -> list[str]:
    """The section as HTML lines (the page's own styles apply)."""
    out = [
        '<h2 id="keys">Keys and what they protect</h2>',
        f"<p>{len(entries)} key{'s' * (len(entries) != 1)}: each with how it is generated and "
        "kept, who owns it, what it is for, its rotation and the data stores whose encryption "
        "names it.</p>",
        "<table><tr><th>Repository</th><th>Key</th><th>Type and size</th><th>Mechanism</th>"
        "<th>Protects</th><th>Owner</th><th>Purpose</th><th>Data classification</th>"
        "<th>Rotation</th><th>Verdict</th></tr>",
    ]
    for e in entries:
        size = f" {e.item.parameter}" if e.item.parameter != "?" else ""
        rules = f" ({', '.join(e.item.rule_ids)})" if e.item.rule_ids else ""
        out.append(
            f"<tr><td>{escape(e.item.repo)}</td><td><code>{escape(e.name)}</code><br>"
            f"{escape(e.item.path)}:{e.item.line}</td>"
            f"<td>{escape(e.item.algorithm + size)}</td><td>{escape(e.mechanism)}</td>"
            f"<td>{_stores(e.protects)}</td><td>{escape(e.tag('owner') or '-')}</td>"
            f"<td>{escape(e.tag('purpose') or '-')}</td>"
            f"<td>{escape(e.tag('data-classification') or '-')}</td>"
            f"<td>{escape(e.rotation)}</td><td>{escape(e.item.verdict + rules)}</td></tr>"
        )
    out.append("</table>")
    rest = unprotected(stores)
    if rest:
        out.append(
            "<p>Data stores without a customer-managed key declared in the scanned code:</p>"
            "<table><tr><th>Repository</th><th>Store</th><th>Protection</th></tr>"
        )
        out += [
            f"<tr><td>{escape(s.repo)}</td><td><code>{escape(s.address)}</code> "
            f"({escape(s.path)}:{s.line})</td><td>{escape(s.protection_text)}</td></tr>"
            for s in rest
        ]
        out.append("</table>")
    return out
