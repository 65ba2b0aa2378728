"""The shipped profiles (``rules/profiles/*.toml``): names, bytes and parsed data."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from analyzer.knowledge.files import rules_dir

PROFILES: tuple[str, ...] = ("default", "pci-min", "nist-2031")


def profile_path(name: str) -> Path:
    """Where a shipped profile lives (the name is one of ``PROFILES``)."""
    return rules_dir() / "profiles" / f"{name}.toml"


@cache
def profile_bytes(name: str) -> bytes:
    """The bytes of a shipped profile: what its SHA-256 is computed over."""
    return profile_path(name).read_bytes()


@cache
def _profile_data(name: str) -> dict[str, Any]:
    return tomllib.loads(profile_bytes(name).decode("utf-8"))


def profile_data(name: str) -> dict[str, Any]:
    """The parsed TOML of a shipped profile (a fresh copy is not made: do not mutate)."""
    return _profile_data(name)
