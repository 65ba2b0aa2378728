"""The organisation's key-generation standard as data: clauses, thresholds, exceptions."""

from analyzer.policy.model import Clause, Policy, PolicyException, Standard, default_policy

__all__ = ["Clause", "Policy", "PolicyException", "Standard", "default_policy"]
