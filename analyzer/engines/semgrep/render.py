"""Render the Semgrep rule templates with the effective thresholds of the standard.

Templates under ``rules/semgrep/<language>/*.yaml`` hold ``${name}`` placeholders (braced only, so
Semgrep's own ``$X`` metavariables pass through untouched); their values come from
:mod:`analyzer.engines.semgrep.placeholders` (thresholds and the knowledge base).
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

from analyzer.engines.semgrep.placeholders import render_mapping
from analyzer.knowledge.files import rules_dir
from analyzer.policy.thresholds import Thresholds

__all__ = ["render_mapping", "render_rules", "template_files"]


class _BracedTemplate(Template):
    """``string.Template`` that only substitutes ``${name}``; a bare ``$NAME`` is left alone."""

    flags = re.NOFLAG
    pattern = r"""
    \$(?:
      (?P<escaped>(?!))|
      (?P<named>(?!))|
      \{(?P<braced>[a-z][a-z0-9_]*)\}|
      (?P<invalid>(?!))
    )
    """


def template_files(languages: set[str] | None = None) -> list[Path]:
    """Rule templates for the given rule directories (all of them when ``languages`` is None)."""
    base = rules_dir() / "semgrep"
    files = sorted(base.glob("*/*.yaml"))
    if languages is not None:
        files = [f for f in files if f.parent.name in languages]
    return files


def render_rules(
    thresholds: Thresholds, out_dir: Path, languages: set[str] | None = None
) -> list[Path]:
    """Write the rendered templates into ``out_dir`` (one file per template) and return them."""
    written: list[Path] = []
    for template in template_files(languages):
        mapping = render_mapping(thresholds, template.parent.name)
        text = _BracedTemplate(template.read_text(encoding="utf-8")).substitute(mapping)
        target = out_dir / f"{template.parent.name}-{template.name}"
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
