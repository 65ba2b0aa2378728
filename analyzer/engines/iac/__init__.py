"""The IaC engine as the pipeline sees it (``ENGINE``): Terraform and CloudFormation."""

from __future__ import annotations

from typing import Any

from analyzer.engines.base import EngineContext, Target
from analyzer.findings.model import Binding, DataStore, FileResult, Finding, KeySite
from analyzer.knowledge.languages import BY_NAME, languages_of_engine


class IacEngine:
    """Per-file engine (inventory, policy documents, rotation) with a project step that marks
    each declared key violated by the infrastructure findings inside it."""

    name = "iac"
    languages: frozenset[str] | None = languages_of_engine("iac")

    def prefilter(self, data: bytes, language: str | None) -> bool:
        row = BY_NAME.get(language or "")
        if row is None or row.prefilter is None:
            return False
        if row.prefilter.search(data):
            return True
        from analyzer.knowledge.iac_stores import stores_prefilter

        return stores_prefilter().search(data) is not None

    def analyze(self, target: Target, data: bytes, context: EngineContext) -> FileResult:
        from analyzer.engines.iac import engine

        read: list[Any] = []
        result = engine.analyze_iac(data, target.rel, context.thresholds, context.root, read)
        if read:
            recorded = [["module_dir", d.rel, d.digest] for d in read]
            context.lookups.setdefault(self.name, []).extend(recorded)
        return result

    def still_holds(self, lookups: list[list[Any]], context: EngineContext) -> bool:
        """A result that read other files of a module directory holds while they are unchanged."""
        from analyzer.engines.iac.variables import read_module_dir

        return all(
            kind == "module_dir" and read_module_dir(context.root, rel).digest == digest
            for kind, rel, digest in lookups
        )

    def preload(self) -> None:
        """Nothing to import ahead: the YAML parser is cheap."""

    def link(
        self, findings: list[Finding], sites: list[KeySite], context: EngineContext
    ) -> list[Finding] | None:
        if not any("iac" in site.properties for site in sites):
            return None
        from analyzer.engines.iac import engine

        engine.link_sites(sites, findings)
        return None

    def resolve_stores(
        self,
        stores: list[DataStore],
        bindings: list[Binding],
        sites: list[KeySite],
        context: EngineContext,
    ) -> list[Finding]:
        if not stores and not any("iac" in site.properties for site in sites):
            return []
        from analyzer.engines.iac import keymap

        stores[:] = keymap.resolve(stores, bindings)
        keymap.apply_default_tags(sites, bindings)
        return keymap.tag_findings(sites, context.thresholds.required_key_tags)


ENGINE = IacEngine()
