"""How code spells the prohibited algorithms (``des``, ``tripledes``, ``rc4``, ``arcfour`` ...),
from the knowledge base; light enough for the prefilter (no LibCST)."""

from __future__ import annotations

from functools import cache

# Spellings too common in ordinary code to mark a cipher (an "idea", a "cast").
AMBIGUOUS_SPELLINGS = frozenset({"idea", "dea", "bf", "cast", "singledes"})


@cache
def algorithm_spellings() -> dict[str, str]:
    """Lower-case name -> prohibited algorithm, from the knowledge base's names and aliases
    (``des``, ``tripledes``, ``des3``, ``rc4``, ``arcfour`` ...)."""
    from analyzer.knowledge import algorithms as knowledge

    spelled: dict[str, str] = {}
    for algorithm in knowledge.algorithms():
        for name in (algorithm.name, *algorithm.aliases):
            spelled.setdefault(name.lower().replace("-", "").replace(" ", ""), algorithm.name)
        for qualname in algorithm.spelled("python"):
            for part in qualname.split("."):
                if part.lower() in spelled or part.lower() == "des3":
                    spelled.setdefault(part.lower(), algorithm.name)
    return {k: v for k, v in spelled.items() if k not in AMBIGUOUS_SPELLINGS}


@cache
def _distinct_spellings() -> tuple[bytes, ...]:
    return tuple(w.encode() for w in algorithm_spellings() if w != "des")


def spells_prohibited_algorithm(source: bytes, lowered: bytes | None = None) -> bool:
    """True when the bytes spell a prohibited algorithm inside a name (``python_rc4``,
    ``TripleDES``, ``des_ede3``): a cheap test, not a finding. ``des`` must not sit inside a
    word (``modes``, ``describe``). Substring searches: a case-insensitive regex is 5x slower."""
    lowered = source.lower() if lowered is None else lowered
    if any(word in lowered for word in _distinct_spellings()):
        return True
    if b"des" not in lowered:
        return False
    for word in (b"DES", b"des", b"Des"):
        at = source.find(word)
        while at != -1:
            if not source[at - 1 : at].isalpha() and not source[at + 3 : at + 4].islower():
                return True
            at = source.find(word, at + 3)
    return False
