"""Semgrep engine: keyguard's rules for Java, Kotlin, Go, JavaScript/TypeScript and C#."""

from analyzer.engines.semgrep.languages import LANGUAGES, language_for, semgrep_prefilter
from analyzer.engines.semgrep.render import render_mapping, render_rules
from analyzer.engines.semgrep.runner import run_semgrep

__all__ = [
    "LANGUAGES",
    "language_for",
    "render_mapping",
    "render_rules",
    "run_semgrep",
    "semgrep_prefilter",
]
