"""The HTML report's charts, laid out by headless Chromium at 1400 px: with 60 repositories of
long names no bar label overlaps a bar, a value, another label or another chart, and the charts
fold everything past the top bars into one "others" bar."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.org.history import open_history
from analyzer.reporters.html import TOP_N, bar_chart, fold, render_html
from tests.gitrepos import CURVES, WEAK_RSA, make_repo

# Measured in the browser: every label's visible box (its text clipped to the label column)
# against the bars and values of its chart, the other labels and the other charts.
GEOMETRY = """
<script>
function box(e){const r=e.getBoundingClientRect();return {l:r.left,t:r.top,r:r.right,b:r.bottom};}
function cut(a,b){return {l:Math.max(a.l,b.l),t:Math.max(a.t,b.t),r:Math.min(a.r,b.r),b:Math.min(a.b,b.b)};}
function hit(a,b){return Math.min(a.r,b.r)-Math.max(a.l,b.l)>0.5&&Math.min(a.b,b.b)-Math.max(a.t,b.t)>0.5;}
const problems=[];const charts=[...document.querySelectorAll('svg.bars')];
charts.forEach((svg,ci)=>{
  const frame=box(svg);
  const labels=[...svg.querySelectorAll('svg.label')].map(l=>({name:l.textContent,
    box:cut(box(l.querySelector('text')),box(l))}));
  const marks=[...svg.querySelectorAll(':scope > rect, :scope > text.value')].map(box);
  labels.forEach((a,i)=>{
    marks.forEach(m=>{if(hit(a.box,m))problems.push(`chart ${ci}: label ${a.name} overlaps a bar`);});
    labels.forEach((b,j)=>{if(i<j&&hit(a.box,b.box))problems.push(`chart ${ci}: labels overlap`);});
    charts.forEach((o,oi)=>{if(oi!==ci&&hit(a.box,box(o)))problems.push(`label ${a.name} runs into chart ${oi}`);});
    if(a.box.l<frame.l-0.5||a.box.r>frame.r+0.5)problems.push(`chart ${ci}: label outside`);
  });
  marks.forEach(m=>{if(m.r>frame.r+0.5)problems.push(`chart ${ci}: a value runs out of the chart`);});
  charts.forEach((o,oi)=>{if(oi>ci&&hit(frame,box(o)))problems.push(`chart ${ci} overlaps chart ${oi}`);});
});
const out=document.createElement('pre');out.id='geometry';
out.textContent=JSON.stringify({charts:charts.length,labels:document.querySelectorAll('svg.label').length,
  problems,scroll:document.documentElement.scrollWidth,inner:innerWidth});
document.body.appendChild(out);
</script>
"""


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_fold_keeps_the_top_bars_and_counts_the_rest() -> None:
    values = [(f"repo-{i:02d}", i) for i in range(60)]
    kept, folded, total = fold(values)
    assert len(kept) == TOP_N and kept[0] == ("repo-59", 59)
    assert (folded, total) == (60 - TOP_N, sum(range(60 - TOP_N)))
    assert fold(values[:5]) == (values[:5], 0, 0)
    svg = bar_chart("t", values)
    assert f"and {60 - TOP_N} more (together {sum(range(60 - TOP_N))}" in svg
    url = "https://git.example/acme/" + "x" * 80 + "-tail-of-the-name.git"
    svg = bar_chart("t", [(url, 3)])
    assert "…" in svg and "tail-of-the-name<" in svg and url in svg  # full name as tooltip


@pytest.fixture
def big_page(tmp_path: Path) -> str:
    """A real batch's summary, grown to 60 repositories with long names."""
    repo = make_repo(tmp_path / "src" / "alpha", {"app/keys.py": WEAK_RSA, "app/c.py": CURVES})
    db = tmp_path / "r.sqlite"
    args = ["batch", str(repo), "--db", str(db), "--no-semgrep", "--no-progress"]
    args += ["--out", str(tmp_path / "o"), "--workdir", str(tmp_path / "w")]
    assert CliRunner().invoke(main, args).exit_code == 0
    summary = json.loads(
        CliRunner().invoke(main, ["report", "--db", str(db), "--format", "json"]).stdout
    )
    template = summary["repositories"][0]
    for i in range(60):
        item = copy.deepcopy(template)
        item["repo"] = (
            "https://github.example.com/acme-corporation-payments-platform/"
            f"settlement-and-reconciliation-service-number-{i:02d}-with-a-long-name.git"
        )
        item["findings"] = (i * 7) % 23 + 1
        summary["repositories"].append(item)
    with open_history(db) as history:
        return render_html(summary, history.last_policy(), history.trend(), [])


@pytest.mark.skipif(_chromium() is None, reason="chromium not installed (.ci/run installs it)")
def test_chart_labels_overlap_nothing_at_1400px(big_page: str, tmp_path: Path) -> None:
    browser = _chromium()
    assert browser is not None
    page = tmp_path / "report.html"
    page.write_text(big_page, encoding="utf-8")
    probe = tmp_path / "probe.html"  # the page without its CSP (which forbids any script) + probe
    unlocked = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", big_page)
    probe.write_text(unlocked.replace("</body>", GEOMETRY + "</body>"), encoding="utf-8")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--hide-scrollbars",
        "--window-size=1400,3000",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    png = tmp_path / "report.png"
    subprocess.run(
        [browser, *flags, f"--screenshot={png}", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dom = subprocess.run(
        [browser, *flags, "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ).stdout
    match = re.search(r'<pre id="geometry">(.*?)</pre>', dom, re.DOTALL)
    assert match, dom[-2000:]
    geometry: dict[str, Any] = json.loads(match.group(1).replace("&amp;", "&"))
    assert geometry["charts"] == 4
    assert geometry["labels"] >= TOP_N  # the repository chart, folded
    assert geometry["problems"] == []
    assert geometry["scroll"] <= geometry["inner"]  # nothing wider than the window
