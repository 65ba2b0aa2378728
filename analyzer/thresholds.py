"""The numbers of the key-generation standard that rules compare against."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_EC_CURVES: tuple[str, ...] = (
    "secp256r1",
    "secp384r1",
    "secp521r1",
    "brainpoolP256r1",
    "brainpoolP384r1",
    "brainpoolP512r1",
    "ed25519",
    "ed448",
    "x25519",
    "x448",
)


@dataclass(frozen=True)
class Thresholds:
    """Minimums and allow-lists; the defaults are the embedded default standard."""

    rsa_min_bits: int = 2048
    dsa_min_bits: int = 2048
    dh_min_bits: int = 2048
    ec_curves: tuple[str, ...] = DEFAULT_EC_CURVES
    symmetric_min_bits: int = 128
    rsa_exponents: tuple[int, ...] = (65537,)
    pbkdf2_min_iterations: dict[str, int] = field(
        default_factory=lambda: {"sha1": 1_300_000, "sha256": 600_000, "sha512": 210_000}
    )
    pbkdf2_default_min_iterations: int = 600_000
    scrypt_min_n: int = 2**17
    salt_min_bytes: int = 16
    prohibited_libraries: dict[str, str] = field(
        default_factory=lambda: {
            "pycrypto": "unmaintained since 2013, known CVEs; use pyca/cryptography",
            "pyDes": "pure-Python DES/3DES only",
            "M2Crypto": "thin OpenSSL wrapper with unsafe defaults; use pyca/cryptography",
            "python-rsa": "pure-Python RSA, not constant time",
            "python-ecdsa": "pure-Python ECDSA, not constant time",
        }
    )

    def pbkdf2_min_for(self, hash_name: str | None) -> int:
        """Minimum PBKDF2 iterations for a hash name such as ``sha256`` (unknown hash: default)."""
        if hash_name is None:
            return self.pbkdf2_default_min_iterations
        key = hash_name.lower().replace("-", "").replace("_", "")
        return self.pbkdf2_min_iterations.get(key, self.pbkdf2_default_min_iterations)
