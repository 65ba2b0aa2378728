"""The default standard treats the test code of every language as test code (issue 14)."""

from __future__ import annotations

import pytest

from analyzer.policy.model import Policy
from analyzer.policy.paths import matches


@pytest.mark.parametrize(
    ("path", "is_test"),
    [
        ("ssh/testdata/keys.go", True),
        ("testdata/jwtRS256.key", True),
        ("crypto/rsa_test.go", True),
        ("src/test/java/com/example/KeyServiceTest.java", True),
        ("src/it/java/com/example/VaultIT.java", True),
        ("integration-tests/kms/main.tf", True),
        ("web/src/__tests__/token.js", True),
        ("web/src/token.spec.ts", True),
        ("web/src/Login.test.tsx", True),
        ("src/main/kotlin/com/example/KeysTest.kt", True),
        ("Billing.Tests/KeyVaultTests.cs", True),
        ("src/main/java/com/example/KeyService.java", False),
        ("internal/tokens/tokens.go", False),
        ("web/src/contest.js", False),
    ],
)
def test_default_test_paths(path: str, is_test: bool) -> None:
    assert matches(path, Policy().test_paths) is is_test
