"""Applying the policy: inline suppressions, exceptions and their expiry, KG402."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from analyzer.findings.model import Finding, KeySite, Location
from analyzer.policy import apply_policy, default_policy, kms_findings
from analyzer.policy.model import PolicyException

TODAY = dt.date(2026, 6, 1)


def finding(path: str = "app/keys.py", line: int = 3, rule: str = "KG201") -> Finding:
    return Finding(rule, Location(path, line), "RSA key of 1024 bits", "python")


def lines(source: str):
    text = source.splitlines()
    return lambda path: text


def test_suppression_with_reason_suppresses_in_source() -> None:
    found = finding()
    notes = apply_policy(
        [found],
        default_policy(),
        lines(
            "import x\n\nk = gen(1024)  # keyguard: ignore[KG201] reason: test vector of RFC 8017\n"
        ),
        TODAY,
    )
    assert notes == []
    assert found.suppression is not None
    assert found.suppression.kind == "inSource"
    assert found.suppression.justification == "test vector of RFC 8017"


def test_suppression_on_comment_line_above_and_with_slashes() -> None:
    found = finding()
    apply_policy(
        [found],
        default_policy(),
        lines("x\n// keyguard: ignore[KG204, KG201] reason: legacy\nk = 1\n"),
        TODAY,
    )
    assert found.suppression is not None and found.suppression.justification == "legacy"


def test_suppression_at_end_of_code_line_above_does_not_reach_next_line() -> None:
    found = finding()
    source = "x\nother(512)  # keyguard: ignore[KG201] reason: legacy\nk = gen(1024)\n"
    apply_policy([found], default_policy(), lines(source), TODAY)
    assert found.suppression is None


def test_reason_stops_at_a_following_comment() -> None:
    found = finding()
    source = "\n\nk = gen(1024)  # keyguard: ignore[KG201] reason: interop  # expect: KG201\n"
    apply_policy([found], default_policy(), lines(source), TODAY)
    assert found.suppression is not None and found.suppression.justification == "interop"


def test_suppression_without_reason_warns_and_does_not_suppress() -> None:
    found = finding()
    notes = apply_policy(
        [found], default_policy(), lines("\n\nk = gen(1024)  # keyguard: ignore[KG201]\n"), TODAY
    )
    assert found.suppression is None
    (note,) = notes
    assert (note.path, note.line, note.level) == ("app/keys.py", 3, "warning")
    assert "app/keys.py:3" in note.message and "no reason" in note.message


def test_suppression_of_another_rule_does_not_apply() -> None:
    found = finding()
    apply_policy(
        [found], default_policy(), lines("\n\nk = 1  # keyguard: ignore[KG204] reason: x\n"), TODAY
    )
    assert found.suppression is None


def with_exception(expires: dt.date, paths: tuple[str, ...] = ("legacy/**",)):
    exc = PolicyException("KG201", paths, "HSM bridge", "Jane Doe", expires, "SEC-1")
    return replace(default_policy(), exceptions=(exc,))


def test_active_exception_suppresses_externally_with_its_properties() -> None:
    inside, outside = finding("legacy/hsm/bridge.py"), finding("app/keys.py")
    notes = apply_policy([inside, outside], with_exception(TODAY), lines(""), TODAY)
    assert notes == []
    assert outside.suppression is None
    assert inside.suppression is not None
    assert inside.suppression.kind == "external"
    assert inside.suppression.justification == "HSM bridge"
    assert inside.suppression.properties == {
        "approved_by": "Jane Doe",
        "ticket": "SEC-1",
        "expires": TODAY.isoformat(),
    }


def test_expired_exception_stops_suppressing_and_is_reported_once() -> None:
    yesterday = TODAY - dt.timedelta(days=1)
    found = [finding("legacy/a.py"), finding("legacy/b.py")]
    notes = apply_policy(found, with_exception(yesterday), lines(""), TODAY)
    assert all(f.suppression is None for f in found)
    (note,) = notes
    assert note.kind == "exception-expired"
    assert yesterday.isoformat() in note.message and "KG201" in note.message
    assert "2 findings" in note.message


def test_glob_with_double_star_matches_at_any_depth() -> None:
    found = finding("services/pay/legacy/x.py")
    apply_policy([found], with_exception(TODAY, ("**/legacy/**",)), lines(""), TODAY)
    assert found.suppression is not None


def site(path: str, library: str) -> KeySite:
    return KeySite(Location(path, 4), "AESGCM.generate_key", library, "AES", "symmetric", 256)


def test_kg402_only_with_require_kms() -> None:
    assert kms_findings([site("app/a.py", "cryptography")], default_policy()) == []


def test_kg402_reports_local_generation_and_names_the_approved_path() -> None:
    policy = replace(
        default_policy(), require_kms=True, local_generation_paths=("tools/keygen/**",)
    )
    sites = [
        site("app/a.py", "cryptography"),
        site("app/b.py", "aws-kms"),
        site("app/c.py", "hvac"),
        site("tools/keygen/make.py", "cryptography"),
    ]
    (kg402,) = kms_findings(sites, policy)
    assert kg402.rule_id == "KG402"
    assert kg402.location == Location("app/a.py", 4)
    assert "KMS" in kg402.message and "tools/keygen/**" in kg402.message
    assert sites[0].verdict == "violation" and "KG402" in sites[0].rule_ids
    assert sites[1].verdict == "compliant"
