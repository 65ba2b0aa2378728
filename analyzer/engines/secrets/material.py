"""What a decoded blob is: a private key (which algorithm, format and size), an encrypted one,
public material, or nothing at all.

Only structure decides: PKCS#1, PKCS#8, SEC1 and OpenSSL DSA private keys, PKCS#8
EncryptedPrivateKeyInfo, SubjectPublicKeyInfo, certificates and requests, the OpenSSH key format.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Literal

from analyzer.engines.secrets.der import (
    BIT_STRING,
    CONTEXT_0,
    INTEGER,
    OCTET_STRING,
    OID,
    SEQUENCE,
    Element,
    oid_text,
    outer_sequence,
)

Kind = Literal["private", "encrypted", "public"]

_ALGORITHMS = {
    "1.2.840.113549.1.1.1": "RSA",
    "1.2.840.113549.1.1.10": "RSA-PSS",
    "1.2.840.10045.2.1": "EC",
    "1.2.840.10040.4.1": "DSA",
    "1.2.840.113549.1.3.1": "DH",
    "1.2.840.10046.2.1": "DH",
    "1.3.101.110": "X25519",
    "1.3.101.111": "X448",
    "1.3.101.112": "Ed25519",
    "1.3.101.113": "Ed448",
}
_FIXED_BITS = {"X25519": 256, "Ed25519": 256, "X448": 448, "Ed448": 456}
_CURVES = {
    "1.2.840.10045.3.1.1": ("P-192", 192),
    "1.3.132.0.33": ("P-224", 224),
    "1.2.840.10045.3.1.7": ("P-256", 256),
    "1.3.132.0.34": ("P-384", 384),
    "1.3.132.0.35": ("P-521", 521),
    "1.3.132.0.10": ("secp256k1", 256),
    "1.3.36.3.3.2.8.1.1.7": ("brainpoolP256r1", 256),
    "1.3.36.3.3.2.8.1.1.11": ("brainpoolP384r1", 384),
    "1.3.36.3.3.2.8.1.1.13": ("brainpoolP512r1", 512),
}
_SSH_TYPES = {
    "ssh-rsa": "RSA",
    "ssh-dss": "DSA",
    "ssh-ed25519": "Ed25519",
    "ssh-ed448": "Ed448",
    "ecdsa-sha2-nistp256": "EC",
    "ecdsa-sha2-nistp384": "EC",
    "ecdsa-sha2-nistp521": "EC",
    "sk-ssh-ed25519@openssh.com": "Ed25519",
    "sk-ecdsa-sha2-nistp256@openssh.com": "EC",
}
OPENSSH_MAGIC = b"openssh-key-v1\0"


@dataclass(frozen=True)
class KeyMaterial:
    """A recognised structure: ``private`` key, ``encrypted`` private key, or ``public`` material."""

    kind: Kind
    algorithm: str = ""
    form: str = ""
    bits: int | None = None
    curve: str = ""

    def describe(self) -> str:
        """``RSA private key (PKCS#8, 2048-bit)``, ``EC private key (SEC1, P-256)``."""
        details = [d for d in (self.form, self._size()) if d]
        noun = {"private": "private key", "encrypted": "encrypted private key"}.get(
            self.kind, "public key material"
        )
        head = f"{self.algorithm} {noun}" if self.algorithm else noun
        return f"{head} ({', '.join(details)})" if details else head

    def _size(self) -> str:
        if self.curve:
            return self.curve
        return f"{self.bits}-bit" if self.bits else ""


def from_der(data: bytes) -> KeyMaterial | None:
    """The key structure ``data`` is, or None when it is not one well-formed DER element."""
    outer = outer_sequence(data)
    parts = outer.children() if outer is not None else None
    if not parts:
        return None
    tags = [p.tag for p in parts]
    if tags[0] == INTEGER:
        return _private(parts, tags)
    if tags[:2] == [SEQUENCE, OCTET_STRING] and len(parts) == 2:
        return KeyMaterial("encrypted", form="PKCS#8")
    if tags[:2] == [SEQUENCE, BIT_STRING] and len(parts) == 2:
        return KeyMaterial("public", form="SubjectPublicKeyInfo")
    if tags == [SEQUENCE, SEQUENCE, BIT_STRING]:
        return KeyMaterial("public", form="certificate")
    return None


def _private(parts: list[Element], tags: list[int]) -> KeyMaterial | None:
    version = parts[0].small_integer()
    if len(parts) >= 9 and all(t == INTEGER for t in tags[:9]) and version in (0, 1):
        return KeyMaterial("private", "RSA", "PKCS#1", parts[1].integer_bits())
    if len(parts) == 6 and all(t == INTEGER for t in tags) and version == 0:
        return KeyMaterial("private", "DSA", "OpenSSL", parts[1].integer_bits())
    if len(parts) == 2 and tags == [INTEGER, INTEGER]:
        return KeyMaterial("public", "RSA", "PKCS#1")
    if version == 1 and tags[1] == OCTET_STRING and len(parts) <= 4:
        return _sec1(parts)
    if version in (0, 1) and len(parts) >= 3 and tags[1:3] == [SEQUENCE, OCTET_STRING]:
        return _pkcs8(parts)
    return None


def _sec1(parts: list[Element]) -> KeyMaterial:
    curve, bits = "", (parts[1].end - parts[1].start) * 8
    for part in parts[2:]:
        inner = part.children() if part.tag == CONTEXT_0 else None
        if inner and inner[0].tag == OID:
            curve, bits = _CURVES.get(oid_text(inner[0]), ("", bits))
    return KeyMaterial("private", "EC", "SEC1", bits, curve)


def _pkcs8(parts: list[Element]) -> KeyMaterial:
    identifier = parts[1].children() or []
    oid = oid_text(identifier[0]) if identifier and identifier[0].tag == OID else ""
    algorithm = _ALGORITHMS.get(oid, "")
    bits: int | None = _FIXED_BITS.get(algorithm)
    curve = ""
    if algorithm.startswith("RSA"):
        inner = outer_sequence(parts[2].content)
        fields = inner.children() if inner is not None else None
        bits = fields[1].integer_bits() if fields and len(fields) > 1 else None
    elif algorithm == "EC" and len(identifier) > 1 and identifier[1].tag == OID:
        curve, bits = _CURVES.get(oid_text(identifier[1]), ("", None))
    elif algorithm in ("DSA", "DH") and len(identifier) > 1:
        params = identifier[1].children() or []
        bits = params[0].integer_bits() if params and params[0].tag == INTEGER else None
    return KeyMaterial("private", algorithm, "PKCS#8", bits, curve)


def _ssh_strings(data: bytes, pos: int, count: int) -> tuple[list[bytes], int] | None:
    out = []
    for _ in range(count):
        if pos + 4 > len(data):
            return None
        (size,) = struct.unpack_from(">I", data, pos)
        if pos + 4 + size > len(data):
            return None
        out.append(data[pos + 4 : pos + 4 + size])
        pos += 4 + size
    return out, pos


def from_openssh(data: bytes) -> KeyMaterial | None:
    """An ``openssh-key-v1`` private key: its cipher says whether it is encrypted."""
    if not data.startswith(OPENSSH_MAGIC):
        return None
    head = _ssh_strings(data, len(OPENSSH_MAGIC), 3)
    if head is None or head[1] + 4 > len(data):
        return None
    (cipher, _kdf, _options), pos = head
    public = _ssh_strings(data, pos + 4, 1)
    algorithm, bits = "", None
    if public is not None:
        fields = _ssh_strings(public[0][0], 0, 3)
        key_type = public[0][0][4 : 4 + int.from_bytes(public[0][0][:4], "big")].decode(
            "ascii", "replace"
        )
        algorithm = _SSH_TYPES.get(key_type, "")
        if algorithm == "RSA" and fields is not None:
            bits = int.from_bytes(fields[0][2], "big").bit_length()
        elif algorithm == "EC":
            bits = int(key_type[-3:]) if key_type[-3:].isdigit() else None
        else:
            bits = _FIXED_BITS.get(algorithm)
    kind: Kind = "private" if cipher == b"none" else "encrypted"
    return KeyMaterial(kind, algorithm, "OpenSSH", bits)


SSH_COM_MAGIC = b"\x3f\x6f\xf9\xeb"


def from_ssh_com(data: bytes) -> KeyMaterial | None:
    """An ssh.com (``SSH2 ENCRYPTED PRIVATE KEY``) key: magic, length, key type, cipher."""
    if not data.startswith(SSH_COM_MAGIC):
        return None
    head = _ssh_strings(data, 8, 2)
    if head is None:
        return None
    key_type, cipher = (part.decode("ascii", "replace") for part in head[0])
    algorithm = "RSA" if "rsa" in key_type else "DSA" if "dsa" in key_type else ""
    kind: Kind = "private" if cipher == "none" else "encrypted"
    return KeyMaterial(kind, algorithm, "ssh.com")
