"""Terraform values that come from variables: ``var.x`` in a key resource resolved through the
variable's literal default (in any ``.tf`` file of the same module directory), and a local
module's inputs checked at the module call. A value that cannot be resolved is never reported.

Checked here: an AWS KMS key's spec (KG501) and its rotation switch (KG504); literal values are
the Semgrep rules' job, so nothing is reported twice.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from analyzer.catalogue.ids import IAC_KEY_ROTATION, IAC_KEY_SPEC_TOO_WEAK
from analyzer.engines.iac.hcl import Attr, Block, read_blocks
from analyzer.findings.model import Finding, Location
from analyzer.knowledge.algorithms import provider_default
from analyzer.policy.kms_specs import allowed_aws_specs
from analyzer.policy.thresholds import Thresholds

ENGINE = "iac"
_VAR = re.compile(r"var\.([A-Za-z_][\w-]*)")
_AWS = ("hashicorp/aws", "aws_kms_key")


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


def defaults(blocks: list[Block]) -> dict[str, Attr]:
    """Each variable's ``default`` attribute."""
    return {
        b.type: b.attrs["default"] for b in blocks if b.kind == "variable" and "default" in b.attrs
    }


def _key_blocks(blocks: list[Block]) -> list[Block]:
    return [b for b in blocks if b.kind == "resource" and b.type == "aws_kms_key"]


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
    """The blocks of every ``.tf`` file of one directory, and a digest of their text."""

    rel: str
    blocks: list[Block]
    digest: str


def read_module_dir(root: Path, rel_dir: str) -> ModuleDir:
    """The ``.tf`` files directly in ``rel_dir`` (relative to the scan root); unreadable files and
    a missing directory give no blocks."""
    digest = hashlib.sha256()
    blocks: list[Block] = []
    directory = root / rel_dir
    files = sorted(directory.glob("*.tf")) if directory.is_dir() else []
    for path in files:
        if path.is_symlink():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        digest.update(path.name.encode() + b"\0" + text.encode())
        blocks += read_blocks(text)
    return ModuleDir(rel_dir, blocks, digest.hexdigest()[:32])


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
    """Key resources of this file whose value is a variable with a weak literal default,
    reported at the resource attribute."""
    found = []
    variables = defaults(module.blocks)
    for block in _key_blocks(blocks):
        for problem, source, name in _aws_problems(block, variables, thresholds):
            attr = next(a for a in block.attrs.values() if _variable(a) == name)
            detail = f"var.{name} defaults to {_hcl(source.value)}"
            found.append(_finding(problem, rel, attr.line, detail))
    return found


def _call_inputs(call: Block, caller: dict[str, Attr]) -> dict[str, Attr]:
    """A module call's inputs; one that is ``var.x`` of the caller takes the caller's literal
    default, at the call's line (one hop: a default that is itself a reference stays unknown)."""
    inputs = {}
    for key, attr in call.attrs.items():
        name = _variable(attr)
        default = caller.get(name) if name is not None else None
        if default is not None and default.literal:
            attr = Attr(default.value, attr.line, True)
        inputs[key] = attr
    return inputs


def module_call_findings(
    blocks: list[Block], rel: str, root: Path, thresholds: Thresholds, caller: ModuleDir
) -> tuple[list[Finding], list[ModuleDir]]:
    """Inputs of local module calls (literals, or the caller's variables through their literal
    defaults) that make a key in the module weak, reported at the call's input; and the module
    directories read (their digests keep the cache honest)."""
    found: list[Finding] = []
    read: list[ModuleDir] = []
    here = posixpath.dirname(rel)
    caller_defaults = defaults(caller.blocks)
    for call in blocks:
        source = _local_source(call)
        if source is None:
            continue
        target = posixpath.normpath(posixpath.join(here, source))
        if target.startswith(".."):
            continue
        module = read_module_dir(root, target)
        read.append(module)
        given = _call_inputs(call, caller_defaults)
        inputs = {**defaults(module.blocks), **given}
        for block in _key_blocks(module.blocks):
            for problem, source_attr, name in _aws_problems(block, inputs, thresholds):
                if not any(source_attr is attr for attr in given.values()):
                    continue
                detail = (
                    f"module.{call.type} sets {name} = {_hcl(source_attr.value)} for "
                    f"{block.type}.{block.name} in {target}"
                )
                found.append(_finding(problem, rel, source_attr.line, detail))
    return found, read
