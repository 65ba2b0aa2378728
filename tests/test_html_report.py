"""``keyguard report --html``: a self-contained page, text from scanned code escaped, and the
numbers on the page (rendered by headless Chromium) equal to the JSON summary."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.org.history import open_history
from tests.gitrepos import CURVES, STRONG_RSA, WEAK_RSA, commit, make_repo

HOSTILE_NAME = "<img src=x onerror=alert(1)>.py"
POLICY = """\
[[exceptions]]
rule = "KG203"
paths = ["app/**"]
justification = "legacy <b>device</b> protocol & firmware"
approved_by = "CISO <ciso@example.com>"
expires = 2099-12-31
ticket = "SEC-42"
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policy.toml").write_text(POLICY, encoding="utf-8")
    a = make_repo(tmp_path / "src" / "alpha", {"app/keys.py": WEAK_RSA, "app/curves.py": CURVES})
    b = make_repo(tmp_path / "src" / "beta", {HOSTILE_NAME: WEAK_RSA, "lib/ok.py": STRONG_RSA})
    base = ("batch", "--config", "policy.toml", "--db", "r.sqlite", "--no-semgrep", "--out", "o")
    assert run(*base, str(a), str(b), str(tmp_path / "missing"))[0] == 1
    commit(a, {"app/keys.py": STRONG_RSA}, "fix")
    assert run(*base, str(a), str(b), str(tmp_path / "missing"))[0] == 1
    code, out, _ = run("report", "--db", "r.sqlite", "--format", "json")
    assert code == 0
    code, _, err = run("report", "--db", "r.sqlite", "--html", "report.html")
    assert code == 0, err
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    with open_history(tmp_path / "r.sqlite") as history:
        trend = [p.total for p in history.trend()]
    return {
        "summary": json.loads(out),
        "html": html,
        "path": tmp_path / "report.html",
        "trend": trend,
    }


def test_page_is_self_contained_and_escaped(reported: dict[str, Any]) -> None:
    html = reported["html"]
    assert "<script" not in html.lower()
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "<link" not in html and "@import" not in html and "src=" not in html.replace("src=x", "")
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;.py" in html
    assert "legacy &lt;b&gt;device&lt;/b&gt; protocol &amp; firmware" in html
    assert "CISO &lt;ciso@example.com&gt;" in html and "2099-12-31" in html and "SEC-42" in html
    for section in ("standard", "charts", "repositories", "trend", "exceptions", "inventory"):
        assert f'id="{section}"' in html
    assert html.count("<svg") >= 5
    summary = reported["summary"]
    assert summary["totals"]["failed"] == 1
    assert summary["totals"]["suppressed"] == 1
    assert summary["totals"]["sites_by_verdict"]["compliant"] >= 2


class _Metrics(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._open: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open.append(dict(attrs).get("data-metric"))

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1]:
            self.values[self._open[-1]] = self.values.get(self._open[-1], "") + data


def _lookup(summary: dict[str, Any], name: str) -> Any:
    value: Any = summary
    for part in name.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="chromium not installed (.ci/run installs it)")
def test_chromium_renders_the_same_numbers(reported: dict[str, Any], tmp_path: Path) -> None:
    browser = _chromium()
    assert browser is not None
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    url = reported["path"].as_uri()
    png = tmp_path / "report.png"
    subprocess.run(
        [browser, *flags, f"--screenshot={png}", "--window-size=1280,2400", url],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 20_000
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ).stdout
    assert "Key-generation evidence report" in dom
    parser = _Metrics()
    parser.feed(dom)
    metrics = parser.values
    summary = reported["summary"]
    assert {
        "totals.findings",
        "totals.repositories",
        "totals.failed",
        "totals.by_level.error",
    } <= set(metrics)
    checked = 0
    for name, text in metrics.items():
        if name.startswith("trend."):
            expected = reported["trend"][int(name.split(".")[1])]
        elif name == "exceptions":
            expected = 1
        else:
            expected = _lookup(summary, name)
        assert int(text) == expected, name
        checked += 1
    assert checked >= 30
    assert summary["totals"]["failed"] == 1 and summary["totals"]["findings"] > 0
