"""Turn Semgrep's JSON output into keyguard Findings, KeySites and Notifications."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from analyzer.findings.model import FileResult, Finding, KeySite, Location, Notification

INVENTORY_PREFIX = "inventory-"
_INT = re.compile(r"^-?(?:\d+|0[xX][0-9a-fA-F]+)$")


class _Files:
    """Source bytes of the scanned files, read once, for snippets and matched text."""

    def __init__(self) -> None:
        self._cache: dict[str, bytes] = {}

    def data(self, path: str) -> bytes:
        if path not in self._cache:
            try:
                self._cache[path] = Path(path).read_bytes()
            except OSError:
                self._cache[path] = b""
        return self._cache[path]

    def line(self, path: str, number: int) -> str:
        lines = self.data(path).decode("utf-8", "replace").splitlines()
        return lines[number - 1].strip() if 0 < number <= len(lines) else ""

    def text(self, path: str, start: int, end: int) -> str:
        return self.data(path)[start:end].decode("utf-8", "replace")


def rule_name(check_id: object) -> str:
    """A Semgrep rule id without the prefix a CLI may add (the Python and native CLIs derive it
    from the config path differently); keyguard's own rule ids hold no dot."""
    return str(check_id or "").rsplit(".", 1)[-1]


def _fact_value(text: str) -> str | int:
    text = text.strip().strip("\"'`").replace("_", "")
    text = text.rstrip("Ll")
    if _INT.match(text):
        return int(text, 0)
    return text


def _location(result: dict[str, Any], rel: str) -> Location:
    start, end = result["start"], result["end"]
    return Location(rel, start["line"], start["col"], end["line"], end["col"])


def _error_notification(error: dict[str, Any], paths: dict[str, str]) -> Notification:
    path = error.get("path")
    if path is None:
        spans = error.get("spans") or []
        path = spans[0].get("file") if spans else None
    rel = paths.get(path, path) if path else None
    kind = error.get("type")
    kind_name = kind[0] if isinstance(kind, list) and kind else str(kind or "error")
    message = str(error.get("message") or kind_name).strip().splitlines()[0][:300]
    where = f"{rel}: " if rel else ""
    return Notification(
        message=f"Semgrep could not fully analyse {where}{kind_name}: {message}",
        kind="semgrep-timeout" if "timeout" in kind_name.lower() else "semgrep-error",
        level="warning",
        path=rel,
    )


def parse_output(
    output: dict[str, Any], paths: dict[str, str]
) -> tuple[list[FileResult], list[Notification]]:
    """``paths`` maps the path Semgrep was given to the POSIX path relative to the scan root."""
    files = _Files()
    results: dict[str, FileResult] = {}
    seen: set[tuple[str, int, str]] = set()
    sites: dict[tuple[str, int], KeySite] = {}
    pending: list[tuple[str, KeySite]] = []

    for result in output.get("results", []):
        path = result.get("path", "")
        rel = paths.get(path, path)
        extra = result.get("extra", {})
        metadata = extra.get("metadata", {})
        location = _location(result, rel)
        matched = files.text(path, result["start"]["offset"], result["end"]["offset"])
        file_result = results.setdefault(rel, FileResult(rel))
        site_meta = metadata.get("site")
        fact_name = metadata.get("fact")
        fact = _fact_value(matched) if fact_name else None
        check_id = rule_name(result.get("check_id"))
        if check_id.startswith(INVENTORY_PREFIX) and site_meta:
            site = _site(site_meta, location, fact_name, fact, "compliant")
            sites.setdefault((rel, location.line), site)
            continue
        rule_id = metadata.get("keyguard_rule")
        if not rule_id or (rel, location.line, rule_id) in seen:
            continue
        seen.add((rel, location.line, rule_id))
        facts: dict[str, str | int] = {"semgrep_rule": check_id}
        if fact_name and fact is not None:
            facts[fact_name] = fact
        file_result.findings.append(
            Finding(
                rule_id=rule_id,
                location=location,
                message=extra.get("message", "").strip(),
                engine="semgrep",
                facts=facts,
                snippet=files.line(path, location.line),
            )
        )
        if site_meta:
            pending.append((rule_id, _site(site_meta, location, fact_name, fact, "violation")))

    for _rule_id, site in pending:
        key = (site.location.path, site.location.line)
        sites.setdefault(key, site)
    for (rel, line), site in sites.items():
        rules = sorted({f.rule_id for f in results[rel].findings if f.location.line == line})
        if rules:
            site.verdict = "violation"
            site.rule_ids = rules
        results[rel].sites.append(site)

    notifications = [_error_notification(e, paths) for e in output.get("errors", [])]
    ordered = sorted(results.values(), key=lambda r: r.path)
    for file_result in ordered:
        file_result.findings.sort(key=Finding.sort_key)
        file_result.sites.sort(key=lambda s: s.location)
    return ordered, notifications


def _site(
    meta: dict[str, Any],
    location: Location,
    fact_name: str | None,
    fact: str | int | None,
    verdict: str,
) -> KeySite:
    size = meta.get("size")
    curve = meta.get("curve")
    if fact_name == "bits" and isinstance(fact, int):
        size = fact
    elif fact_name == "curve" and isinstance(fact, str):
        curve = fact
    return KeySite(
        location=location,
        api=str(meta.get("api", "")),
        library=str(meta.get("library", "")),
        algorithm=str(meta.get("algorithm", "")),
        primitive=str(meta.get("primitive", "")),
        size=size if isinstance(size, int) else None,
        curve=curve,
        verdict=verdict,  # type: ignore[arg-type]
    )
