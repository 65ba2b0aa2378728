"""Infrastructure code (Terraform, CloudFormation): which files, the values of the Semgrep rule
templates' placeholders, and the Python checks (inventory, policy documents, Google rotation)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import yaml

from analyzer.engines.iac.documents import check_policy, get, parse_document, scalar
from analyzer.engines.iac.hcl import Attr, Block, read_blocks
from analyzer.engines.iac.resources import (
    AWS_KEY_SPECS,
    AZURE_CURVES,
    CLOUDFORMATION_KEYS,
    GOOGLE_EC_ALGORITHMS,
    GOOGLE_RSA_SIZES,
    TERRAFORM_KEYS,
    TLS_CURVES,
    TLS_DEFAULT_CURVE,
    TLS_DEFAULT_RSA_BITS,
    google_algorithm,
)
from analyzer.findings.model import FileResult, Finding, KeySite, Location, Notification
from analyzer.knowledge.languages import BY_NAME, language_name, languages_of_engine
from analyzer.policy.thresholds import Thresholds

NEVER = "(?!)"
_IAC = languages_of_engine("iac")


def _curve_ok(curve: str | None, thresholds: Thresholds) -> bool:
    return curve is None or curve.lower() in {c.lower() for c in thresholds.ec_curves}


def allowed_aws_specs(thresholds: Thresholds) -> list[str]:
    """AWS KeySpecs the standard allows: the allow-list, less RSA below the minimum and bad curves."""
    allowed = []
    for spec in thresholds.allowed_kms_key_specs:
        algorithm, size, curve = AWS_KEY_SPECS.get(spec, ("", None, None))
        if algorithm == "RSA" and (size or 0) < thresholds.rsa_min_bits:
            continue
        if not _curve_ok(curve, thresholds):
            continue
        allowed.append(spec)
    return allowed


def _value_regex(values: list[str]) -> str:
    """A regex matching a (quoted or bare) value that is one of ``values``; never when empty."""
    if not values:
        return NEVER
    alternatives = "|".join(re.escape(v) for v in sorted(values))
    return f"^[\"']?(?:{alternatives})[\"']?$"


def _quote(regex: str) -> str:
    """A regex as a YAML double-quoted scalar, so the templates stay valid YAML."""
    return '"' + regex.replace("\\", "\\\\").replace('"', '\\"') + '"'


def iac_placeholders(thresholds: Thresholds) -> dict[str, str]:
    """Values for the Terraform and CloudFormation rule templates, derived from ``thresholds``."""
    allowed = allowed_aws_specs(thresholds)
    spec_alternatives = "|".join(re.escape(s) for s in allowed) or NEVER
    weak_google = [
        f"RSA_\\w+?_{size}_\\w+" for size in GOOGLE_RSA_SIZES if size < thresholds.rsa_min_bits
    ] + [re.escape(n) for n, c in GOOGLE_EC_ALGORITHMS.items() if not _curve_ok(c, thresholds)]
    google = f'^"(?:{"|".join(weak_google)})"$' if weak_google else NEVER
    azure = [n for n, c in AZURE_CURVES.items() if not _curve_ok(c, thresholds)]
    tls = [n for n, c in TLS_CURVES.items() if not _curve_ok(c, thresholds)]
    tls_default_weak = not _curve_ok(TLS_CURVES[TLS_DEFAULT_CURVE], thresholds)
    return {
        "kms_key_spec_disallowed_regex": _quote(f"^(?![\"']?(?:{spec_alternatives})[\"']?$)"),
        "kms_key_specs_list": ", ".join(allowed) or "none",
        "google_algorithm_disallowed_regex": _quote(google),
        "azure_curve_disallowed_regex": _quote(_value_regex(azure)),
        "tls_curve_disallowed_regex": _quote(_value_regex(tls)),
        "tls_default_curve_weak": "1 == 1" if tls_default_weak else "1 == 0",
        "require_hsm": "1 == 1" if thresholds.require_hsm else "1 == 0",
        "max_rotation_days": str(thresholds.max_rotation_days),
    }


# --- which files are infrastructure code -------------------------------------------------------


def iac_kind(rel: str, head: bytes) -> str | None:
    """``terraform``, ``cloudformation`` or None (the language table tells CloudFormation from
    other YAML/JSON by its content)."""
    name = language_name(rel, head)
    return name if name in _IAC else None


def iac_prefilter(data: bytes) -> bool:
    """True when an infrastructure file can declare a key or a policy keyguard checks (the
    language table's prefilter of Terraform and CloudFormation)."""
    return any(
        row.prefilter is not None and row.prefilter.search(data) is not None
        for row in (BY_NAME[name] for name in _IAC)
    )


# --- the Python part of the IaC engine: inventory, policy documents, Google rotation ------------

ENGINE = "iac"


def _site(
    rel: str,
    line: int,
    end_line: int,
    api: str,
    library: str,
    spec: tuple[str, int | None, str | None],
    properties: dict[str, str],
) -> KeySite:
    algorithm, size, curve = spec
    primitive = {"AES": "symmetric", "HMAC": "mac"}.get(algorithm, "asymmetric")
    return KeySite(
        location=Location(rel, line, 1, end_line),
        api=api,
        library=library,
        algorithm=algorithm or "unknown",
        primitive=primitive if algorithm else "unknown",
        size=size,
        curve=curve,
        verdict="compliant" if algorithm else "unverified",
        properties={k: v for k, v in properties.items() if v},
    )


def _text(attr: Attr | None, default: str = "") -> str:
    return str(attr.value) if attr is not None else default


def _terraform_site(block: Block, rel: str) -> KeySite | None:
    if block.kind != "resource" or block.type not in TERRAFORM_KEYS:
        return None
    provider, library = TERRAFORM_KEYS[block.type]
    a = block.attrs
    protection = "HSM"
    rotation = ""
    if provider == "aws":
        spec_name = _text(a.get("customer_master_key_spec"), "SYMMETRIC_DEFAULT")
        spec = AWS_KEY_SPECS.get(spec_name, ("", None, None))
        if "external" in block.type:
            protection, spec_name, spec = "HSM (imported material)", "EXTERNAL", ("AES", 256, None)
        enabled = a.get("enable_key_rotation")
        days = _text(a.get("rotation_period_in_days"), "365")
        rotation = f"{days}d" if enabled is not None and enabled.value is True else "disabled"
        if spec_name not in ("SYMMETRIC_DEFAULT", "EXTERNAL"):
            rotation = "n/a (asymmetric)"
    elif provider == "google":
        spec_name = _text(a.get("algorithm"), "GOOGLE_SYMMETRIC_ENCRYPTION")
        spec = google_algorithm(spec_name)
        protection = _text(a.get("protection_level"), "SOFTWARE")
        rotation = _text(a.get("rotation_period"), "none")
    elif provider == "azure":
        key_type = _text(a.get("key_type"))
        protection = "HSM" if key_type.endswith("-HSM") else "SOFTWARE"
        curve_name = _text(a.get("curve"))
        size = a.get("key_size")
        bits = size.value if size is not None and isinstance(size.value, int) else None
        if key_type.startswith("EC"):
            spec_name = f"{key_type} {curve_name}".strip()
            spec = ("EC", None, AZURE_CURVES.get(curve_name, curve_name or None))
        elif key_type.startswith("RSA"):
            spec_name = f"{key_type} {bits or ''}".strip()
            spec = ("RSA", bits, None)
        else:
            spec_name, spec = (
                key_type,
                ("AES", bits, None)
                if key_type.startswith("oct")
                else (
                    "",
                    None,
                    None,
                ),
            )
        rotation = "policy" if "expire_after" in a else "none"
    else:
        algorithm = _text(a.get("algorithm"), "RSA")
        protection = "SOFTWARE (Terraform state)"
        if algorithm == "RSA":
            bits_attr = a.get("rsa_bits")
            bits = bits_attr.value if bits_attr is not None else TLS_DEFAULT_RSA_BITS
            spec_name, spec = f"RSA {bits}", ("RSA", bits if isinstance(bits, int) else None, None)
        elif algorithm == "ECDSA":
            curve_name = _text(a.get("ecdsa_curve"), TLS_DEFAULT_CURVE)
            spec_name, spec = f"ECDSA {curve_name}", ("EC", None, TLS_CURVES.get(curve_name))
        else:
            spec_name, spec = algorithm, (algorithm, None, algorithm.lower())
        rotation = "none"
    return _site(
        rel,
        block.line,
        block.end_line,
        block.type,
        library,
        spec,
        {
            "iac": "terraform",
            "name": f"{block.type}.{block.name}",
            "provider": provider,
            "spec": spec_name,
            "protection": protection,
            "rotation": rotation,
        },
    )


def _google_rotation(block: Block, rel: str, thresholds: Thresholds) -> Finding | None:
    """KG504 for a Cloud KMS key whose rotation period is longer than the cryptoperiod."""
    if block.type != "google_kms_crypto_key":
        return None
    limit = thresholds.max_rotation_days
    period = block.attrs.get("rotation_period")
    if period is None:
        purpose = _text(block.attrs.get("purpose"), "ENCRYPT_DECRYPT")
        if purpose != "ENCRYPT_DECRYPT" or "import_only" in block.attrs:
            return None
        line, message = (
            block.line,
            f"Cloud KMS encryption key without rotation_period is never rotated; the standard "
            f"sets a cryptoperiod of {limit} days",
        )
    else:
        text = str(period.value)
        seconds = text[:-1].split(".")[0]
        if not (period.literal and text.endswith("s") and seconds.isdigit()):
            return None
        days = int(seconds) / 86_400
        if days <= limit:
            return None
        line, message = (
            period.line,
            f"Cloud KMS rotation every {days:g} days is longer than the standard's cryptoperiod "
            f"of {limit} days",
        )
    return Finding("KG504", Location(rel, line), message, ENGINE, facts={"resource": block.name})


def _policy_findings(document: yaml.Node, rel: str, offset: int, where: str) -> list[Finding]:
    return [
        Finding(
            "KG503",
            Location(rel, p.line),
            f"{where}: {p.message}",
            ENGINE,
            facts={"principal": p.principal},
        )
        for p in check_policy(document, offset)
    ]


def _analyze_terraform(text: str, rel: str, thresholds: Thresholds, result: FileResult) -> None:
    for block in read_blocks(text):
        site = _terraform_site(block, rel)
        if site is not None:
            result.sites.append(site)
        rotation = _google_rotation(block, rel, thresholds)
        if rotation is not None:
            result.findings.append(rotation)
        for heredoc in block.heredocs:
            document = parse_document(heredoc.body)
            if document is not None:
                where = f"{block.type}.{block.name} {heredoc.name}"
                result.findings += _policy_findings(document, rel, heredoc.line - 1, where)


def _cfn_site(key: yaml.Node, kind: str, resource: yaml.Node, rel: str) -> KeySite:
    provider, library = CLOUDFORMATION_KEYS[kind]
    props = get(resource, "Properties")

    def prop(key: str, default: str = "") -> str:
        node = get(props, key) if props is not None else None
        return scalar(node) or default if node is not None else default

    spec_name = prop("KeySpec", "SYMMETRIC_DEFAULT")
    origin = prop("Origin", "AWS_KMS")
    rotation = "disabled" if spec_name == "SYMMETRIC_DEFAULT" else "n/a (asymmetric)"
    if prop("EnableKeyRotation").lower() == "true":
        rotation = f"{prop('RotationPeriodInDays', '365')}d"
    start = key.start_mark.line + 1
    end = resource.end_mark.line + (1 if resource.flow_style else 0)
    return _site(
        rel,
        start,
        max(start, end),
        kind,
        library,
        AWS_KEY_SPECS.get(spec_name, ("", None, None)),
        {
            "iac": "cloudformation",
            "name": scalar(key) or "?",
            "provider": provider,
            "spec": spec_name,
            "protection": "HSM" if origin == "AWS_KMS" else f"HSM (origin {origin})",
            "rotation": rotation,
        },
    )


def _policies(node: yaml.Node) -> Iterator[tuple[str, yaml.Node]]:
    """Every ``KeyPolicy`` / ``PolicyDocument`` mapping below ``node``."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = scalar(key)
            if name in ("KeyPolicy", "PolicyDocument") and isinstance(value, yaml.MappingNode):
                yield name, value
            else:
                yield from _policies(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _policies(item)


def _analyze_cloudformation(text: str, rel: str, result: FileResult) -> None:
    try:
        template = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        result.notifications.append(
            Notification(
                f"{rel}: CloudFormation template cannot be parsed ({str(exc).splitlines()[0]})",
                kind="parse-error",
                path=rel,
            )
        )
        return
    resources = get(template, "Resources") if template is not None else None
    if not isinstance(resources, yaml.MappingNode):
        return
    for key, resource in resources.value:
        name = scalar(key) or "?"
        kind = scalar(get(resource, "Type") or yaml.ScalarNode("", "")) or ""
        if kind in CLOUDFORMATION_KEYS:
            result.sites.append(_cfn_site(key, kind, resource, rel))
        for policy_name, document in _policies(resource):
            result.findings += _policy_findings(document, rel, 0, f"{name} {policy_name}")


def link_sites(sites: list[KeySite], findings: list[Finding]) -> None:
    """Mark each infrastructure key violated by the KG5xx findings inside its declaration."""
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.rule_id.startswith("KG5"):
            by_path.setdefault(finding.location.path, []).append(finding)
    for site in sites:
        if "iac" not in site.properties:
            continue
        end = site.location.end_line or site.location.line
        rules = {
            f.rule_id
            for f in by_path.get(site.location.path, [])
            if site.location.line <= f.location.line <= end
        }
        if rules:
            site.rule_ids = sorted(set(site.rule_ids) | rules)
            site.verdict = "violation"


def analyze_iac(data: bytes, rel: str, thresholds: Thresholds) -> FileResult:
    """Inventory and the checks Semgrep cannot express for one Terraform/CloudFormation file."""
    result = FileResult(rel)
    kind = iac_kind(rel, data)
    if kind is None:
        return result
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        result.notifications.append(
            Notification(f"{rel}: not UTF-8, not analysed", kind="bad-encoding", path=rel)
        )
        return result
    try:
        if kind == "terraform":
            _analyze_terraform(text, rel, thresholds, result)
        else:
            _analyze_cloudformation(text, rel, result)
    except (RecursionError, ValueError) as exc:
        result.notifications.append(
            Notification(f"{rel}: cannot be analysed ({exc})", kind="parse-error", path=rel)
        )
    link_sites(result.sites, result.findings)
    return result
