"""Which paths are test code: findings there are kept but reported one level lower."""

from __future__ import annotations

from functools import lru_cache

import pathspec


class TestPathMatcher:
    """Matches POSIX paths relative to the scan root against the policy's test globs."""

    __test__ = False

    def __init__(self, globs: tuple[str, ...]) -> None:
        self._spec = pathspec.GitIgnoreSpec.from_lines(globs)

    @lru_cache(maxsize=4096)  # noqa: B019
    def __call__(self, rel: str) -> bool:
        return self._spec.match_file(rel)
