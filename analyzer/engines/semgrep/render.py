"""Render the Semgrep rule templates with the effective thresholds of the standard.

Templates under ``rules/semgrep/<language>/*.yaml`` hold ``${name}`` placeholders (braced only, so
Semgrep's own ``$X`` metavariables pass through untouched); :func:`render_mapping` is the one place
that turns a :class:`Thresholds` into their values.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

from analyzer.knowledge.files import rules_dir
from analyzer.policy.thresholds import Thresholds

# Names the languages' APIs use for each standard curve name (lower-case keys).
CURVE_ALIASES: dict[str, tuple[str, ...]] = {
    "secp192r1": ("P-192", "P192", "prime192v1", "nistP192"),
    "secp224r1": ("P-224", "P224", "nistP224"),
    "secp256r1": ("P-256", "P256", "prime256v1", "nistP256"),
    "secp384r1": ("P-384", "P384", "nistP384"),
    "secp521r1": ("P-521", "P521", "nistP521"),
    "brainpoolp256r1": ("brainpoolP256r1",),
    "brainpoolp384r1": ("brainpoolP384r1",),
    "brainpoolp512r1": ("brainpoolP512r1",),
    "ed25519": ("Ed25519",),
    "ed448": ("Ed448",),
    "x25519": ("X25519",),
    "x448": ("X448",),
}


class _BracedTemplate(Template):
    """``string.Template`` that only substitutes ``${name}``; a bare ``$NAME`` is left alone."""

    flags = re.NOFLAG
    pattern = r"""
    \$(?:
      (?P<escaped>(?!))|
      (?P<named>(?!))|
      \{(?P<braced>[a-z][a-z0-9_]*)\}|
      (?P<invalid>(?!))
    )
    """


def _curve_names(curves: tuple[str, ...]) -> list[str]:
    names: set[str] = set()
    for curve in curves:
        names.add(curve)
        names.update(CURVE_ALIASES.get(curve.lower(), ()))
    return sorted(names, key=lambda n: (-len(n), n))


def render_mapping(thresholds: Thresholds) -> dict[str, str]:
    """Placeholder values for the rule templates, all derived from ``thresholds``."""
    allowed = "|".join(re.escape(n) for n in _curve_names(thresholds.ec_curves))
    exponents = " and ".join(f"$EXP != {e}" for e in thresholds.rsa_exponents) or "False"
    iterations = thresholds.pbkdf2_min_iterations
    default = thresholds.pbkdf2_default_min_iterations
    from analyzer.engines.iac.engine import (
        iac_placeholders,  # the IaC templates share this renderer
    )

    return {
        **iac_placeholders(thresholds),
        "rsa_min_bits": str(thresholds.rsa_min_bits),
        "dsa_min_bits": str(thresholds.dsa_min_bits),
        "dh_min_bits": str(thresholds.dh_min_bits),
        "symmetric_min_bits": str(thresholds.symmetric_min_bits),
        "symmetric_min_bytes": str((thresholds.symmetric_min_bits + 7) // 8),
        "salt_min_bytes": str(thresholds.salt_min_bytes),
        "pbkdf2_min_iterations": str(default),
        "pbkdf2_min_iterations_sha1": str(iterations.get("sha1", default)),
        "pbkdf2_min_iterations_sha256": str(iterations.get("sha256", default)),
        "pbkdf2_min_iterations_sha512": str(iterations.get("sha512", default)),
        # Matches a curve name (optionally quoted) that is NOT on the approved list.
        "ec_curves_regex": f"(?i)^(?![\"'`]?(?:{allowed})[\"'`]?$)",
        "ec_curves_list": ", ".join(thresholds.ec_curves),
        "rsa_exponent_disallowed": exponents,
        "rsa_exponents_list": ", ".join(str(e) for e in thresholds.rsa_exponents),
    }


def template_files(languages: set[str] | None = None) -> list[Path]:
    """Rule templates for the given rule directories (all of them when ``languages`` is None)."""
    base = rules_dir() / "semgrep"
    files = sorted(base.glob("*/*.yaml"))
    if languages is not None:
        files = [f for f in files if f.parent.name in languages]
    return files


def render_rules(
    thresholds: Thresholds, out_dir: Path, languages: set[str] | None = None
) -> list[Path]:
    """Write the rendered templates into ``out_dir`` (one file per template) and return them."""
    mapping = render_mapping(thresholds)
    written: list[Path] = []
    for template in template_files(languages):
        text = _BracedTemplate(template.read_text(encoding="utf-8")).substitute(mapping)
        target = out_dir / f"{template.parent.name}-{template.name}"
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
