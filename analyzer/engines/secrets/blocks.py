"""Key blocks in text: PEM armour (in files, code strings with ``\\n`` escapes, concatenated
lines), PuTTY key files, and bare base64 DER private keys whose armour is added at run time.

Each block is decoded and its structure decides what it is; the text around it never does.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass

from analyzer.engines.secrets.der import declared_length
from analyzer.engines.secrets.material import (
    KeyMaterial,
    from_der,
    from_openpgp,
    from_openssh,
    from_ssh_com,
)
from analyzer.engines.secrets.placeholders import is_random_bytes

_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 ]{3,40})-----")
_END = re.compile(r"-----END ([A-Z0-9 ]{3,40})-----")
_ESCAPED_NEWLINE = re.compile(r"\\r\\n|\\n|\\r|%0A|&#10;", re.IGNORECASE)
_RUN = re.compile(r"[A-Za-z0-9+/]{2,}={0,2}")
_PGP_CHECKSUM = re.compile(r"^\W*=[A-Za-z0-9+/]{4}\W*$")
_HEADER = re.compile(r"^\W*[A-Za-z][\w-]*: ")
_PUTTY = re.compile(r"^\W{0,3}PuTTY-User-Key-File-\d+: *((?:ssh|ecdsa)-[\w@.-]+)")
_PUTTY_PRIVATE = re.compile(r"^\W{0,3}Private-Lines: *\d+")
_PUTTY_ENCRYPTION = re.compile(r"Encryption: *([\w-]+)")
# A bare DER SEQUENCE of at least 32 bytes in base64: "M" then the length byte's high bits.
_BARE_START = re.compile(r"(?<![A-Za-z0-9+/])M[C-I][A-Za-z0-9+/]{38}")
_MAX_BLOCK_LINES = 400
_PUTTY_SSH = {"ssh-rsa": "RSA", "ssh-dss": "DSA", "ssh-ed25519": "Ed25519"}
# Labels whose body is DER by definition (RFC 7468, OpenSSL): a body that is not DER is a stand-in.
_DER_LABEL = re.compile(r"(?:RSA |EC |DSA |ENCRYPTED |ANY )?PRIVATE KEY\Z")
_MIN_OPAQUE_BYTES = 32
PRIVATE_LABEL = re.compile(r"PRIVATE KEY|SSH2 ENCRYPTED")


@dataclass(frozen=True)
class Block:
    """Key material found at ``line`` (1-based) that spans up to ``end_line``."""

    line: int
    end_line: int
    material: KeyMaterial
    text: str  # the base64 that was decoded, for the fingerprint; never reported
    armoured: bool


# A line that only opens the value on the next one: ``KEY = (``, ``x := decode(``, ``b"""\``.
_OPENER = re.compile(r"(?:[=(,+]|:=|\b[rbu]?(?:\"\"\"|\'\'\'|`)\\?)\s*(?:(?://|#).*)?$")


def statement_start(lines: list[str], index: int) -> int:
    """The line where the statement holding a literal starts, when the literal continues it
    (at most two lines up): the finding points at the name that holds the key."""
    start = index
    while start > 0 and index - start < 2 and _OPENER.search(lines[start - 1]):
        start -= 1
    return start


def _unescaped(lines: list[str], start: int, stop: int) -> list[str]:
    out: list[str] = []
    for line in lines[start:stop]:
        out.extend(_ESCAPED_NEWLINE.sub("\n", line).split("\n"))
    return out


def _longest_run(line: str) -> str:
    runs = _RUN.findall(line)
    return max(runs, key=len) if runs else ""


def decode_base64(text: str) -> bytes | None:
    """Base64 (standard or URL-safe) without whitespace; None when it is not base64."""
    text = text.rstrip("=").replace("-", "+").replace("_", "/")
    try:
        return binascii.a2b_base64(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def _armoured(lines: list[str], index: int, label: str) -> Block | None:
    """The block whose BEGIN is on ``lines[index]``: its body up to END, decoded."""
    stop = min(len(lines), index + _MAX_BLOCK_LINES)
    end = index
    for end in range(index, stop):
        match = _END.search(lines[end])
        if match and match[1] == label and (end > index or match.start() > 0):
            break
    body_lines = _unescaped(lines, index, end + 1)
    body, encrypted = [], False
    begin_seen = False
    for part in body_lines:
        if not begin_seen:
            if _BEGIN.search(part):
                begin_seen = True
                part = part[_BEGIN.search(part).end() :]  # type: ignore[union-attr]
            else:
                continue
        if _END.search(part):
            part = part[: _END.search(part).start()]  # type: ignore[union-attr]
            body.append(_longest_run(part))
            break
        if _HEADER.match(part):
            encrypted = encrypted or "ENCRYPTED" in part
            continue
        if _PGP_CHECKSUM.match(part):
            continue
        body.append(_longest_run(part))
    text = "".join(body)
    data = decode_base64(text)
    if data is None:
        return None
    material = _classify(data, label, encrypted)
    return Block(index + 1, end + 1, material, text, True) if material else None


def _classify(data: bytes, label: str, encrypted: bool) -> KeyMaterial | None:
    if "OPENSSH" in label:
        return from_openssh(data)
    if "SSH2" in label:
        return from_ssh_com(data)
    if "PGP" in label:
        return from_openpgp(data)
    if encrypted:  # legacy OpenSSL encryption: the body is ciphertext, the label names the key
        algorithm = label.removesuffix(" PRIVATE KEY").strip()
        return KeyMaterial("encrypted", algorithm if algorithm in ("RSA", "EC", "DSA") else "")
    length = declared_length(data)
    if length is not None and length < len(data) and not any(data[length:]):
        data = data[:length]  # trailing zero bytes of a padded body
    material = from_der(data)
    if material is not None or _DER_LABEL.match(label):
        return material
    # A format of its own (TACK, vendor keys): key bytes, neither text nor a filler pattern.
    if len(data) >= _MIN_OPAQUE_BYTES and is_random_bytes(data):
        return KeyMaterial("private", label.removesuffix("PRIVATE KEY").strip(), "unknown format")
    return None


def _putty(lines: list[str], index: int) -> Block | None:
    match = _PUTTY.search(lines[index])
    if match is None:
        return None
    window = lines[index : index + 8]
    cipher = next((m[1] for m in map(_PUTTY_ENCRYPTION.search, window) if m), "none")
    has_private = any(_PUTTY_PRIVATE.search(w) for w in lines[index : index + 40])
    if not has_private:
        return None
    kind = "private" if cipher == "none" else "encrypted"
    algorithm = _PUTTY_SSH.get(match[1], "EC" if "ecdsa" in match[1] else "")
    end = next(
        (i for i in range(index, min(len(lines), index + 60)) if "Private-MAC" in lines[i]), index
    )
    return Block(index + 1, end + 1, KeyMaterial(kind, algorithm, "PuTTY"), lines[index], True)


_LSH = re.compile(r"\(11:private-key\((\d+):([\w-]+)|KDExOnByaXZhdGUta2V5")
_LSH_ALGORITHMS = {"rsa-pkcs1": "RSA", "rsa-pkcs1-sha1": "RSA", "dsa": "DSA"}


def _lsh(lines: list[str], index: int) -> Block | None:
    """An LSH/SPKI s-expression private key, as text or as base64 (``(11:private-key(...``)."""
    match = _LSH.search(lines[index])
    if match is None:
        return None
    if match[2] is None:
        text = "".join(_longest_run(line) for line in lines[index : index + 3])
        decoded = decode_base64(text) or b""
        inner = re.match(rb"\(11:private-key\((\d+):([\w-]+)", decoded)
        algorithm = inner[2].decode() if inner else ""
    else:
        algorithm, text = match[2], lines[index][match.start() :]
    if len(text) < 64:
        return None
    material = KeyMaterial("private", _LSH_ALGORITHMS.get(algorithm, ""), "LSH s-expression")
    return Block(statement_start(lines, index) + 1, index + 1, material, text, False)


def armoured_blocks(lines: list[str]) -> Iterator[Block]:
    """Every private-key armour (PEM, OpenSSH, PuTTY, LSH) that decodes to key material."""
    for index, line in enumerate(lines):
        if "private-key(" in line or "KDExOnByaXZhdGUta2V5" in line:
            block = _lsh(lines, index)
            if block is not None:
                yield block
                continue
        if "PuTTY-User-Key-File" in line:
            block = _putty(lines, index)
            if block is not None:
                yield block
            continue
        for match in _BEGIN.finditer(line):
            if PRIVATE_LABEL.search(match[1]):
                block = _armoured(lines, index, match[1])
                if block is not None:
                    yield block
                break


def bare_der_keys(lines: list[str], skip: set[int]) -> Iterator[Block]:
    """Base64 DER private keys without armour, one string or split over consecutive lines."""
    for index, line in enumerate(lines):
        if index + 1 in skip or "M" not in line:
            continue
        for match in _BARE_START.finditer(line):
            block = _bare(lines, index, match.start())
            if block is not None:
                yield block
                break


def _bare(lines: list[str], index: int, column: int) -> Block | None:
    first = _unescaped(lines, index, index + 1)
    text = _longest_run(first[0][column:]) if first else ""
    start = decode_base64(text[:8])
    needed = declared_length(start) if start else None
    if needed is None or needed < 32 or needed > 16384:
        return None
    chars = -(-needed // 3) * 4
    end = index
    parts = [_longest_run(p) for p in first[1:]]
    text += "".join(parts)
    while len(text.rstrip("=")) < chars - 3 and end + 1 < min(len(lines), index + 200):
        end += 1
        run = "".join(_longest_run(p) for p in _unescaped(lines, end, end + 1))
        if len(run) < 4:
            break
        text += run
    data = decode_base64(text[:chars])
    if data is None or len(data) < needed:
        return None
    material = from_der(data[:needed])
    if material is None or material.kind == "public":
        return None
    return Block(statement_start(lines, index) + 1, end + 1, material, text[:chars], False)
