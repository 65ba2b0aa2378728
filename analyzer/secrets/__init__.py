"""Secrets engine: private key blocks and high-entropy key literals in any text file (KG302)."""

from analyzer.secrets.scan import scan_secrets, secrets_prefilter

__all__ = ["scan_secrets", "secrets_prefilter"]
