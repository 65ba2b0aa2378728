"""The secrets engine as the pipeline sees it (``ENGINE``); detect-secrets loads on first use."""

from __future__ import annotations

from typing import Any

from analyzer.engines.base import EngineContext, Target
from analyzer.findings.model import FileResult, Finding, KeySite


class SecretsEngine:
    """Per-file engine over every text file: private-key blocks and key-like literals."""

    name = "secrets"
    languages: frozenset[str] | None = None  # every file

    def prefilter(self, data: bytes, language: str | None) -> bool:
        if b"\0" in data[:8192]:  # binary
            return False
        from analyzer.engines.secrets.prefilter import secrets_prefilter

        return secrets_prefilter(data)

    def analyze(self, target: Target, data: bytes, context: EngineContext) -> FileResult:
        from analyzer.engines.secrets import engine

        return engine.scan_secrets(data, target.rel)

    def still_holds(self, lookups: list[list[Any]], context: EngineContext) -> bool:
        return not lookups

    def link(
        self, findings: list[Finding], sites: list[KeySite], context: EngineContext
    ) -> list[Finding] | None:
        """Encrypted keys whose passphrase is committed where they are loaded, in any file."""
        if not any("protection" in site.properties for site in sites):
            return None
        from analyzer.engines.secrets.link import link_passphrases

        return link_passphrases(sites, context.root)

    def preload(self) -> None:
        """Nothing to import ahead: detect-secrets loads on the first candidate line."""


ENGINE = SecretsEngine()
