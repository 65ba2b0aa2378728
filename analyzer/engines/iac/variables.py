"""Terraform values that come from variables: ``var.x`` in a key resource resolved through the
variable's literal default (in any ``.tf`` file of the same module directory), and a local
module's inputs checked at the module call, also through the local modules it calls in turn. A
value that cannot be resolved is never reported.

Checked here: an AWS KMS key's spec (KG501), rotation switch and period (KG504), an Azure Key
Vault key's RSA size and curve (KG501), a Cloud KMS key's rotation period (KG504), a
``tls_private_key``'s RSA size and ECDSA curve (KG501); literal values are the Semgrep rules' and
the resource checks' job, so nothing is reported twice.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.catalogue.ids import IAC_KEY_ROTATION, IAC_KEY_SPEC_TOO_WEAK
from analyzer.engines.iac.hcl import Attr, Block, read_assignments, read_blocks
from analyzer.engines.iac.resources import google_period_days
from analyzer.findings.model import Finding, Location
from analyzer.knowledge.algorithms import provider_default
from analyzer.knowledge.iac_resources import iac_resources
from analyzer.policy.kms_specs import allowed_aws_specs, curve_ok
from analyzer.policy.thresholds import Thresholds

ENGINE = "iac"
_VAR = re.compile(r"var\.([A-Za-z_][\w-]*)")
_AWS = ("hashicorp/aws", "aws_kms_key")
# Local modules followed below a module call (a module calling itself is not followed).
_MAX_DEPTH = 4
_AUTO = (".auto.tfvars", ".auto.tfvars.json")


@dataclass(frozen=True)
class Problem:
    rule: str
    message: str


def _spec_problem(spec: str, thresholds: Thresholds) -> Problem | None:
    allowed = allowed_aws_specs(thresholds)
    if spec in allowed:
        return None
    return Problem(
        IAC_KEY_SPEC_TOO_WEAK,
        f"AWS KMS key spec {spec} is not an approved key spec (allowed: {', '.join(allowed) or 'none'})",
    )


def _rotation_problem(enabled: object, spec: str, thresholds: Thresholds) -> Problem | None:
    if enabled is not False or spec != provider_default(*_AWS, "customer_master_key_spec"):
        return None
    return Problem(
        IAC_KEY_ROTATION,
        f"Symmetric KMS key with rotation disabled; the standard sets a cryptoperiod of "
        f"{thresholds.max_rotation_days} days",
    )


def _variable(attr: Attr | None) -> str | None:
    match = _VAR.fullmatch(str(attr.value)) if attr is not None and not attr.literal else None
    return match.group(1) if match else None


def _value(attr: Attr | None, inputs: dict[str, Attr]) -> tuple[object, Attr | None, bool]:
    """(value, the attribute that gave it, resolved) for a key attribute: its literal, or the
    literal input of the variable it names; (None, None, False) when it cannot be known."""
    if attr is None:
        return None, None, True
    if attr.literal:
        return attr.value, attr, True
    name = _variable(attr)
    given = inputs.get(name) if name is not None else None
    if given is None or not given.literal:
        return None, None, False
    return given.value, given, True


def _aws_problems(
    block: Block, inputs: dict[str, Attr], thresholds: Thresholds
) -> Iterator[tuple[Problem, Attr, str]]:
    """Problems of an ``aws_kms_key`` whose spec or rotation comes from a variable in ``inputs``,
    with the input attribute that caused each and the variable's name."""
    default_spec = str(provider_default(*_AWS, "customer_master_key_spec"))
    spec_attr = block.attrs.get("customer_master_key_spec")
    spec, spec_source, spec_known = _value(spec_attr, inputs)
    spec_name = str(spec) if spec is not None else default_spec
    variable = _variable(spec_attr)
    if variable is not None and spec_source is not None:
        problem = _spec_problem(spec_name, thresholds)
        if problem is not None:
            yield problem, spec_source, variable
    rotation_attr = block.attrs.get("enable_key_rotation")
    variable = _variable(rotation_attr)
    enabled, rotation_source, _ = _value(rotation_attr, inputs)
    if variable is not None and rotation_source is not None and spec_known:
        problem = _rotation_problem(enabled, spec_name, thresholds)
        if problem is not None:
            yield problem, rotation_source, variable
    period_attr = block.attrs.get("rotation_period_in_days")
    value, source, _ = _value(period_attr, inputs)
    variable, days = _variable(period_attr), _number(value)
    if variable and source and days is not None and days > thresholds.max_rotation_days:
        message = (
            f"KMS key rotation every {days} days is longer than the standard's cryptoperiod of "
            f"{thresholds.max_rotation_days} days"
        )
        yield Problem(IAC_KEY_ROTATION, message), source, variable


def _number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _weak_rsa(what: str, bits: int | None, thresholds: Thresholds) -> Problem | None:
    """KG501 for an RSA modulus below the standard's minimum (``what`` names the key)."""
    if bits is None or bits >= thresholds.rsa_min_bits:
        return None
    return Problem(
        IAC_KEY_SPEC_TOO_WEAK,
        f"{what} of {bits} bits; the standard requires at least {thresholds.rsa_min_bits}",
    )


def _curve_problem(message: str, canonical: str | None, thresholds: Thresholds) -> Problem | None:
    """KG501 with ``message`` for a known curve the standard does not approve."""
    if canonical is None or curve_ok(canonical, thresholds):
        return None
    return Problem(IAC_KEY_SPEC_TOO_WEAK, f"{message} ({', '.join(thresholds.ec_curves)})")


def _tls_problems(
    block: Block, inputs: dict[str, Attr], thresholds: Thresholds
) -> Iterator[tuple[Problem, Attr, str]]:
    """A ``tls_private_key`` whose RSA size or ECDSA curve is a variable in ``inputs``."""
    algorithm, _, _ = _value(block.attrs.get("algorithm"), inputs)
    bits_attr = block.attrs.get("rsa_bits")
    value, source, _ = _value(bits_attr, inputs)
    variable = _variable(bits_attr)
    problem = _weak_rsa("tls_private_key RSA key", _number(value), thresholds)
    if variable and source and algorithm == "RSA" and problem:
        yield problem, source, variable
    curve_attr = block.attrs.get("ecdsa_curve")
    curve, source, _ = _value(curve_attr, inputs)
    variable = _variable(curve_attr)
    canonical = iac_resources().tls_curves.get(str(curve))
    message = f"tls_private_key ECDSA curve {curve} is not approved by the standard"
    problem = _curve_problem(message, canonical, thresholds)
    if variable and source and algorithm == "ECDSA" and problem:
        yield problem, source, variable


def _azure_problems(
    block: Block, inputs: dict[str, Attr], thresholds: Thresholds
) -> Iterator[tuple[Problem, Attr, str]]:
    """An ``azurerm_key_vault_key`` whose RSA size or curve is a variable in ``inputs``, or whose
    type is a variable that makes a written-out size an RSA modulus."""
    type_attr = block.attrs.get("key_type")
    key_type, type_source, _ = _value(type_attr, inputs)
    size_attr = block.attrs.get("key_size")
    size, source, _ = _value(size_attr, inputs)
    variable = _variable(size_attr)
    if variable is None and source is not None and _variable(type_attr) is not None:
        variable, source = _variable(type_attr), type_source
    problem = _weak_rsa("Key Vault RSA key", _number(size), thresholds)
    if variable and source and str(key_type).startswith("RSA") and problem:
        yield problem, source, variable
    curve_attr = block.attrs.get("curve")
    curve, source, _ = _value(curve_attr, inputs)
    variable = _variable(curve_attr)
    canonical = iac_resources().azure_curves.get(str(curve)) if source is not None else None
    message = f"Key Vault EC key on curve {curve}, which the standard does not approve"
    problem = _curve_problem(message, canonical, thresholds)
    if variable and source and problem:
        yield problem, source, variable


def _google_problems(
    block: Block, inputs: dict[str, Attr], thresholds: Thresholds
) -> Iterator[tuple[Problem, Attr, str]]:
    """A ``google_kms_crypto_key`` whose rotation period is a variable in ``inputs``."""
    period_attr = block.attrs.get("rotation_period")
    period, source, _ = _value(period_attr, inputs)
    variable = _variable(period_attr)
    days = google_period_days(str(period)) if source is not None else None
    if variable is not None and days is not None and days > thresholds.max_rotation_days:
        message = (
            f"Cloud KMS rotation every {days:g} days is longer than the standard's cryptoperiod "
            f"of {thresholds.max_rotation_days} days"
        )
        yield Problem(IAC_KEY_ROTATION, message), source, variable


_CHECKS = {
    "aws_kms_key": _aws_problems,
    "azurerm_key_vault_key": _azure_problems,
    "google_kms_crypto_key": _google_problems,
    "tls_private_key": _tls_problems,
}


def _problems(
    block: Block, inputs: dict[str, Attr], thresholds: Thresholds
) -> Iterator[tuple[Problem, Attr, str]]:
    """Problems of a key resource whose checked values come from variables in ``inputs``, with
    the input attribute that caused each and the variable's name."""
    yield from _CHECKS[block.type](block, inputs, thresholds)


def defaults(blocks: list[Block]) -> dict[str, Attr]:
    """Each variable's ``default`` attribute."""
    return {
        b.type: b.attrs["default"] for b in blocks if b.kind == "variable" and "default" in b.attrs
    }


def _key_blocks(blocks: list[Block]) -> list[Block]:
    return [b for b in blocks if b.kind == "resource" and b.type in _CHECKS]


def uses_variables(blocks: list[Block]) -> bool:
    """True when a key resource of this file takes a checked value from a variable, or the file
    calls a local module: only then are the module directory's other files read."""
    return any(_variable(a) for b in _key_blocks(blocks) for a in b.attrs.values()) or any(
        _local_source(b) for b in blocks
    )


def _local_source(block: Block) -> str | None:
    source = block.attrs.get("source") if block.kind == "module" else None
    if source is None or not source.literal or not str(source.value).startswith(("./", "../")):
        return None
    return str(source.value)


@dataclass
class ModuleDir:
    """The blocks of every ``.tf`` file of one directory, the variables its variable files
    assign (with the file that assigned each), and a digest of their text."""

    rel: str
    blocks: list[Block]
    digest: str
    assigned: dict[str, tuple[Attr, str]] = field(default_factory=dict)


def _variable_files(directory: Path) -> list[Path]:
    """The variable files Terraform loads by itself for a root module, in the order it loads them
    (a later file wins)."""
    named = [directory / "terraform.tfvars", directory / "terraform.tfvars.json"]
    auto = [p for p in directory.glob("*.auto.tfvars*") if p.name.endswith(_AUTO)]
    return [p for p in named if p.is_file()] + sorted(auto)


def _json_assignments(text: str) -> dict[str, Attr]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        name: Attr(value, 1, isinstance(value, (str, int, bool)))
        for name, value in data.items()
        if isinstance(name, str)
    }


def read_module_dir(root: Path, rel_dir: str) -> ModuleDir:
    """The ``.tf`` and variable files directly in ``rel_dir`` (relative to the scan root);
    unreadable files and a missing directory give nothing."""
    digest = hashlib.sha256()
    module = ModuleDir(rel_dir, [], "")
    directory = root / rel_dir
    files = sorted(directory.glob("*.tf")) + _variable_files(directory)
    for path in files if directory.is_dir() else []:
        if path.is_symlink():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        digest.update(path.name.encode() + b"\0" + text.encode())
        if path.suffix == ".tf":
            module.blocks += read_blocks(text)
            continue
        json_file = path.suffix == ".json"
        assigned = _json_assignments(text) if json_file else read_assignments(text)
        module.assigned.update((name, (attr, path.name)) for name, attr in assigned.items())
    module.digest = digest.hexdigest()[:32]
    return module


def root_values(module: ModuleDir) -> dict[str, Attr]:
    """The value of each variable when the directory is applied as a root module: what its
    variable files assign, else the variable's default."""
    return {**defaults(module.blocks), **{k: attr for k, (attr, _) in module.assigned.items()}}


def _hcl(value: object) -> str:
    """A literal as Terraform writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"' if isinstance(value, str) else str(value)


def _finding(problem: Problem, rel: str, line: int, detail: str) -> Finding:
    return Finding(problem.rule, Location(rel, line), f"{problem.message} ({detail})", ENGINE)


def variable_findings(
    blocks: list[Block], rel: str, module: ModuleDir, thresholds: Thresholds
) -> list[Finding]:
    """Key resources of this file whose value is a variable with a weak literal value (its
    default, or what the directory's variable files assign), reported at the resource attribute."""
    found = []
    variables = root_values(module)
    for block in _key_blocks(blocks):
        for problem, source, name in _problems(block, variables, thresholds):
            attr = next(a for a in block.attrs.values() if _variable(a) == name)
            where = module.assigned.get(name)
            how = f"is set in {where[1]}" if where is not None else "defaults"
            detail = f"var.{name} {how} to {_hcl(source.value)}"
            found.append(_finding(problem, rel, attr.line, detail))
    return found


def _call_inputs(call: Block, caller: dict[str, Attr]) -> dict[str, Attr]:
    """A module call's inputs; one that is ``var.x`` of the caller takes the caller's literal
    value, at the call's line (a value that is itself a reference stays unknown)."""
    inputs = {}
    for key, attr in call.attrs.items():
        name = _variable(attr)
        default = caller.get(name) if name is not None else None
        if default is not None and default.literal:
            attr = Attr(default.value, attr.line, True)
        inputs[key] = attr
    return inputs


def _passed(call: Block, values: dict[str, Attr]) -> dict[str, Attr]:
    """A nested module call's inputs: ``var.x`` of the calling module is the very attribute that
    gave x its value (so a finding still points at the outermost call's input)."""
    passed = {}
    for key, attr in call.attrs.items():
        name = _variable(attr)
        passed[key] = values.get(name, attr) if name is not None else attr
    return passed


def _target(here: str, call: Block) -> str | None:
    """The directory (relative to the scan root) of a local module call, None for other blocks
    and for a module outside the scan root."""
    source = _local_source(call)
    if source is None:
        return None
    target = posixpath.normpath(posixpath.join(here, source))
    return None if target.startswith("..") else target


def _module_problems(
    root: Path,
    target: str,
    inputs: dict[str, Attr],
    thresholds: Thresholds,
    read: dict[str, ModuleDir],
    path: tuple[str, ...],
) -> Iterator[tuple[Problem, Attr, str]]:
    """Problems of the keys of module directory ``target`` given its inputs, and of the local
    modules it calls with them, with the key each is about."""
    module = read.get(target) or read_module_dir(root, target)
    read[target] = module
    values = {**defaults(module.blocks), **inputs}
    for block in _key_blocks(module.blocks):
        for problem, source, _ in _problems(block, values, thresholds):
            yield problem, source, f"{block.type}.{block.name} in {target}"
    if len(path) > _MAX_DEPTH:
        return
    for call in module.blocks:
        inner = _target(target, call)
        if inner is not None and inner not in path:
            passed = _passed(call, values)
            yield from _module_problems(root, inner, passed, thresholds, read, (*path, inner))


def module_call_findings(
    blocks: list[Block], rel: str, root: Path, thresholds: Thresholds, caller: ModuleDir
) -> tuple[list[Finding], list[ModuleDir]]:
    """Inputs of local module calls (literals, or the caller's variables through their literal
    defaults) that make a key in the module, or in a local module it calls, weak; reported at
    the call's input. Also the module directories read (their digests keep the cache honest)."""
    found: list[Finding] = []
    read: dict[str, ModuleDir] = {}
    here = posixpath.dirname(rel)
    caller_defaults = root_values(caller)
    for call in blocks:
        target = _target(here, call)
        if target is None or target == here:  # Terraform rejects a module that calls itself
            continue
        given = _call_inputs(call, caller_defaults)
        problems = _module_problems(root, target, given, thresholds, read, (here, target))
        for problem, source, key in problems:
            name = next((k for k, attr in given.items() if attr is source), None)
            if name is None:
                continue
            detail = f"module.{call.type} sets {name} = {_hcl(source.value)} for {key}"
            found.append(_finding(problem, rel, source.line, detail))
    return found, list(read.values())
