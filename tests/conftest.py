"""Shared test helpers: the SARIF schema from ../shared, a validator, and a CLI runner."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import analyzer.pipeline.files as files_module

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


@pytest.fixture(autouse=True, scope="session")
def _private_result_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """CLI scans cache in the user's cache folder: in tests, in one of the session's own."""
    if "KEYGUARD_CACHE_DIR" not in os.environ:
        os.environ["KEYGUARD_CACHE_DIR"] = str(tmp_path_factory.mktemp("keyguard-cache"))


def _schema_path() -> Path:
    configured = os.environ.get("KEYGUARD_SARIF_SCHEMA")
    if configured:
        return Path(configured)
    return REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="session")
def sarif_validator() -> jsonschema.protocols.Validator:
    path = _schema_path()
    assert path.is_file(), (
        f"SARIF schema not found at {path}; set KEYGUARD_SARIF_SCHEMA (.ci/run does) "
        "or keep ../shared beside the checkout"
    )
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@pytest.fixture
def validate_sarif(sarif_validator: jsonschema.protocols.Validator) -> Callable[[Any], None]:
    """Assert that a SARIF log (text or dict) is valid against the official schema."""

    def check(log: Any) -> None:
        data = json.loads(log) if isinstance(log, str) else log
        errors = sorted(sarif_validator.iter_errors(data), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])

    return check


@pytest.fixture
def analysed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the engines actually ran on (cache misses), in order."""
    seen: list[str] = []
    real = files_module._analyze

    def counting(work, ctx):  # type: ignore[no-untyped-def]
        seen.append(work.rel)
        return real(work, ctx)

    monkeypatch.setattr(files_module, "_analyze", counting)
    return seen
