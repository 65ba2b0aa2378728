"""What a key-like name, a config file and a placeholder look like (data, not logic)."""

from __future__ import annotations

import re

# A name that says its value is key material or a credential.
KEY_LIKE_NAME = re.compile(
    r"(?i)(secret|private[_.\-]?key|signing[_.\-]?key|api[_.\-]?key|access[_.\-]?key|"
    r"encryption[_.\-]?key|master[_.\-]?key|hmac[_.\-]?key|aes[_.\-]?key|(?:^|[_.\-])key$|^key|"
    r"token|passw(?:or)?d|pwd|credential|passphrase)"
)
# Names that look key-like but hold public or non-secret values.
NOT_SECRET_NAME = re.compile(
    r"(?i)(public|hash|checksum|digest|fingerprint|sha\d*|md5|uuid|(?:^|[_.\-])id$|_id|kid|"
    r"path|file|url|uri|endpoint|name|type|size|length|bits|format|version|expir|ttl|header|"
    r"algorithm|alg$|usage|policy|rotation|env$|_env|ref$|arn$)"
)
# Files whose key/value lines are configuration, where a keyword match alone is enough.
CONFIG_SUFFIXES: frozenset[str] = frozenset(
    {".env", ".yaml", ".yml", ".json", ".properties", ".ini", ".toml", ".cfg", ".conf", ".xml"}
)
CONFIG_NAMES: frozenset[str] = frozenset({".env", ".env.local", ".env.production", ".npmrc"})
# Values that are references or placeholders, not secrets.
PLACEHOLDER = re.compile(
    r"(?i)(\$\{|\{\{|%\(|<[a-z_\-]+>|^\$|changeme|change[_\-]?me|example|placeholder|redacted|"
    r"your[_\-]|xxxx|\*\*\*|dummy|^none$|^null$|^true$|^false$|env\(|getenv|environ|vault:|"
    r"secretsmanager|ssm:|kms:)"
)
# Private key headers detect-secrets' PrivateKeyDetector does not list.
EXTRA_PRIVATE_KEY = re.compile(r"BEGIN ENCRYPTED PRIVATE KEY|PuTTY-User-Key-File-3")
PRIVATE_KEY_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|^Private-MAC:")

MIN_ENTROPY_LENGTH = 20
MIN_KEYWORD_LENGTH = 8
