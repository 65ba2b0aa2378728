"""The layers of analyzer/ hold: `lint-imports` checks the contracts in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def _lint_imports() -> list[str]:
    found = shutil.which("lint-imports") or shutil.which(
        "lint-imports", path=str(Path(sys.executable).parent)
    )
    assert found, "import-linter is a test dependency (pip install -e '.[test]')"
    return [found, "--no-cache"]


def test_import_contracts_are_kept() -> None:
    proc = subprocess.run(
        _lint_imports(), cwd=REPO, capture_output=True, text=True, check=False, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "broken" not in proc.stdout.lower().replace("0 broken", ""), proc.stdout
