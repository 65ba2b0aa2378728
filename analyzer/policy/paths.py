"""Path globs of the policy (exceptions, allowed generation paths, test paths), matched one way.

Globs use gitignore semantics through ``pathspec``: ``**`` spans directories, a glob with a slash
is anchored at the scan root, one without (``test_*.py``) matches at any depth.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec


@cache
def _spec(globs: tuple[str, ...]) -> pathspec.PathSpec:
    import pathspec  # on the first match: a scan with nothing to match never imports it

    return pathspec.GitIgnoreSpec.from_lines(globs)


def matches(path: str, globs: Iterable[str]) -> bool:
    """Whether a POSIX path relative to the scan root matches any of the globs."""
    patterns = tuple(globs)
    return bool(patterns) and _spec(patterns).match_file(path)
