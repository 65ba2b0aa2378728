"""The Semgrep engine as the pipeline sees it (``ENGINE``): one Semgrep process per scan."""

from __future__ import annotations

from analyzer.engines.base import EngineContext, Target
from analyzer.findings.model import FileResult, Notification
from analyzer.knowledge.languages import BY_NAME, languages_of_engine


class SemgrepEngine:
    """Whole-run engine: keyguard's rendered rules over every target in one Semgrep run."""

    name = "semgrep"
    label = "Semgrep"
    switch = "--no-semgrep"
    languages: frozenset[str] | None = languages_of_engine("semgrep")

    def prefilter(self, data: bytes, language: str | None) -> bool:
        row = BY_NAME.get(language or "")
        if row is not None and row.prefilter is not None:
            return row.prefilter.search(data) is not None
        from analyzer.engines.semgrep import prefilter

        return prefilter.semgrep_prefilter(data)

    def analyze_batch(
        self, targets: list[Target], context: EngineContext
    ) -> tuple[list[FileResult], list[Notification]]:
        from analyzer.engines.semgrep import runner

        return runner.run_semgrep(
            [(t.path, t.rel) for t in targets],
            context.thresholds,
            root=context.root,
            jobs=context.jobs,
            timeout=context.file_timeout,
            languages_of={t.rel: t.language for t in targets if t.language},
        )


ENGINE = SemgrepEngine()
