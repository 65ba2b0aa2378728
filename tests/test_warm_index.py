"""A warm rescan serves files whose cached result is empty from the stat index alone: no cache
entry is read for them, and the counts (analysed, skipped by the prefilter) stay the same."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from analyzer.pipeline.cache import ResultCache
from analyzer.pipeline.run import ScanOptions, ScanReport, scan
from analyzer.policy import default_policy

FILES = {
    "app/weak.py": (
        "from cryptography.hazmat.primitives.asymmetric import rsa\n"
        "key = rsa.generate_private_key(public_exponent=65537, key_size=1024)\n"
    ),
    "app/strong.py": (
        "from cryptography.hazmat.primitives.asymmetric import rsa\n"
        "key = rsa.generate_private_key(public_exponent=65537, key_size=4096)\n"
    ),
    # analysed and empty, with an import answer its result depends on (re-checked on reuse)
    "app/hashing.py": (
        "from cryptography.hazmat.primitives import hashes\nh = hashes.Hash(hashes.SHA256())\n"
    ),
    # analysed (randomness and a key word pass the prefilter) and empty, depending on nothing
    "app/words.py": "# shuffle the token list\norder = deck.random.sample(range(3), 3)\n",
    "app/plain.py": "print('nothing to see')\n",  # skipped by every prefilter
}


def _counts(report: ScanReport) -> tuple[int, int, int, int]:
    return (report.files_seen, report.files_analyzed, report.files_skipped, len(report.findings))


@pytest.fixture
def entries_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    read: list[str] = []
    real = ResultCache.get

    def counting(self: ResultCache, key: str, holds=None):  # type: ignore[no-untyped-def]
        read.append(key)
        return real(self, key, holds)

    monkeypatch.setattr(ResultCache, "get", counting)
    return read


def test_empty_results_come_from_the_stat_index(tmp_path: Path, entries_read: list[str]) -> None:
    root, cache = tmp_path / "project", tmp_path / "cache"
    an_hour_ago = time.time() - 3600
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.utime(path, (an_hour_ago, an_hour_ago))
    options = ScanOptions(jobs=1, without=("semgrep",), cache_dir=cache)
    cold = scan([root], root, default_policy(), options)
    assert cold.files_analyzed == 4 and cold.files_skipped == 1 and len(cold.findings) == 1
    entries_read.clear()
    warm = scan([root], root, default_policy(), options)
    assert _counts(warm) == _counts(cold)
    assert [f.fingerprint for f in warm.findings] == [f.fingerprint for f in cold.findings]
    # strong.py has a key site, weak.py a finding, hashing.py an import answer to check: only
    # those entries are read, not those of words.py (analysed) and plain.py (skipped)
    assert len(entries_read) == 3

    (root / "app" / "plain.py").write_text("import random\napi_key = random.random()\n")
    changed = scan([root], root, default_policy(), options)
    assert ("app/plain.py", "KG101") in {(f.location.path, f.rule_id) for f in changed.findings}
