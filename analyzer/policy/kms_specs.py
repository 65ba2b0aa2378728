"""Which cloud key specs the standard allows: read by the Semgrep templates and the IaC engine."""

from __future__ import annotations

from analyzer.knowledge.iac_resources import iac_resources
from analyzer.policy.thresholds import Thresholds


def curve_ok(curve: str | None, thresholds: Thresholds) -> bool:
    """True when ``curve`` (canonical name) is approved, or when there is no curve."""
    return curve is None or curve.lower() in {c.lower() for c in thresholds.ec_curves}


def allowed_aws_specs(thresholds: Thresholds) -> list[str]:
    """AWS KeySpecs the standard allows: the allow-list, less RSA below the minimum and bad curves."""
    allowed = []
    for spec in thresholds.allowed_kms_key_specs:
        known = iac_resources().aws_key_specs.get(spec)
        algorithm, size, curve = known if known is not None else ("", None, None)
        if algorithm == "RSA" and (size or 0) < thresholds.rsa_min_bits:
            continue
        if not curve_ok(curve, thresholds):
            continue
        allowed.append(spec)
    return allowed
