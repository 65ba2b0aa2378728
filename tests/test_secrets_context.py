"""Where key material sits decides its level (issue 15): documentation in any language at the
policy's ``documentation_level``, test code by path, by the ``test_paths`` setting and by content."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from analyzer.knowledge.languages import is_test_content
from analyzer.pipeline.run import ScanOptions, scan
from analyzer.policy import default_policy
from analyzer.policy.errors import PolicyError
from analyzer.policy.load import load_policy
from tests.conftest import FIXTURES

SECRETS = FIXTURES / "secrets"


def _levels(root: Path, policy=None) -> dict[tuple[str, int], tuple[str, bool, str]]:
    report = scan(
        [root], root, policy or default_policy(), ScanOptions(jobs=1, without=("semgrep",))
    )
    return {
        (f.location.path, f.location.line): (f.level, f.is_test, str(f.facts.get("context", "")))
        for f in report.active()
        if f.rule_id == "KG302"
    }


@pytest.fixture(scope="module")
def levels() -> dict[tuple[str, int], tuple[str, bool, str]]:
    return _levels(SECRETS)


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("docs/WebhookSigner.java", 6),  # JavaDoc
        ("docs/verify.js", 5),  # JSDoc over several lines
        ("docs/verify.js", 11),  # one-line JSDoc
        ("docs/KeyDocs.cs", 6),  # C# XML documentation
        ("docs/docstring_example.py", 5),  # Python docstring
        ("docs/key_rotation.md", 6),  # prose
    ],
)
def test_documentation_is_a_note_in_every_language(levels, path: str, line: int) -> None:
    assert levels[(path, line)] == ("note", False, "documentation")


def test_a_plain_block_comment_and_code_are_not_documentation(levels) -> None:
    assert levels[("docs/WebhookSigner.java", 13)] == ("error", False, "")


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("code/handshake_check.py", 8),
        ("code/KeyLoaderCheck.java", 9),
        ("code/jwk_check.mjs", 4),
        ("code/keyhelpers.go", 8),
    ],
)
def test_a_module_that_imports_a_test_framework_is_test_code(levels, path: str, line: int) -> None:
    assert levels[(path, line)] == ("warning", True, "")


def test_a_module_without_a_test_framework_is_production(levels) -> None:
    assert levels[("code/server_setup.py", 5)] == ("error", False, "")


def test_test_paths_setting_applies_to_key_material() -> None:
    policy = replace(default_policy(), test_paths=("server_*.py",))
    found = _levels(SECRETS / "code", policy)
    assert found[("server_setup.py", 5)] == ("warning", True, "")


def test_documentation_level_is_a_policy_setting(tmp_path: Path) -> None:
    config = tmp_path / "keyguard.toml"
    config.write_text('documentation_level = "warning"\n')
    policy = load_policy(config, tmp_path)
    assert policy.documentation_level == "warning"
    assert default_policy().documentation_level == "note"
    found = _levels(SECRETS / "docs", policy)
    assert found[("WebhookSigner.java", 6)] == ("warning", False, "documentation")
    assert found[("WebhookSigner.java", 13)] == ("error", False, "")


def test_a_bad_documentation_level_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "keyguard.toml"
    config.write_text('documentation_level = "info"\n')
    with pytest.raises(PolicyError) as raised:
        load_policy(config, tmp_path)
    text = str(raised.value)
    assert "keyguard.toml" in text and "documentation_level" in text
    assert "unknown level 'info'" in text and "note, warning, error" in text


@pytest.mark.parametrize(
    ("path", "text", "is_test"),
    [
        ("svc/check.py", "import os\nfrom unittest import mock\n", True),
        ("svc/check.py", "from twisted.trial import unittest\n", True),
        ("svc/app.py", "import os\n# run with pytest\n", False),
        ("svc/KeysSpec.kt", "import io.kotest.core.spec.style.StringSpec\n", True),
        ("svc/Keys.cs", "using Xunit;\n", True),
        ("svc/Keys.cs", "using System.Security.Cryptography;\n", False),
        ("web/keys.ts", "import { describe } from '@jest/globals';\n", True),
        ("web/keys.ts", "import express from 'express';\n", False),
        ("conf/keys.yaml", "import pytest\n", False),
    ],
)
def test_test_code_by_content(path: str, text: str, is_test: bool) -> None:
    assert is_test_content(path, text) is is_test
