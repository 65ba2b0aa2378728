"""The command line starts fast: heavy engines and reporters are imported only when a scan needs them."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

HEAVY = ("libcst", "detect_secrets", "sarif_om", "semgrep", "cyclonedx", "jsonschema", "dask")


def _modules_after(code: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json, sys; print(json.dumps(sorted(sys.modules)))"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    return {name.split(".")[0] for name in json.loads(out.splitlines()[-1])}


def test_importing_the_cli_loads_no_engine_or_reporter() -> None:
    loaded = _modules_after("import analyzer.cli")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_a_warm_rescan_never_loads_an_engine(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "keys.py").write_text(
        "from cryptography.hazmat.primitives.asymmetric import rsa\n"
        "key = rsa.generate_private_key(public_exponent=65537, key_size=1024)\n"
    )
    scan = (
        "from pathlib import Path\n"
        "from analyzer.policy import default_policy\n"
        "from analyzer.pipeline.run import ScanOptions, scan\n"
        f"root = Path({str(tmp_path)!r})\n"
        "report = scan([root], root, default_policy(), ScanOptions(jobs=1, cache_dir=root / 'c'))\n"
        "assert [f.rule_id for f in report.findings] == ['KG201'], report.findings\n"
    )
    assert "libcst" in _modules_after(scan), "control: the cold scan parses"
    loaded = _modules_after(scan)
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
