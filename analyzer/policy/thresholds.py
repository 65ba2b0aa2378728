"""The numbers of the key-generation standard that rules compare against.

Their defaults come from the shipped default profile (``rules/profiles/default.toml``), the single
source of the default standard and of the reason for each number. Adding a threshold is one field
here plus its number in that profile: the policy loader, validation, ``keyguard policy show`` and
``policy init`` derive everything else from the field's name and type.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

from analyzer.knowledge.files import rules_dir


def _default_profile() -> dict[str, Any]:
    with (rules_dir() / "profiles" / "default.toml").open("rb") as fh:
        return tomllib.load(fh)


_DEFAULT = _default_profile()
_T: dict[str, Any] = _DEFAULT["thresholds"]

DEFAULT_EC_CURVES: tuple[str, ...] = tuple(_T["ec_curves"])


@dataclass(frozen=True)
class Thresholds:
    """Minimums and allow-lists; the defaults are the embedded default standard."""

    rsa_min_bits: int = _T["rsa_min_bits"]
    dsa_min_bits: int = _T["dsa_min_bits"]
    dh_min_bits: int = _T["dh_min_bits"]
    ec_curves: tuple[str, ...] = DEFAULT_EC_CURVES
    symmetric_min_bits: int = _T["symmetric_min_bits"]
    rsa_exponents: tuple[int, ...] = tuple(_T["rsa_exponents"])
    pbkdf2_min_iterations: dict[str, int] = field(
        default_factory=lambda: dict(_T["pbkdf2_min_iterations"])
    )
    pbkdf2_default_min_iterations: int = _T["pbkdf2_default_min_iterations"]
    scrypt_min_n: int = _T["scrypt_min_n"]
    salt_min_bytes: int = _T["salt_min_bytes"]
    allowed_kms_key_specs: tuple[str, ...] = tuple(_T["allowed_kms_key_specs"])
    require_hsm: bool = _T["require_hsm"]
    max_rotation_days: int = _T["max_rotation_days"]
    required_key_tags: tuple[str, ...] = tuple(_T["required_key_tags"])
    # Read from the policy's [libraries.prohibited] table, not from [thresholds].
    prohibited_libraries: dict[str, str] = field(
        default_factory=lambda: dict(_DEFAULT["libraries"]["prohibited"])
    )

    def pbkdf2_min_for(self, hash_name: str | None) -> int:
        """Minimum PBKDF2 iterations for a hash name such as ``sha256`` (unknown hash: default)."""
        if hash_name is None:
            return self.pbkdf2_default_min_iterations
        key = hash_name.lower().replace("-", "").replace("_", "")
        return self.pbkdf2_min_iterations.get(key, self.pbkdf2_default_min_iterations)
