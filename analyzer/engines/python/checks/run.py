"""Run every check over one module: each known API call, then every sink back to its RNG."""

from __future__ import annotations

from collections import Counter
from functools import partial

import libcst as cst

from analyzer.catalogue.ids import PROHIBITED_ALGORITHM
from analyzer.engines.python.checks.algorithm_refs import (
    check_algorithm_references,
    merge_builds_into_references,
)
from analyzer.engines.python.checks.arguments import get_arg
from analyzer.engines.python.checks.callers import check_calls_into_other_modules
from analyzer.engines.python.checks.context import (
    Anchor,
    ApiCall,
    CheckContext,
    RawFinding,
    RawSite,
    short,
)
from analyzer.engines.python.checks.curve import check_curve, has_curve, resolve_curves
from analyzer.engines.python.checks.dh_groups import check_dh_groups
from analyzer.engines.python.checks.exponent import check_rsa_exponent
from analyzer.engines.python.checks.fast_hash import check_password_hash_key
from analyzer.engines.python.checks.framework_keys import check_framework_keys
from analyzer.engines.python.checks.kdf import check_kdf
from analyzer.engines.python.checks.key_literals import check_key_bytes
from analyzer.engines.python.checks.key_size import check_key_size, key_sizes
from analyzer.engines.python.checks.library import (
    attributed_library,
    check_named_after_prohibited,
    check_prohibited_algorithm,
    check_prohibited_library,
    is_pycrypto_only,
    named_algorithm,
    report_named_after,
    uses_pycrypto,
)
from analyzer.engines.python.checks.literal_key import (
    check_literal_key,
    check_literal_keyring,
    check_named_cipher_key,
)
from analyzer.engines.python.checks.rng import check_random_sources
from analyzer.engines.python.checks.salts import check_salt_sources
from analyzer.engines.python.evaluate.callees import BOUND_CALL, callees, may_call_a_value
from analyzer.engines.python.evaluate.callsites import CallSites
from analyzer.engines.python.evaluate.consts import Evaluator
from analyzer.engines.python.evaluate.spread import spread_arguments
from analyzer.engines.python.evaluate.taint import Flow
from analyzer.engines.python.key_facts import key_facts
from analyzer.engines.python.spellings import algorithm_spellings
from analyzer.engines.python.table import ApiSpec, Table
from analyzer.engines.python.walk.expectations import expected_failures, is_expectation
from analyzer.engines.python.walk.scopes import Scope
from analyzer.engines.python.walk.visitor import Collected, Sink
from analyzer.policy.thresholds import Thresholds

KEY_ROLES = ("key",)
SECRET_ROLES = ("password", "iv", "nonce", "salt")


def run_checks(
    collected: Collected, table: Table, thresholds: Thresholds, evaluator: Evaluator
) -> tuple[list[RawFinding], list[RawSite]]:
    """All findings and key sites of one module."""
    ctx = CheckContext(collected, table, thresholds, evaluator, Flow(evaluator, table))
    ctx.uses_pycrypto = uses_pycrypto(collected.imports, table)
    evaluator.call_sites = CallSites(collected.calls)
    expected = _expected_failures(collected)
    spellings = algorithm_spellings()
    own_calls: list[tuple[cst.Call, cst.FunctionDef | cst.ClassDef]] = []
    for call, scope in collected.calls:
        if id(call) in expected:
            continue
        qual = evaluator.qualname(call.func, scope)
        if qual is None:
            own = own_definition(call.func, scope)
            if own is not None:
                own_calls.append((call, own))
                check_named_cipher_key(ctx, call, scope, own.name.value, spellings)
            else:
                check_called_values(ctx, call, scope)
            continue
        if qual in table.seed_functions:
            generator = qual.rsplit(".", 1)[0] + "."
            ctx.seeds.setdefault(generator, []).append((call, scope))
        found = table.lookup(qual)
        if found is not None:
            check_api_call(
                ctx, make_api_call(ctx, spread_call(ctx, call, scope), scope, qual, *found)
            )
        elif qual.startswith(BOUND_CALL) and check_called_values(ctx, call, scope):
            continue
        elif ctx.uses_pycrypto and is_pycrypto_only(qual, table):
            check_prohibited_library(ctx, call, qual, table.pycrypto_library, "random")
        elif table.referenced_algorithm(qual) is None:
            callee = partial(evaluator.imported_function, call.func, scope)
            algorithm = named_algorithm(call, qual, spellings, callee)
            # a cipher built in another module the scan reads is reported there, not again here
            if algorithm and not evaluator.callee_module_analysed(call.func, scope):
                report_named_after(ctx, call, qual, algorithm)
            check_named_cipher_key(ctx, call, scope, qual, spellings)
    check_calls_into_other_modules(ctx)
    check_own_wrappers(ctx, own_calls, spellings)
    for sink in collected.sinks:
        label = (
            f"`{sink.label}`"
            if not sink.label.endswith("()")
            else f"the return value of `{sink.label}`"
        )
        ctx.sinks.append((sink, f"reaches {label}"))
    check_random_sources(ctx)
    check_salt_sources(ctx)
    check_key_bytes(ctx)
    check_framework_keys(ctx)
    check_algorithm_references(ctx)
    check_dh_groups(ctx)
    _anchor_stand_ins(ctx)
    merge_builds_into_references(ctx)
    return ctx.findings, list(ctx.sites.values())


def check_called_values(ctx: CheckContext, call: cst.Call, scope: Scope) -> bool:
    """A call of a value (a function passed or stored, a module kept in a field, a partial):
    each known API it may call is checked as if called here, the hops to it as related
    locations. True when some callee is a known API."""
    if not may_call_a_value(ctx.evaluator, call, scope):
        return False
    checked = False
    for callee in callees(ctx.evaluator, call, scope):
        found = ctx.table.lookup(callee.qualname)
        if found is None:
            continue
        checked = True
        if callee.call is not call:
            ctx.stand_ins[id(callee.call)] = (callee.call, call)
        ctx.api_calls.add(id(call))
        before = len(ctx.findings)
        everywhere = ctx.evaluator.call_sites
        pins = [o.pin for o in callee.origins if o.pin is not None]
        if pins and everywhere is not None:
            # the arguments read with the callee come from the same calls as the callee
            ctx.evaluator.call_sites = everywhere.pinned(pins)
        try:
            check_api_call(ctx, make_api_call(ctx, callee.call, scope, callee.qualname, *found))
        finally:
            ctx.evaluator.call_sites = everywhere
        hops = [
            (anchor, f"callee: {origin.text}")
            for origin in callee.origins
            if (anchor := origin.node or origin.location) is not None
        ]
        for finding in ctx.findings[before:]:
            finding.related = [*hops, *finding.related]
    return checked


def spread_call(ctx: CheckContext, call: cst.Call, scope: Scope) -> cst.Call:
    """The call with its ``*args``/``**kwargs`` of literal containers written out (a stand-in
    anchored at the real call), else the call itself."""
    if not any(arg.star for arg in call.args):
        return call
    args = spread_arguments(call, scope)
    if args is None:
        return call
    stand_in = call.with_changes(args=args)
    ctx.stand_ins[id(stand_in)] = (stand_in, call)
    ctx.api_calls.add(id(call))
    return stand_in


def _anchor_stand_ins(ctx: CheckContext) -> None:
    """Findings and sites at a call built for a partial's callee point at the real call."""
    if not ctx.stand_ins:
        return

    def real(anchor: Anchor) -> Anchor:
        found = ctx.stand_ins.get(id(anchor))
        return found[1] if found is not None and found[0] is anchor else anchor

    for finding in ctx.findings:
        finding.node = real(finding.node)  # type: ignore[assignment]
        finding.related = [(real(a), m) for a, m in finding.related]
    for site in ctx.sites.values():
        site.node = real(site.node)  # type: ignore[assignment]


def _expected_failures(collected: Collected) -> set[int]:
    """Calls inside ``pytest.raises``/``assertRaises``: walked only when the module has one."""
    names = key_facts().expectation_calls
    module = collected.module_scope.node
    if module is None or not any(is_expectation(call, names) for call, _ in collected.calls):
        return set()
    return expected_failures(module, names)


def make_api_call(
    ctx: CheckContext, call: cst.Call, scope: Scope, qual: str, spec: ApiSpec, library: str
) -> ApiCall:
    """The call with its library attributed and its algorithm resolved (fixed or by argument)."""
    library = attributed_library(ctx, qual, library)
    algorithm: str | None = ctx.table.prohibited_algorithm(spec.name) or spec.algorithm
    if "algorithm" in spec.args:
        _status, expr = get_arg(call, spec.args["algorithm"])
        algorithm = _chosen_algorithm(ctx, spec, expr, scope) if expr is not None else None
    facts: dict[str, str | int] = {
        "api": qual,
        "library": library,
        "algorithm": algorithm or "unknown",
    }
    return ApiCall(call, scope, qual, spec, library, algorithm, facts)


def _chosen_algorithm(
    ctx: CheckContext, spec: ApiSpec, expr: cst.BaseExpression, scope: Scope
) -> str | None:
    """The algorithm an argument selects; through a parameter or a branch, the one that every
    value it may take selects (``def generate(cls, kind=crypto.TYPE_RSA, size=2048)``)."""
    name = ctx.evaluator.qualname(expr, scope)
    if name is not None:
        return spec.algorithm_map.get(name.rsplit(".", 1)[-1])
    chosen = set()
    for reached in ctx.evaluator.expressions(expr, scope):
        name = ctx.evaluator.qualname(reached.expr, reached.scope)
        chosen.add(spec.algorithm_map.get((name or "").rsplit(".", 1)[-1]))
    return chosen.pop() if len(chosen) == 1 else None


def check_api_call(ctx: CheckContext, api: ApiCall) -> None:
    """Library, algorithm, key arguments and — for generation and derivation — the key site."""
    findings_before = len(ctx.findings)
    ctx.api_calls.add(id(api.call))
    check_prohibited_library(ctx, api.call, api.qualname, api.library, api.algorithm or "unknown")
    check_prohibited_algorithm(ctx, api)
    for role in KEY_ROLES + SECRET_ROLES:
        if role in api.spec.args:
            status, expr = get_arg(api.call, api.spec.args[role])
            if status == "given" and expr is not None:
                check_literal_key(ctx, api, role, expr)
                if role == "key":
                    check_password_hash_key(ctx, api, expr)
                kind = "key" if role == "key" else "secret"
                sink = Sink(expr, api.scope, kind, role, api.call, api_argument=True)  # type: ignore[arg-type]
                ctx.sinks.append((sink, f"reaches the {role} argument of `{short(api.qualname)}`"))
    if "keyring" in api.spec.args:
        status, expr = get_arg(api.call, api.spec.args["keyring"])
        if status == "given" and expr is not None:
            check_literal_keyring(ctx, api, expr)
    site = key_site(ctx, api)
    if site is not None:
        site.rule_ids = sorted({f.rule_id for f in ctx.findings[findings_before:]})
        if site.rule_ids:
            site.verdict = "violation"
        ctx.sites[id(api.call)] = site


def key_site(ctx: CheckContext, api: ApiCall) -> RawSite | None:
    """Run the generation or derivation checks and return the inventory site they describe."""
    spec = api.spec
    if spec.role in ("keygen", "symmetric-keygen"):
        return check_generation(ctx, api)
    if spec.role == "kdf":
        site = RawSite(api.call, api.qualname, api.library, spec.algorithm, spec.primitive)
        site.verdict = "compliant" if check_kdf(ctx, api) else "unverified"
        return site
    if spec.role == "kms":
        return RawSite(
            api.call, api.qualname, api.library, spec.algorithm, spec.primitive, verdict="compliant"
        )
    return None


def check_generation(ctx: CheckContext, api: ApiCall) -> RawSite:
    """Size, exponent and curve of a key generation call (KG201-KG204, KG206)."""
    site = RawSite(
        api.call, api.qualname, api.library, api.algorithm or "unknown", api.spec.primitive
    )
    if api.algorithm is None:
        return site
    sizes = key_sizes(ctx, api)
    site.size = min((bits for bits, _ in sizes), default=None)
    resolved = check_key_size(ctx, api, sizes)
    check_rsa_exponent(ctx, api)
    if has_curve(api):
        curves = resolve_curves(ctx, api, site.size)
        site.curve = curves[0][0] if curves else None
        resolved = bool(curves) and resolved
        for curve, const in curves:
            check_curve(ctx, api, curve, const)
    site.verdict = "compliant" if resolved else "unverified"
    return site


def own_definition(func: cst.BaseExpression, scope: Scope) -> cst.FunctionDef | cst.ClassDef | None:
    """The ``def`` or ``class`` of this module that ``func`` calls by name."""
    if not isinstance(func, cst.Name):
        return None
    bindings = scope.live(func.value)
    if len(bindings) == 1 and isinstance(bindings[0].node, (cst.FunctionDef, cst.ClassDef)):
        return bindings[0].node
    return None


def check_own_wrappers(
    ctx: CheckContext,
    own_calls: list[tuple[cst.Call, cst.FunctionDef | cst.ClassDef]],
    spellings: dict[str, str],
) -> None:
    """Calls of this module's own functions and classes named after a prohibited algorithm;
    a wrapper whose body already uses a prohibited API is reported there, not at each call."""
    pending = list(own_calls)
    enclosing = ctx.collected.enclosing
    for _round in range(4):
        reported = {id(f.node) for f in ctx.findings if f.rule_id == PROHIBITED_ALGORITHM}
        inside_reported = {d for call in reported for d in enclosing.get(call, ())}
        inside_waiting = Counter(d for call, _ in pending for d in enclosing.get(id(call), ()))
        deferred: list[tuple[cst.Call, cst.FunctionDef | cst.ClassDef]] = []
        for call, definition in pending:
            if id(definition) in inside_reported:
                continue
            own = 1 if id(definition) in enclosing.get(id(call), ()) else 0
            if _round < 3 and inside_waiting[id(definition)] > own:
                deferred.append((call, definition))  # decide after the calls inside it
                continue
            check_named_after_prohibited(ctx, call, definition.name.value, spellings)
        pending = deferred
