"""Key material in any text file (KG302): the engine's entry point, ``scan_secrets``.

Key blocks, bare base64 DER, JWKs and key components written as numbers are decoded, and their
structure decides: private keys are findings, public material and placeholders are not, encrypted
keys only with their passphrase. Strongly key-named settings count by decoded length; other
key-like names need a high-entropy value (detect-secrets). Documentation is marked so (the policy
sets its level), test vectors' outputs are never reported. The secret never leaves this package:
findings carry a redacted form and a hash prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from analyzer.catalogue.ids import KEY_MATERIAL_IN_FILE
from analyzer.engines.secrets.blocks import armoured_blocks, bare_der_keys, decode_base64
from analyzer.engines.secrets.components import private_components
from analyzer.engines.secrets.context import (
    DOCUMENTATION,
    OUTPUT_WORDS,
    TEST_VECTOR,
    documentation_lines,
    file_context,
)
from analyzer.engines.secrets.detectors import candidate_lines, could_report, detected
from analyzer.engines.secrets.jwk import private_members
from analyzer.engines.secrets.material import from_der, is_public_openpgp
from analyzer.engines.secrets.names import is_key_name, key_name_before, words_of
from analyzer.engines.secrets.passphrases import passphrase_near
from analyzer.engines.secrets.placeholders import is_placeholder_string
from analyzer.engines.secrets.prefilter import has_key_clue, secrets_prefilter
from analyzer.engines.secrets.settings import is_config_file, setting_keys
from analyzer.findings.model import FileResult, Finding, KeySite, Location, Related
from analyzer.findings.redact import fingerprint_value, redact_line, redact_value

__all__ = ["ENGINE", "is_key_name", "scan_secrets", "secrets_prefilter"]

ENGINE = "detect-secrets"
ADVICE = "revoke it and load keys from a secret manager"
NO_PASSPHRASE = "encrypted; passphrase not found in the repository"
_HOLDER = re.compile(
    r"(?<!\w)(\w++)\s*+(?::=|=|:)\s*+(?:\[\]byte\(|[bru]|\$?@|@?\$)?[\"'`(]*+\s*+-----BEGIN"
)


def holder_name(line: str) -> str:
    """The variable or field a key block in code is assigned to (``privateRSA = b\"\"\"-----BEGIN``)."""
    match = _HOLDER.search(line)
    return match[1] if match else ""


_ASSIGNED = re.compile(r"(?<![\w.])(\w+)\s*(?::=|=)(?!=)")


def _assigned(line: str) -> str:
    """The name assigned on a line (``KEY_BODY = //``), or empty."""
    match = _ASSIGNED.search(line)
    return match[1] if match else ""


_SSH_PUBLIC_BLOB = re.compile(rb"\A\x00\x00\x00[\x07-\x28](?:ssh-|ecdsa-|sk-)")


@dataclass
class _Scan:
    """One file's text and what has been reported in it so far (one finding per line)."""

    path: str
    text: str
    lines: list[str]
    context: str
    result: FileResult
    reported: set[int] = field(default_factory=set)
    covered: set[int] = field(default_factory=set)  # lines of key blocks, whatever they held

    def report(self, line: int, column: int, message: str, facts: dict[str, str | int]) -> Finding:
        snippet = self.lines[line - 1].strip() if line <= len(self.lines) else ""
        secret = str(facts.pop("_secret", ""))
        if secret:
            snippet = redact_line(snippet.replace(secret, redact_value(secret)))
        finding = Finding(
            rule_id=KEY_MATERIAL_IN_FILE,
            location=Location(self.path, line, max(column, 1)),
            message=message,
            engine=ENGINE,
            facts=facts,
            snippet=snippet,
        )
        self.result.findings.append(finding)
        self.reported.add(line)
        return finding


def _blocks(scan: _Scan) -> None:
    """Armoured and bare key blocks: private keys are findings, encrypted ones go to the inventory
    unless their passphrase is in the same file."""
    covered: set[int] = set()
    blocks = list(armoured_blocks(scan.lines))
    for block in blocks:
        covered.update(range(block.line, block.end_line + 1))
    blocks += bare_der_keys(scan.lines, covered)
    for block in blocks:
        scan.covered.update(range(block.line, block.end_line + 1))
    for block in blocks:
        material, digest = block.material, fingerprint_value(block.text)
        facts: dict[str, str | int] = {
            "detector": "private-key" if block.armoured else "der-private-key",
            "key": material.describe(),
            "secret_sha256": digest,
        }
        if material.bits:
            facts["bits"] = material.bits
        line_text = scan.lines[block.line - 1]
        column = line_text.find("-----BEGIN") + 1 if block.armoured else 0
        if material.kind == "private":
            holder = holder_name(line_text) if block.armoured else _assigned(line_text)
            where = "committed to the repository" if block.armoured else "in a string literal"
            where = f"assigned to `{holder}`" if holder else where
            if holder:
                facts["holder"] = holder
            if not block.armoured:
                facts["_secret"] = block.text if block.text in line_text else block.text[:64]
                column = line_text.find(block.text[:40]) + 1
            scan.report(block.line, column, f"{material.describe()} {where}; {ADVICE}", facts)
        elif material.kind == "encrypted":
            _encrypted(scan, (block.line, block.end_line), column, material.describe(), facts)


def _encrypted(
    scan: _Scan, span: tuple[int, int], column: int, described: str, facts: dict[str, str | int]
) -> None:
    line = span[0]
    passphrase = passphrase_near(scan.lines, *span)
    if passphrase is None:
        scan.result.sites.append(
            KeySite(
                location=Location(scan.path, line, max(column, 1)),
                api="key file",
                library="(committed file)",
                algorithm=described.split(" ")[0] if described[0].isupper() else "unknown",
                primitive="private-key",
                verdict="unverified",
                properties={
                    "protection": NO_PASSPHRASE,
                    "key": described,
                    "holder": holder_name(scan.lines[line - 1]),
                    "secret_sha256": str(facts["secret_sha256"]),
                },
            )
        )
        return
    finding = scan.report(
        line,
        column,
        f"{described} committed together with its passphrase (line {passphrase.line}, "
        f"`{passphrase.name}`); {ADVICE}",
        {**facts, "passphrase_line": passphrase.line},
    )
    finding.related.append(
        Related(Location(scan.path, passphrase.line, passphrase.column), "its passphrase")
    )


def _jwks(scan: _Scan) -> None:
    for secret in private_members(scan.text):
        if secret.line in scan.reported:
            continue
        scan.report(
            secret.line,
            secret.column,
            f"{secret.describe()} ({redact_value(secret.value)}, sha256 "
            f"{fingerprint_value(secret.value)}); {ADVICE}",
            {
                "detector": "jwk-private-member",
                "member": secret.member,
                "kid": secret.kid,
                "redacted": redact_value(secret.value),
                "secret_sha256": fingerprint_value(secret.value),
                "_secret": secret.value,
            },
        )


def _components(scan: _Scan) -> None:
    """Private key components written as numbers (``"d": int("...")`` beside ``"n"`` and ``"e"``)."""
    for part in private_components(scan.text):
        if part.line in scan.reported:
            continue
        digest = fingerprint_value(part.data.hex())
        facts: dict[str, str | int] = {
            "detector": "key-components",
            "member": part.member,
            "holder": part.holder,
            "secret_sha256": digest,
        }
        if part.on_line:
            facts["_secret"] = part.on_line
        scan.report(part.line, part.column, f"{part.describe()} (sha256 {digest}); {ADVICE}", facts)


def _settings(scan: _Scan) -> None:
    for key in setting_keys(scan.lines):
        if key.line in scan.reported or _is_output(scan, key.name) or _not_a_secret(key.value):
            continue
        scan.report(
            key.line,
            key.column,
            f"{key.describe()} ({redact_value(key.value)}, sha256 "
            f"{fingerprint_value(key.value)}); provision it from a secret manager",
            {
                "detector": "key-setting",
                "name": key.name,
                "bytes": key.size,
                "redacted": redact_value(key.value),
                "secret_sha256": fingerprint_value(key.value),
                "_secret": key.value,
            },
        )


def _is_output(scan: _Scan, name: str) -> bool:
    """In a test-vector file, a value a primitive computed (``expected_key``, ``okm``)."""
    return scan.context == TEST_VECTOR and bool(OUTPUT_WORDS.intersection(words_of(name)))


def _decoded(value: str) -> bytes | None:
    """The bytes a hex or base64 value stands for, when it is long enough to be structured."""
    if len(value) < 32:
        return None
    if re.fullmatch(r"(?:[0-9a-fA-F]{2})+", value):
        return bytes.fromhex(value)
    return decode_base64(value)


def _not_a_secret(value: str) -> bool:
    """Public key material, a placeholder, or an example under a key-like name."""
    if is_placeholder_string(value) or "EXAMPLE" in value:
        return True
    data = _decoded(value)
    if data is None:
        return False
    if _SSH_PUBLIC_BLOB.match(data) or is_public_openpgp(data):
        return True
    material = from_der(data)
    return material is not None and material.kind != "private"


_PROTOCOL_TOKEN = re.compile(r"(?i)challenge|acme|csrf|xsrf|nonce|state")
# A bare ``key`` beside these words is public: a TLS key share, a public key.
_PUBLIC_CONTEXT = re.compile(r"(?i)key_?share|public[_ ]?key|pubkey")


def _public_key_field(scan: _Scan, number: int, name: str) -> bool:
    """A value named only ``key`` in a public context (``{"Group": "x25519", "Key": ...}`` of a
    TLS ``key_share``)."""
    if words_of(name) != ["key"]:
        return False
    window = scan.lines[max(number - 5, 0) : number]
    return any(_PUBLIC_CONTEXT.search(line) for line in window)


def _protocol_token(scan: _Scan, number: int, name: str) -> bool:
    """A ``token`` of a protocol exchange (ACME challenge, CSRF): public by design, not a key."""
    if "token" not in words_of(name):
        return False
    window = scan.lines[max(number - 4, 0) : number + 1]
    return any(_PROTOCOL_TOKEN.search(line) for line in window)


def _entropy(scan: _Scan) -> None:
    """detect-secrets' entropy plugins, for values assigned to key-like names."""
    if scan.context == DOCUMENTATION:
        return  # prose quotes example tokens; only decoded key material is reported there
    skip = scan.reported | scan.covered
    lines = [(n, t) for n, t in candidate_lines(scan.text) if n not in skip]
    if not lines or not could_report(lines):
        return
    for number, value, kind in detected(lines, scan.path):
        if number in scan.reported or not value or _not_a_secret(value):
            continue
        line = scan.lines[number - 1]
        name = key_name_before(line, value)
        if name is None or _is_output(scan, name) or _protocol_token(scan, number, name):
            continue
        if _public_key_field(scan, number, name):
            continue
        digest = fingerprint_value(value)
        scan.report(
            number,
            line.find(value) + 1,
            f"high-entropy key literal {redact_value(value)} assigned to `{name}` "
            f"(sha256 {digest}); provision it from a secret manager",
            {
                "detector": kind.lower().replace(" ", "-"),
                "name": name,
                "redacted": redact_value(value),
                "secret_sha256": digest,
                "_secret": value,
            },
        )


def _set_levels(scan: _Scan) -> None:
    """Documentation (prose files, docstrings, doc comments) is marked, for the policy's
    ``documentation_level``; test vectors are one level lower."""
    documentation = documentation_lines(scan.path, scan.text) if scan.result.findings else set()
    for finding in scan.result.findings:
        if scan.context == DOCUMENTATION or finding.location.line in documentation:
            finding.facts["context"] = DOCUMENTATION
        elif scan.context == TEST_VECTOR:
            finding.level = "warning"
            finding.facts["context"] = TEST_VECTOR


def scan_secrets(data: bytes, path: str) -> FileResult:
    """KG302 findings (and inventory entries for encrypted keys) of one file; never raises on
    undecodable bytes."""
    text = data.decode("utf-8", errors="replace")
    scan = _Scan(path, text, text.splitlines(), "code", FileResult(path))
    scan.context = file_context(path, text)
    if has_key_clue(data):
        _blocks(scan)
    if "kty" in text:
        _jwks(scan)
    _components(scan)
    if is_config_file(path):
        _settings(scan)
    _entropy(scan)
    _set_levels(scan)
    scan.result.findings.sort(key=lambda f: f.location.line)
    return scan.result
