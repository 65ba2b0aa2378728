"""The repository list: arguments, list files, folders of checkouts, and deterministic shards."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.org.repos import RepoSpec, expand, in_shard, parse_shard, shard


def test_expand_kinds(tmp_path: Path) -> None:
    checkouts = tmp_path / "checkouts"
    for name in ("a", "b"):
        (checkouts / name / ".git").mkdir(parents=True)
    (checkouts / "not-a-repo").mkdir()
    plain = tmp_path / "plain"
    plain.mkdir()
    listing = tmp_path / "repos.txt"
    listing.write_text(
        "# comment\n\nfile:///srv/git/x.git\nhttps://user:secret@example.com/org/y.git\n"
        "plain  # trailing comment\n",
        encoding="utf-8",
    )
    specs = expand([str(checkouts), str(listing), str(plain)])
    identities = [s.identity for s in specs]
    assert identities == [
        str(checkouts / "a"),
        str(checkouts / "b"),
        "file:///srv/git/x.git",
        "https://example.com/org/y.git",
        str(plain),
    ]
    assert [s.is_url for s in specs] == [False, False, True, True, False]


def test_missing_path_is_kept_for_reporting(tmp_path: Path) -> None:
    specs = expand([str(tmp_path / "gone")])
    assert specs == [RepoSpec(str(tmp_path / "gone"), False)]


def test_shards_partition_the_list_deterministically() -> None:
    specs = [RepoSpec(f"https://example.com/org/repo{i}.git", True) for i in range(40)]
    parts = [shard(specs, k, 4) for k in range(1, 5)]
    assert sorted(s.identity for p in parts for s in p) == sorted(s.identity for s in specs)
    assert all(parts)
    assert parts == [shard(list(reversed(specs)), k, 4)[::-1] for k in range(1, 5)]
    assert all(in_shard(s, 1, 1) for s in specs)


@pytest.mark.parametrize("text", ["0/3", "4/3", "a/b", "3"])
def test_bad_shard(text: str) -> None:
    with pytest.raises(ValueError):
        parse_shard(text)


def test_slug_is_file_safe_and_unique() -> None:
    a = RepoSpec("https://example.com/a/repo.git", True)
    b = RepoSpec("https://example.com/b/repo.git", True)
    assert a.slug != b.slug and a.slug.startswith("repo-") and "/" not in a.slug
