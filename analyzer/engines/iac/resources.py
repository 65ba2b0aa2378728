"""Key resources of infrastructure code: what a Terraform or CloudFormation key declaration means
(the inventory's KeySite), and the checks that need the resource's meaning rather than a pattern
(Cloud KMS rotation, KG504; a prohibited algorithm, KG403)."""

from __future__ import annotations

import yaml

from analyzer.catalogue.ids import IAC_KEY_ROTATION, PROHIBITED_ALGORITHM
from analyzer.engines.iac.documents import get, scalar
from analyzer.engines.iac.hcl import Attr, Block
from analyzer.findings.model import Finding, KeySite, Location
from analyzer.knowledge.algorithms import prohibited, provider_default
from analyzer.knowledge.iac_resources import KeySpec, iac_resources
from analyzer.policy.thresholds import Thresholds

ENGINE = "iac"
_TLS = ("hashicorp/tls", "tls_private_key")
_AWS = ("hashicorp/aws", "aws_kms_key")
_GOOGLE = ("hashicorp/google", "google_kms_crypto_key")
_CFN = ("aws-cloudformation", "AWS::KMS::Key")
_UNKNOWN = KeySpec("", None, None)


def _site(
    rel: str, line: int, end_line: int, api: str, library: str, spec: KeySpec, properties: dict
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


def _text(attr: Attr | None, default: object = "") -> str:
    return str(attr.value) if attr is not None else str(default)


def _aws(block: Block) -> tuple[str, KeySpec, str, str]:
    a = block.attrs
    default_spec = provider_default(*_AWS, "customer_master_key_spec")
    spec_name = _text(a.get("customer_master_key_spec"), default_spec)
    spec = iac_resources().aws_key_specs.get(spec_name, _UNKNOWN)
    protection = "HSM"
    if "external" in block.type:
        protection, spec_name, spec = (
            "HSM (imported material)",
            "EXTERNAL",
            KeySpec("AES", 256, None),
        )
    enabled = a.get("enable_key_rotation")
    days = _text(
        a.get("rotation_period_in_days"), provider_default(*_AWS, "rotation_period_in_days")
    )
    rotation = f"{days}d" if enabled is not None and enabled.value is True else "disabled"
    if spec_name not in (default_spec, "EXTERNAL"):
        rotation = "n/a (asymmetric)"
    return spec_name, spec, protection, rotation


def _google(block: Block) -> tuple[str, KeySpec, str, str]:
    a = block.attrs
    spec_name = _text(a.get("algorithm"), provider_default(*_GOOGLE, "algorithm"))
    protection = _text(a.get("protection_level"), provider_default(*_GOOGLE, "protection_level"))
    rotation = _text(a.get("rotation_period"), "none")
    return spec_name, iac_resources().google_algorithm(spec_name), protection, rotation


def _azure(block: Block) -> tuple[str, KeySpec, str, str]:
    a = block.attrs
    key_type = _text(a.get("key_type"))
    protection = "HSM" if key_type.endswith("-HSM") else "SOFTWARE"
    curve_name = _text(a.get("curve"))
    size = a.get("key_size")
    bits = size.value if size is not None and isinstance(size.value, int) else None
    if key_type.startswith("EC"):
        curve = iac_resources().azure_curves.get(curve_name, curve_name or None)
        spec_name, spec = f"{key_type} {curve_name}".strip(), KeySpec("EC", None, curve)
    elif key_type.startswith("RSA"):
        spec_name, spec = f"{key_type} {bits or ''}".strip(), KeySpec("RSA", bits, None)
    elif key_type.startswith("oct"):
        spec_name, spec = key_type, KeySpec("AES", bits, None)
    else:
        spec_name, spec = key_type, _UNKNOWN
    rotation = "policy" if "expire_after" in a else "none"
    return spec_name, spec, protection, rotation


def _tls(block: Block) -> tuple[str, KeySpec, str, str]:
    a = block.attrs
    algorithm = _text(a.get("algorithm"), provider_default(*_TLS, "algorithm"))
    if algorithm == "RSA":
        bits_attr = a.get("rsa_bits")
        bits = bits_attr.value if bits_attr is not None else provider_default(*_TLS, "rsa_bits")
        spec_name = f"RSA {bits}"
        spec = KeySpec("RSA", bits if isinstance(bits, int) else None, None)
    elif algorithm == "ECDSA":
        curve_name = _text(a.get("ecdsa_curve"), provider_default(*_TLS, "ecdsa_curve"))
        spec_name = f"ECDSA {curve_name}"
        spec = KeySpec("EC", None, iac_resources().tls_curves.get(curve_name))
    else:
        spec_name, spec = algorithm, KeySpec(algorithm, None, algorithm.lower())
    return spec_name, spec, "SOFTWARE (Terraform state)", "none"


_PROVIDERS = {"aws": _aws, "google": _google, "azure": _azure, "terraform": _tls}


def terraform_site(block: Block, rel: str) -> KeySite | None:
    """The inventory entry of a Terraform key resource, None for other blocks."""
    if block.kind != "resource" or block.type not in iac_resources().terraform_keys:
        return None
    provider, library = iac_resources().terraform_keys[block.type]
    spec_name, spec, protection, rotation = _PROVIDERS[provider](block)
    properties = {
        "iac": "terraform",
        "name": f"{block.type}.{block.name}",
        "provider": provider,
        "spec": spec_name,
        "protection": protection,
        "rotation": rotation,
    }
    return _site(rel, block.line, block.end_line, block.type, library, spec, properties)


def google_period_days(text: str) -> float | None:
    """Days of a Cloud KMS duration such as ``"7776000s"``; None when it is not one."""
    seconds = text[:-1].split(".")[0]
    return int(seconds) / 86_400 if text.endswith("s") and seconds.isdigit() else None


def google_rotation(block: Block, rel: str, thresholds: Thresholds) -> Finding | None:
    """KG504 for a Cloud KMS key whose rotation period is longer than the cryptoperiod."""
    if block.kind != "resource" or block.type != "google_kms_crypto_key":
        return None
    limit = thresholds.max_rotation_days
    period = block.attrs.get("rotation_period")
    if period is None:
        purpose = _text(block.attrs.get("purpose"), provider_default(*_GOOGLE, "purpose"))
        if purpose != provider_default(*_GOOGLE, "purpose") or "import_only" in block.attrs:
            return None
        line, message = (
            block.line,
            f"Cloud KMS encryption key without rotation_period is never rotated; the standard "
            f"sets a cryptoperiod of {limit} days",
        )
    else:
        days = google_period_days(str(period.value)) if period.literal else None
        if days is None or days <= limit:
            return None
        line, message = (
            period.line,
            f"Cloud KMS rotation every {days:g} days is longer than the standard's cryptoperiod "
            f"of {limit} days",
        )
    return Finding(
        IAC_KEY_ROTATION, Location(rel, line), message, ENGINE, facts={"resource": block.name}
    )


# Attributes that name a key's algorithm, per key resource type.
_ALGORITHM_ATTRIBUTES = ("algorithm", "key_type", "customer_master_key_spec", "key_spec")


def prohibited_algorithm(block: Block, rel: str) -> Finding | None:
    """KG403 for a key resource whose algorithm attribute names a prohibited algorithm."""
    if block.kind != "resource" or block.type not in iac_resources().terraform_keys:
        return None
    spelled = {s.lower(): name for s, name in prohibited("iac").items()}
    for attribute in _ALGORITHM_ATTRIBUTES:
        attr = block.attrs.get(attribute)
        name = spelled.get(str(attr.value).lower()) if attr is not None and attr.literal else None
        if attr is not None and name is not None:
            message = f"{block.type}.{block.name} declares a {name} key, an algorithm the standard prohibits"
            return Finding(
                PROHIBITED_ALGORITHM,
                Location(rel, attr.line),
                message,
                ENGINE,
                facts={"algorithm": name},
            )
    return None


def cfn_site(key: yaml.Node, kind: str, resource: yaml.Node, rel: str) -> KeySite:
    """The inventory entry of a CloudFormation key resource."""
    provider, library = iac_resources().cloudformation_keys[kind]
    props = get(resource, "Properties")

    def prop(key: str, default: object = "") -> str:
        node = get(props, key) if props is not None else None
        return scalar(node) or str(default) if node is not None else str(default)

    default_spec = provider_default(*_CFN, "KeySpec")
    spec_name = prop("KeySpec", default_spec)
    origin = prop("Origin", provider_default(*_CFN, "Origin"))
    rotation = "disabled" if spec_name == default_spec else "n/a (asymmetric)"
    if prop("EnableKeyRotation").lower() == "true":
        rotation = (
            f"{prop('RotationPeriodInDays', provider_default(*_CFN, 'RotationPeriodInDays'))}d"
        )
    start = key.start_mark.line + 1
    end = resource.end_mark.line + (1 if resource.flow_style else 0)
    properties = {
        "iac": "cloudformation",
        "name": scalar(key) or "?",
        "provider": provider,
        "spec": spec_name,
        "protection": "HSM"
        if origin == provider_default(*_CFN, "Origin")
        else f"HSM (origin {origin})",
        "rotation": rotation,
    }
    spec = iac_resources().aws_key_specs.get(spec_name, _UNKNOWN)
    return _site(rel, start, max(start, end), kind, library, spec, properties)
