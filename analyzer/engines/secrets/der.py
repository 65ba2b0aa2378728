"""A small DER reader: just enough ASN.1 to tell which key structure a blob is, if any.

Decoding decides whether armour or a base64 string holds key material: a body that is not one
well-formed DER element (base64 of plain text, ``...``, ``XXXX``) is a placeholder, not a key.
"""

from __future__ import annotations

from dataclasses import dataclass

SEQUENCE = 0x30
INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
OID = 0x06
CONTEXT_0 = 0xA0
CONTEXT_1 = 0xA1
_MAX_LENGTH_BYTES = 4


@dataclass(frozen=True)
class Element:
    """One DER element of ``data``: its tag and where its content starts and ends."""

    data: bytes
    tag: int
    start: int
    end: int

    @property
    def content(self) -> bytes:
        return self.data[self.start : self.end]

    def children(self) -> list[Element] | None:
        """The elements of a constructed value, or None when they do not tile its content."""
        return read_all(self.data, self.start, self.end)

    def integer_bits(self) -> int:
        """Bit length of a non-negative INTEGER (a modulus, a prime)."""
        return int.from_bytes(self.content, "big").bit_length()

    def small_integer(self) -> int | None:
        """The value of an INTEGER of at most 8 bytes, else None."""
        if self.tag != INTEGER or not 0 < self.end - self.start <= 8:
            return None
        return int.from_bytes(self.content, "big", signed=True)


def read(data: bytes, pos: int, end: int) -> Element | None:
    """The element that starts at ``pos`` and ends by ``end``, or None if there is none."""
    if pos + 2 > end or data[pos] & 0x1F == 0x1F:  # multi-byte tags are never in key structures
        return None
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if not 0 < count <= _MAX_LENGTH_BYTES or pos + count > end:
            return None
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > end:
        return None
    return Element(data, tag, pos, pos + length)


def read_all(data: bytes, start: int, end: int) -> list[Element] | None:
    """The elements that exactly fill ``data[start:end]``, or None."""
    out: list[Element] = []
    pos = start
    while pos < end:
        element = read(data, pos, end)
        if element is None:
            return None
        out.append(element)
        pos = element.end
    return out


def outer_sequence(data: bytes) -> Element | None:
    """The SEQUENCE that is the whole of ``data`` (trailing bytes are not allowed)."""
    element = read(data, 0, len(data))
    if element is None or element.tag != SEQUENCE or element.end != len(data):
        return None
    return element


def declared_length(data: bytes) -> int | None:
    """Total length the leading element says it has (header included): the bytes to gather."""
    if len(data) < 2 or data[0] != SEQUENCE:
        return None
    first = data[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if not 0 < count <= _MAX_LENGTH_BYTES or len(data) < 2 + count:
        return None
    return 2 + count + int.from_bytes(data[2 : 2 + count], "big")


def oid_text(element: Element) -> str:
    """Dotted form of an OBJECT IDENTIFIER."""
    body = element.content
    if element.tag != OID or not body:
        return ""
    parts = [min(body[0] // 40, 2), body[0] - 40 * min(body[0] // 40, 2)]
    value = 0
    for byte in body[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(map(str, parts))
