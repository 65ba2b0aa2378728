"""Semgrep engine: keyguard's rules for Java, Kotlin, Go, JavaScript/TypeScript and C#."""

from analyzer.engines.semgrep.prefilter import semgrep_prefilter
from analyzer.engines.semgrep.render import render_mapping, render_rules
from analyzer.engines.semgrep.runner import run_semgrep

__all__ = [
    "render_mapping",
    "render_rules",
    "run_semgrep",
    "semgrep_prefilter",
]
