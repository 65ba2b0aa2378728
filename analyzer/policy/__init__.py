"""The organisation's key-generation standard as data: clauses, thresholds, exceptions."""

from analyzer.policy.apply import apply_policy
from analyzer.policy.errors import PolicyError
from analyzer.policy.kms import kms_findings
from analyzer.policy.load import builtin_policy, default_policy, find_config, load_policy
from analyzer.policy.model import Clause, Policy, PolicyException, Standard

__all__ = [
    "Clause",
    "Policy",
    "PolicyError",
    "PolicyException",
    "Standard",
    "apply_policy",
    "builtin_policy",
    "default_policy",
    "find_config",
    "kms_findings",
    "load_policy",
]
