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


_PGP_ALGORITHMS = {
    1: "RSA",
    2: "RSA",
    3: "RSA",
    16: "ElGamal",
    17: "DSA",
    18: "ECDH",
    19: "ECDSA",
    22: "EdDSA",
}
_PGP_MPIS = {1: 2, 2: 2, 3: 2, 16: 3, 17: 4}
_PGP_SECRET_TAGS = (5, 7)


def _pgp_packet(data: bytes) -> tuple[int, bytes] | None:
    """Tag and body of the first OpenPGP packet."""
    if not data or not data[0] & 0x80:
        return None
    if data[0] & 0x40:  # new format
        tag, first = data[0] & 0x3F, data[1] if len(data) > 1 else 0
        if first < 192:
            return tag, data[2 : 2 + first]
        if first < 224 and len(data) > 2:
            return tag, data[3 : 3 + ((first - 192) << 8) + data[2] + 192]
        if first == 255 and len(data) > 5:
            return tag, data[6 : 6 + int.from_bytes(data[2:6], "big")]
        return None
    tag, kind = (data[0] >> 2) & 0x0F, data[0] & 0x03
    size = {0: 1, 1: 2, 2: 4}.get(kind)
    if size is None or len(data) < 1 + size:
        return None
    return tag, data[1 + size : 1 + size + int.from_bytes(data[1 : 1 + size], "big")]


def _skip_mpis(body: bytes, pos: int, count: int) -> tuple[int, int] | None:
    """Position after ``count`` MPIs and the bit length of the first."""
    first = 0
    for i in range(count):
        if pos + 2 > len(body):
            return None
        bits = int.from_bytes(body[pos : pos + 2], "big")
        first = bits if i == 0 else first
        pos += 2 + (bits + 7) // 8
    return (pos, first) if pos <= len(body) else None


def from_openpgp(data: bytes) -> KeyMaterial | None:
    """An OpenPGP secret-key packet (v4): its S2K usage octet says whether it is encrypted."""
    packet = _pgp_packet(data)
    if packet is None or packet[0] not in _PGP_SECRET_TAGS or len(packet[1]) < 6:
        return None
    body = packet[1]
    if body[0] != 4:
        return KeyMaterial("private", "", "OpenPGP")
    algorithm_id = body[5]
    algorithm = _PGP_ALGORITHMS.get(algorithm_id, "")
    pos, bits = 6, None
    if algorithm_id in _PGP_MPIS:
        after = _skip_mpis(body, pos, _PGP_MPIS[algorithm_id])
        if after is None:
            return None
        pos, bits = after
    elif algorithm_id in (18, 19, 22) and pos < len(body):
        pos += 1 + body[pos]
        after = _skip_mpis(body, pos, 1)
        if after is None:
            return None
        pos = after[0]
        if algorithm_id == 18 and pos < len(body):
            pos += 1 + body[pos]
    else:
        return KeyMaterial("private", algorithm, "OpenPGP")
    if pos >= len(body):
        return None
    kind: Kind = "private" if body[pos] == 0 else "encrypted"
    return KeyMaterial(kind, algorithm, "OpenPGP", bits)


_PGP_PUBLIC_TAGS = (1, 6, 14)  # encrypted session key (ciphertext), public key, public subkey
_PGP_HEADER_BYTES = {0: 2, 1: 3, 2: 5}
_PGP_MAX_TAG = 21


def _pgp_header(data: bytes, pos: int) -> tuple[int, int, int] | None:
    """Tag, header length and body length of the packet at ``pos`` (no partial lengths)."""
    first = data[pos]
    if not first & 0x80:
        return None
    if first & 0x40:
        if pos + 1 >= len(data):
            return None
        octet = data[pos + 1]
        if octet < 192:
            return first & 0x3F, 2, octet
        if octet < 224 and pos + 2 < len(data):
            return first & 0x3F, 3, ((octet - 192) << 8) + data[pos + 2] + 192
        if octet == 255 and pos + 6 <= len(data):
            return first & 0x3F, 6, int.from_bytes(data[pos + 2 : pos + 6], "big")
        return None
    header = _PGP_HEADER_BYTES.get(first & 0x03)
    if header is None or pos + header > len(data):
        return None
    return (first >> 2) & 0x0F, header, int.from_bytes(data[pos + 1 : pos + header], "big")


def _pgp_packet_tags(data: bytes) -> list[int] | None:
    """Tags of the OpenPGP packets that fill ``data``, or None. A value split over several
    string literals ends mid-packet: two whole packets before that are enough."""
    tags, pos = [], 0
    while pos < len(data):
        packet = _pgp_header(data, pos)
        if packet is None or not 0 < packet[0] <= _PGP_MAX_TAG or pos + sum(packet[1:]) > len(data):
            return tags if len(tags) >= 2 else None
        tags.append(packet[0])
        pos += packet[1] + packet[2]
    return tags


def is_public_openpgp(data: bytes) -> bool:
    """OpenPGP packets, exactly filling the value, that carry no secret: public keys, user ids,
    signatures and encrypted session keys."""
    tags = _pgp_packet_tags(data)
    return bool(tags) and tags[0] in _PGP_PUBLIC_TAGS and not {5, 7} & set(tags)
