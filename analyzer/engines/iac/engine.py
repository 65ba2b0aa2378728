"""Infrastructure code (Terraform, CloudFormation): which files are IaC, and the per-file run that
hands Terraform blocks and CloudFormation resources to the key-resource and policy checks."""

from __future__ import annotations

import posixpath
from pathlib import Path

import yaml

from analyzer.catalogue.ids import (
    IAC_KEY_ADMINISTRATION_TOO_BROAD,
    IAC_KEY_OUTSIDE_APPROVED_PATH,
    IAC_KEY_ROTATION,
    IAC_KEY_SPEC_TOO_WEAK,
    PROHIBITED_ALGORITHM,
)
from analyzer.engines.iac.documents import get, parse_document, policies, policy_findings, scalar
from analyzer.engines.iac.hcl import Block, read_blocks
from analyzer.engines.iac.hclexpr import (
    HclSyntaxError,
    block_body,
    iam_policy_document,
    jsonencoded,
)
from analyzer.engines.iac.resources import (
    cfn_site,
    google_rotation,
    prohibited_algorithm,
    terraform_site,
)
from analyzer.engines.iac.stores import (
    cfn_bindings,
    cfn_store,
    cfn_tags,
    terraform_bindings,
    terraform_store,
    terraform_tags,
)
from analyzer.engines.iac.variables import (
    ModuleDir,
    module_call_findings,
    read_module_dir,
    uses_variables,
    variable_findings,
)
from analyzer.findings.model import FileResult, Finding, KeySite, Notification
from analyzer.knowledge.iac_resources import iac_resources
from analyzer.knowledge.languages import BY_NAME, language_name, languages_of_engine
from analyzer.policy.thresholds import Thresholds

__all__ = ["analyze_iac", "iac_kind", "iac_prefilter", "link_sites"]

# --- which files are infrastructure code -------------------------------------------------------

_IAC = languages_of_engine("iac")


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


def _analyze_terraform(
    text: str, rel: str, thresholds: Thresholds, result: FileResult, root: Path | None
) -> list[ModuleDir]:
    """Findings and sites of one Terraform file; returns the module directories it read."""
    blocks, lines = read_blocks(text), text.splitlines()
    read: list[ModuleDir] = []
    if root is not None and uses_variables(blocks):
        own = read_module_dir(root, posixpath.dirname(rel))
        calls, read = module_call_findings(blocks, rel, root, thresholds, own)
        result.findings += variable_findings(blocks, rel, own, thresholds) + calls
        read.append(own)
    result.findings += hcl_policy_findings(text, blocks, rel)
    for block in blocks:
        site = terraform_site(block, rel)
        if site is not None:
            terraform_tags(lines, block, site)
            result.sites.append(site)
        store = terraform_store(block, rel)
        if store is not None:
            result.stores.append(store)
        for finding in (google_rotation(block, rel, thresholds), prohibited_algorithm(block, rel)):
            if finding is not None:
                result.findings.append(finding)
        for heredoc in block.heredocs:
            document = parse_document(heredoc.body)
            if document is not None:
                where = f"{block.type}.{block.name} {heredoc.name}"
                result.findings += policy_findings(document, rel, heredoc.line - 1, where)
    result.bindings += terraform_bindings(text, blocks, result.sites, rel)
    return read


def _enclosing(blocks: list[Block], line: int) -> str:
    for block in blocks:
        if block.line <= line <= block.end_line:
            return f"{block.type}.{block.name}" if block.name else f"{block.kind}.{block.type}"
    return "jsonencode"


def hcl_policy_findings(text: str, blocks: list[Block], rel: str) -> list[Finding]:
    """KG503 in policies written in HCL: ``jsonencode({...})`` objects and
    ``data "aws_iam_policy_document"`` blocks."""
    found: list[Finding] = []
    if "jsonencode(" in text:
        for document in jsonencoded(text):
            if get(document, "Statement") is not None:
                where = _enclosing(blocks, document.start_mark.line + 1)
                found += policy_findings(document, rel, 0, f"{where} policy")
    starts = None
    for block in blocks:
        if block.kind != "data" or block.type != "aws_iam_policy_document":
            continue
        if starts is None:
            starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        try:
            items = block_body(text, starts[block.line - 1])
        except (HclSyntaxError, ValueError, IndexError):
            continue
        where = f"data.aws_iam_policy_document.{block.name}"
        found += policy_findings(iam_policy_document(items), rel, 0, where)
    return found


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
        if kind in iac_resources().cloudformation_keys:
            site = cfn_site(key, kind, resource, rel)
            cfn_tags(resource, kind, site)
            result.sites.append(site)
        store = cfn_store(key, kind, resource, rel)
        if store is not None:
            result.stores.append(store)
        for policy_name, document in policies(resource):
            result.findings += policy_findings(document, rel, 0, f"{name} {policy_name}")
    result.bindings += cfn_bindings(template, result.sites, rel)


# Rules whose findings inside a key declaration make that key a violation.
_KEY_RULES = frozenset(
    {
        IAC_KEY_SPEC_TOO_WEAK,
        IAC_KEY_OUTSIDE_APPROVED_PATH,
        IAC_KEY_ADMINISTRATION_TOO_BROAD,
        IAC_KEY_ROTATION,
        PROHIBITED_ALGORITHM,
    }
)


def link_sites(sites: list[KeySite], findings: list[Finding]) -> None:
    """Mark each infrastructure key violated by the KG5xx/KG403 findings inside its declaration."""
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.rule_id in _KEY_RULES:
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


def analyze_iac(
    data: bytes,
    rel: str,
    thresholds: Thresholds,
    root: Path | None = None,
    read: list[ModuleDir] | None = None,
) -> FileResult:
    """Inventory and the checks Semgrep cannot express for one Terraform/CloudFormation file.

    With the scan ``root``, variables are resolved through the module directory's files and local
    modules' inputs are checked; the directories read are appended to ``read``."""
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
            dirs = _analyze_terraform(text, rel, thresholds, result, root)
            if read is not None:
                read += dirs
        else:
            _analyze_cloudformation(text, rel, result)
    except (RecursionError, ValueError) as exc:
        result.notifications.append(
            Notification(f"{rel}: cannot be analysed ({exc})", kind="parse-error", path=rel)
        )
    link_sites(result.sites, result.findings)
    return result
