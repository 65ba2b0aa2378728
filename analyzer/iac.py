"""Infrastructure code (Terraform, CloudFormation): placeholders for the Semgrep rule templates."""

from __future__ import annotations

import re

from analyzer.iac_specs import (
    AWS_KEY_SPECS,
    AZURE_CURVES,
    GOOGLE_EC_ALGORITHMS,
    GOOGLE_RSA_SIZES,
    TLS_CURVES,
    TLS_DEFAULT_CURVE,
)
from analyzer.thresholds import Thresholds

NEVER = "(?!)"


def _curve_ok(curve: str | None, thresholds: Thresholds) -> bool:
    return curve is None or curve.lower() in {c.lower() for c in thresholds.ec_curves}


def allowed_aws_specs(thresholds: Thresholds) -> list[str]:
    """AWS KeySpecs the standard allows: the allow-list, less RSA below the minimum and bad curves."""
    allowed = []
    for spec in thresholds.allowed_kms_key_specs:
        algorithm, size, curve = AWS_KEY_SPECS.get(spec, ("", None, None))
        if algorithm == "RSA" and (size or 0) < thresholds.rsa_min_bits:
            continue
        if not _curve_ok(curve, thresholds):
            continue
        allowed.append(spec)
    return allowed


def _value_regex(values: list[str]) -> str:
    """A regex matching a (quoted or bare) value that is one of ``values``; never when empty."""
    if not values:
        return NEVER
    alternatives = "|".join(re.escape(v) for v in sorted(values))
    return f"^[\"']?(?:{alternatives})[\"']?$"


def _quote(regex: str) -> str:
    """A regex as a YAML double-quoted scalar, so the templates stay valid YAML."""
    return '"' + regex.replace("\\", "\\\\").replace('"', '\\"') + '"'


def iac_placeholders(thresholds: Thresholds) -> dict[str, str]:
    """Values for the Terraform and CloudFormation rule templates, derived from ``thresholds``."""
    allowed = allowed_aws_specs(thresholds)
    spec_alternatives = "|".join(re.escape(s) for s in allowed) or NEVER
    weak_google = [
        f"RSA_\\w+?_{size}_\\w+" for size in GOOGLE_RSA_SIZES if size < thresholds.rsa_min_bits
    ] + [re.escape(n) for n, c in GOOGLE_EC_ALGORITHMS.items() if not _curve_ok(c, thresholds)]
    google = f"^\"(?:{'|'.join(weak_google)})\"$" if weak_google else NEVER
    azure = [n for n, c in AZURE_CURVES.items() if not _curve_ok(c, thresholds)]
    tls = [n for n, c in TLS_CURVES.items() if not _curve_ok(c, thresholds)]
    tls_default_weak = not _curve_ok(TLS_CURVES[TLS_DEFAULT_CURVE], thresholds)
    return {
        "kms_key_spec_disallowed_regex": _quote(f"^(?![\"']?(?:{spec_alternatives})[\"']?$)"),
        "kms_key_specs_list": ", ".join(allowed) or "none",
        "google_algorithm_disallowed_regex": _quote(google),
        "azure_curve_disallowed_regex": _quote(_value_regex(azure)),
        "tls_curve_disallowed_regex": _quote(_value_regex(tls)),
        "tls_default_curve_weak": "1 == 1" if tls_default_weak else "1 == 0",
        "require_hsm": "1 == 1" if thresholds.require_hsm else "1 == 0",
        "max_rotation_days": str(thresholds.max_rotation_days),
    }
