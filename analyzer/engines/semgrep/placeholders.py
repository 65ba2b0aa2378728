"""Values of the Semgrep rule templates' ``${name}`` placeholders: the standard's thresholds and
the knowledge base (prohibited algorithms per language, curve aliases, IaC specs and defaults)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from analyzer.engines.semgrep.prefilter import go_key_packages
from analyzer.knowledge.algorithms import (
    LANGUAGE_SPELLINGS,
    SPELLING_KEYS,
    curve_canonical,
    curve_spellings,
    prohibited,
    prohibited_names,
    provider_default,
)
from analyzer.knowledge.iac_resources import iac_resources
from analyzer.policy.kms_specs import allowed_aws_specs, curve_ok
from analyzer.policy.thresholds import Thresholds

NEVER = "(?!)"
_TLS = ("hashicorp/tls", "tls_private_key")

# Names of variables and fields that hold key material (KG101 into a secret, Java/Kotlin/C#): a
# name ending in key, token, secret, password, salt, nonce or iv (with an optional suffix such as
# Bytes or Str); the second regex drops keys that are lookup keys, not secrets.
NAME_PLACEHOLDERS: dict[str, str] = {
    "secret_name_regex": (
        r"^(this\.)?([a-z_]\w*?)?([kK]ey|KEY|[tT]oken|TOKEN|[sS]ecret|SECRET|[pP]assw(or)?d|PASSWORD"
        r"|[sS]alt|SALT|[nN]once|NONCE|^iv|^IV|[a-z_]I[vV])(s|S|Bytes|BYTES|Str|String|Value|Hex)?\s*(=|$)"
    ),
    "not_secret_name_regex": (
        r"^(?!(this\.)?(sort|cache|partition|shard|map|hash|lookup|idempotency|primary|routing|row"
        r"|group|message|dedup|monkey|hot|donkey)[kK]ey)"
    ),
}


def _alternation(names: Iterable[str]) -> str:
    """``a|b|c`` of the escaped names, longest first so a prefix never shadows a longer name."""
    unique = sorted(set(names), key=lambda n: (-len(n), n))
    return "|".join(re.escape(n) for n in unique) or NEVER


def _curve_names(curves: tuple[str, ...]) -> list[str]:
    return [name for curve in curves for name in curve_spellings(curve)]


def _short_hex_regex(min_bits: int) -> str:
    """A quoted hexadecimal literal whose value certainly has fewer than ``min_bits`` bits: at most
    ``(min_bits - 1) // 4`` significant digits (a longer one with a small first digit is not claimed)."""
    return f'^"0*[1-9a-fA-F][0-9a-fA-F]{{0,{max(0, (min_bits - 1) // 4 - 1)}}}"$'


def threshold_placeholders(thresholds: Thresholds) -> dict[str, str]:
    """Placeholders every language shares: sizes, work factors, curves, exponents."""
    exponents = " and ".join(f"$EXP != {e}" for e in thresholds.rsa_exponents) or "False"
    exponents_int = " and ".join(f"int($EXP) != {e}" for e in thresholds.rsa_exponents) or "False"
    iterations = thresholds.pbkdf2_min_iterations
    default = thresholds.pbkdf2_default_min_iterations
    allowed = _alternation(_curve_names(thresholds.ec_curves))
    return {
        "rsa_min_bits": str(thresholds.rsa_min_bits),
        "dsa_min_bits": str(thresholds.dsa_min_bits),
        "dh_min_bits": str(thresholds.dh_min_bits),
        "symmetric_min_bits": str(thresholds.symmetric_min_bits),
        "symmetric_min_bytes": str((thresholds.symmetric_min_bits + 7) // 8),
        "salt_min_bytes": str(thresholds.salt_min_bytes),
        "scrypt_min_n": str(thresholds.scrypt_min_n),
        "pbkdf2_min_iterations": str(default),
        "pbkdf2_min_iterations_sha1": str(iterations.get("sha1", default)),
        "pbkdf2_min_iterations_sha256": str(iterations.get("sha256", default)),
        "pbkdf2_min_iterations_sha512": str(iterations.get("sha512", default)),
        # The hash is not known: below the lowest count any hash is allowed.
        "pbkdf2_min_iterations_any": str(min([default, *iterations.values()])),
        # Hex digits of a modulus below dh_min_bits (a literal DH prime written in hex).
        "dh_short_hex_digits": str(thresholds.dh_min_bits // 4 - 1),
        # Matches a curve name (optionally quoted) that is NOT on the approved list.
        "ec_curves_regex": f"(?i)^(?![\"'`]?(?:{allowed})[\"'`]?$)",
        "ec_curves_list": ", ".join(thresholds.ec_curves),
        "dh_prime_short_hex_regex": _short_hex_regex(thresholds.dh_min_bits),
        "rsa_exponent_disallowed": exponents,
        "rsa_exponent_disallowed_int": exponents_int,
        **NAME_PLACEHOLDERS,
        "rsa_exponents_list": ", ".join(str(e) for e in thresholds.rsa_exponents),
    }


def algorithm_placeholders(language: str | None) -> dict[str, str]:
    """``prohibited_<key>_regex`` per spelling key, the list of names, and for a template
    directory's language ``prohibited_algorithms_regex`` in that language's main spelling."""
    mapping = {f"prohibited_{key}_regex": _alternation(prohibited(key)) for key in SPELLING_KEYS}
    mapping["prohibited_algorithms_list"] = ", ".join(prohibited_names())
    keys = LANGUAGE_SPELLINGS.get(language or "")
    if keys:
        mapping["prohibited_algorithms_regex"] = mapping[f"prohibited_{keys[0]}_regex"]
    mapping["go_key_packages_regex"] = _alternation(go_key_packages())
    return mapping


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
    """Values for the Terraform and CloudFormation templates: specs, curves, provider defaults."""
    facts = iac_resources()
    allowed = allowed_aws_specs(thresholds)
    spec_alternatives = "|".join(re.escape(s) for s in allowed) or NEVER
    weak_google = [
        f"RSA_\\w+?_{size}_\\w+"
        for size in facts.google_rsa_sizes
        if size < thresholds.rsa_min_bits
    ] + [re.escape(n) for n, c in facts.google_ec_algorithms.items() if not curve_ok(c, thresholds)]
    google = f'^"(?:{"|".join(weak_google)})"$' if weak_google else NEVER
    azure = [n for n, c in facts.azure_curves.items() if not curve_ok(c, thresholds)]
    tls = [n for n, c in facts.tls_curves.items() if not curve_ok(c, thresholds)]
    tls_curve = str(provider_default(*_TLS, "ecdsa_curve"))
    tls_default_weak = not curve_ok(curve_canonical(tls_curve), thresholds)
    return {
        "kms_key_spec_disallowed_regex": _quote(f"^(?![\"']?(?:{spec_alternatives})[\"']?$)"),
        "kms_key_specs_list": ", ".join(allowed) or "none",
        "google_algorithm_disallowed_regex": _quote(google),
        "azure_curve_disallowed_regex": _quote(_value_regex(azure)),
        "tls_curve_disallowed_regex": _quote(_value_regex(tls)),
        "tls_default_curve": tls_curve,
        "tls_default_curve_weak": "1 == 1" if tls_default_weak else "1 == 0",
        "tls_default_rsa_bits": str(provider_default(*_TLS, "rsa_bits")),
        "require_hsm": "1 == 1" if thresholds.require_hsm else "1 == 0",
        "max_rotation_days": str(thresholds.max_rotation_days),
    }


def render_mapping(thresholds: Thresholds, language: str | None = None) -> dict[str, str]:
    """Every placeholder's value for the templates of ``language`` (a rule directory name)."""
    return {
        **threshold_placeholders(thresholds),
        **algorithm_placeholders(language),
        **iac_placeholders(thresholds),
    }
