"""Short keys under strongly key-named settings (``cipherKey = kPH+...==``, ``hmac_key: 3f9a...``).

A 16-byte key in base64 never clears a generic entropy limit, so here the name's strength and the
value's decoded length decide: a setting named for a cipher, MAC or signing key whose value decodes
(base64 or hex) to at least 128 bits is a key; ``${ENV_VAR}``, empty and placeholder values are not.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from analyzer.engines.secrets.blocks import decode_base64
from analyzer.engines.secrets.names import NOT_KEY_WORDS, words_of
from analyzer.engines.secrets.placeholders import is_placeholder_bytes, is_placeholder_text

CONFIG_SUFFIXES = frozenset(
    {".ini", ".properties", ".env", ".yaml", ".yml", ".json", ".toml", ".conf", ".cfg", ".xml"}
)
_SETTING = re.compile(
    r"""^\s*(?:export\s+|-\s+)?["']?(?P<name>[A-Za-z_][\w.\-\[\]]{0,80}?)["']?\s*(?:=|:)\s*"""
    r"""(?P<q>["']?)(?P<value>[A-Za-z0-9+/_-]{16,512}={0,2})(?P=q)\s*[,;]?\s*(?:[#;].*)?$"""
)
_XML_SETTING = re.compile(
    r"""<(?:entry|property|add|item)\b[^>]*?\b(?:key|name)\s*=\s*["'](?P<name>[\w.\-]+)["']"""
    r"""[^>]*?\bvalue\s*=\s*["'](?P<value>[A-Za-z0-9+/_-]{16,512}={0,2})["']"""
)
KEY_WORDS = frozenset({"key", "secret", "secretkey", "cipherkey", "hmackey", "signingkey"})
# Words that make a key-like name a cryptographic key: the cipher, MAC or signature it feeds.
CRYPTO_WORDS = frozenset(
    {
        "cipher",
        "encryption",
        "encrypt",
        "decrypt",
        "crypt",
        "crypto",
        "signing",
        "sign",
        "signature",
        "hmac",
        "mac",
        "aes",
        "des",
        "jwt",
        "jws",
        "jwe",
        "master",
        "aead",
        "symmetric",
        "secret",
        "cookie",
        "session",
    }
)
# A key named for checking signatures is the public half.
PUBLIC_WORDS = frozenset(
    {"verify", "verification", "verifying", "validation", "certificate", "cert"}
)
_KINDS = (("hmac", "HMAC key"), ("mac", "MAC key"), ("sign", "signing key"), ("jwt", "JWT key"))
_SEPARATE = re.compile(r"[.\-\[\]]")


@dataclass(frozen=True)
class SettingKey:
    """A key held by a strongly key-named setting."""

    line: int
    column: int
    name: str
    value: str
    size: int

    def describe(self) -> str:
        words = words_of(_SEPARATE.sub("_", self.name))
        kind = next((k for w, k in _KINDS if w in words or f"{w}ing" in words), "key")
        if kind == "key":
            kind = "symmetric key" if {"cipher", "encryption", "aes", "des"} & set(words) else kind
            kind = "secret key" if kind == "key" else kind
        return f"{kind} of {self.size} bytes assigned to `{self.name}`"


def is_config_file(path: str) -> bool:
    """``.ini``, ``.properties``, ``.env`` (and ``.env.local``), YAML, JSON, TOML, XML settings."""
    pure = PurePosixPath(path)
    return pure.suffix.lower() in CONFIG_SUFFIXES or pure.name.lower().startswith(".env")


def is_strong_key_name(name: str) -> bool:
    """``cipherKey``, ``jwt.secret``, ``hmac_key``, ``secret_key``: yes; ``api_key``, ``key``: no."""
    words = words_of(_SEPARATE.sub("_", name))
    if not words or words[-1] not in KEY_WORDS | {"secret"}:
        return False
    if NOT_KEY_WORDS.intersection(words) or PUBLIC_WORDS.intersection(words):
        return False
    if words[-1] in {"secretkey", "cipherkey", "hmackey", "signingkey"}:
        return True
    return any(w in CRYPTO_WORDS for w in words[:-1] if w != words[-1])


def decoded_length(value: str) -> int | None:
    """Bytes of key a value carries: as hex when it is hex, else as base64; None for plain words."""
    if re.fullmatch(r"(?:[0-9a-fA-F]{2})+", value):
        if value.isdigit() or value.isalpha():
            return None
        data = binascii.unhexlify(value)
    else:
        classes = sum(bool(re.search(p, value)) for p in (r"[A-Z]", r"[a-z]", r"[0-9]", r"[+/=_-]"))
        stripped = value.rstrip("=")
        if classes < 3 or len(stripped) % 4 == 1:
            return None
        data = decode_base64(value) or b""
    return None if is_placeholder_bytes(data) else len(data)


def setting_keys(lines: list[str]) -> Iterator[SettingKey]:
    """Strongly key-named settings whose value decodes to a key of 128 bits or more."""
    for number, line in enumerate(lines, start=1):
        if len(line) > 1024:
            continue
        match = _SETTING.match(line) or _XML_SETTING.search(line)
        if match is None or not is_strong_key_name(match["name"]):
            continue
        value = match["value"]
        if is_placeholder_text(value):
            continue
        size = decoded_length(value)
        if size is not None and size >= 16:
            yield SettingKey(number, match.start("value") + 1, match["name"], value, size)
