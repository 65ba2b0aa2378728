"""Random values reaching key material: weak RNGs (KG101), predictable seeds (KG102), and
CSPRNG output too short for a key (KG204)."""

from __future__ import annotations

import libcst as cst

from analyzer.catalogue.ids import (
    SEEDED_RNG,
    SYMMETRIC_KEY_TOO_SHORT,
    WEAK_KEY_DERIVATION,
    WEAK_RNG_KEY_MATERIAL,
)
from analyzer.engines.python.checks.arguments import get_arg, int_value, role_value
from analyzer.engines.python.checks.context import Anchor, CheckContext, RawSite, short
from analyzer.engines.python.evaluate.consts import MAX_DEPTH
from analyzer.engines.python.evaluate.taint import Source
from analyzer.engines.python.table import ArgSpec
from analyzer.engines.python.walk.names import is_nonce_like, split_words
from analyzer.engines.python.walk.scopes import Scope
from analyzer.engines.python.walk.visitor import Sink

# Calls whose value is predictable when every argument is.
PREDICTABLE_WRAPPERS = ("int", "round", "hash", "str", "float", "abs")
SEED_DEPTH = 10


def source_bits(ctx: CheckContext, source: Source) -> int | None:
    """How many bits an RNG call draws, when its size argument resolves; none for a draw per
    element of a comprehension (``bytes(rng.getrandbits(8) for _ in range(16))``): it is one
    part of the value, whose length is not known."""
    spec = source.spec
    if spec is None or source.repeated:
        return None
    _status, size, _expr = role_value(ctx.evaluator, source.call, spec, "size", source.scope)
    value = int_value(size)
    if value is None:
        return None
    return value * 8 if spec.size_unit == "bytes" else value


def check_random_sources(ctx: CheckContext) -> None:
    """Follow every sink back to its RNG calls: weak ones are KG101 (and KG102 for their seeds),
    strong ones that are too short for a key are KG204."""
    weak: dict[int, tuple[Source, list[tuple[Anchor, str]]]] = {}
    for sink, text in ctx.sinks:
        for source in ctx.flow.sources(sink.value, sink.scope):
            if source.strength == "weak":
                related = weak.setdefault(id(source.call), (source, []))[1]
                for hop in (*source.hops, (sink.node, text)):
                    if hop not in related:
                        related.append(hop)
            elif sink.kind == "key" and not is_nonce_like(sink.label):
                check_strong_key_length(ctx, source, sink, text)
            elif is_salt_of_own_code(ctx, sink):
                check_strong_salt_length(ctx, source, sink, text)
    seeded: dict[int, tuple[cst.Call, str, list[tuple[Anchor, str]]]] = {}
    for source, related in weak.values():
        report_weak_source(ctx, source, related)
        for seed_call, qual in predictable_seeds(ctx, source):
            entry = seeded.setdefault(id(seed_call), (seed_call, qual, []))
            entry[2].append(
                (
                    source.call,
                    f"seeded generator produces key material via `{short(source.qualname)}`",
                )
            )
    for seed_call, qual, related in seeded.values():
        ctx.report(
            SEEDED_RNG,
            seed_call,
            f"`{short(qual)}` seeds a generator with a predictable value and its output reaches key material",
            {"api": qual},
            related,
        )


def report_weak_source(
    ctx: CheckContext, source: Source, related: list[tuple[Anchor, str]]
) -> None:
    """KG101 at the weak RNG call, with every sink it reaches as a related location."""
    library = {"random": "stdlib", "numpy": "numpy"}.get(source.qualname.split(".")[0], "")
    library = library or source.qualname.split(".")[0]
    ctx.report(
        WEAK_RNG_KEY_MATERIAL,
        source.call,
        f"`{short(source.qualname)}` is not a cryptographic RNG but its value {related[len(source.hops)][1]}; use `secrets` or `os.urandom`",
        {"api": source.qualname, "library": library},
        related,
    )


def check_strong_key_length(ctx: CheckContext, source: Source, sink: Sink, text: str) -> None:
    """Record the CSPRNG call as a key site; KG204 when it draws fewer bits than a key needs."""
    bits = source_bits(ctx, source)
    library = source.spec.library if source.spec else "stdlib"
    site = ctx.sites.get(id(source.call))
    if site is None:
        site = RawSite(
            source.call,
            source.qualname,
            library,
            "symmetric-key",
            "block-cipher",
            size=bits,
            verdict="compliant" if bits is not None else "unverified",
        )
        ctx.sites[id(source.call)] = site
    minimum = ctx.thresholds.symmetric_min_bits
    if bits is not None and bits < minimum and SYMMETRIC_KEY_TOO_SHORT not in site.rule_ids:
        ctx.report(
            SYMMETRIC_KEY_TOO_SHORT,
            source.call,
            f"{bits}-bit key material from `{short(source.qualname)}` {text}; the standard requires at least {minimum} bits",
            {"api": source.qualname, "library": library, "size": bits, "minimum": minimum},
            [*source.hops, (sink.node, text)],
        )
        site.verdict = "violation"
        site.rule_ids.append(SYMMETRIC_KEY_TOO_SHORT)


def is_salt_of_own_code(ctx: CheckContext, sink: Sink) -> bool:
    """A salt-named value that no known KDF call receives (those check their own salt)."""
    if sink.api_argument or (sink.call is not None and id(sink.call) in ctx.api_calls):
        return False
    return "salt" in split_words(sink.label)


def check_strong_salt_length(ctx: CheckContext, source: Source, sink: Sink, text: str) -> None:
    """KG205 at a CSPRNG call whose bytes become a salt shorter than the standard's minimum
    (a salt fed to the project's own derivation rather than to a known KDF)."""
    bits = source_bits(ctx, source)
    minimum = ctx.thresholds.salt_min_bytes
    if bits is None or bits // 8 >= minimum:
        return
    library = source.spec.library if source.spec else "stdlib"
    ctx.report(
        WEAK_KEY_DERIVATION,
        source.call,
        f"salt of {bits // 8} bytes from `{short(source.qualname)}` {text}; the standard requires at least {minimum}",
        {"api": source.qualname, "library": library, "salt_bytes": bits // 8, "minimum": minimum},
        [*source.hops, (sink.node, text)],
    )


def predictable_seeds(ctx: CheckContext, source: Source) -> list[tuple[cst.Call, str]]:
    """The seeding calls (constructor or module ``seed``) that make a weak source predictable."""
    func = source.call.func
    if isinstance(func, cst.Attribute):
        made = ctx.evaluator.constructor(func.value, source.scope)
        if made is not None:
            ctor, scope = made
            qual = ctx.evaluator.qualname(ctor.func, scope)
            spec = ctx.table.seeded_constructors.get(qual or "")
            if spec is not None:
                _status, expr = get_arg(ctor, spec)
                if expr is not None:
                    return [(ctor, qual or "")] if is_predictable(ctx, expr, scope) else []
                return _instance_seeds(ctx, func.value, source.scope, f"{qual}().seed", spec)
    out: list[tuple[cst.Call, str]] = []
    generator = source.qualname.rsplit(".", 1)[0] + "."
    for seed_call, scope in ctx.seeds.get(generator, []):
        spec = ctx.table.seed_functions[generator + "seed"]
        _status, expr = get_arg(seed_call, spec)
        if expr is not None and is_predictable(ctx, expr, scope):
            out.append((seed_call, generator + "seed"))
    return out


def _instance_seeds(
    ctx: CheckContext, instance: cst.BaseExpression, scope: Scope, qual: str, spec: ArgSpec
) -> list[tuple[cst.Call, str]]:
    """``rng = random.Random()`` then ``rng.seed(99)``: the seed calls on the same variable."""
    if not isinstance(instance, cst.Name):
        return []
    bound = scope.live(instance.value)
    out: list[tuple[cst.Call, str]] = []
    for call, where in ctx.collected.calls:
        func = call.func
        if not (
            isinstance(func, cst.Attribute)
            and func.attr.value == "seed"
            and isinstance(func.value, cst.Name)
            and func.value.value == instance.value
            and where.live(instance.value) == bound
        ):
            continue
        _status, expr = get_arg(call, spec)
        if expr is not None and is_predictable(ctx, expr, where):
            out.append((call, qual))
    return out


def is_predictable(
    ctx: CheckContext, expr: cst.BaseExpression, scope: Scope, depth: int = 0
) -> bool:
    """A constant, a clock/pid reading, or arithmetic and conversions of those."""
    if depth > SEED_DEPTH or depth > MAX_DEPTH:
        return False
    if ctx.evaluator.const(expr, scope) is not None:
        return True
    if isinstance(expr, cst.Call):
        qual = ctx.evaluator.qualname(expr.func, scope) or ""
        if qual in ctx.table.predictable_seeds:
            return True
        if qual in PREDICTABLE_WRAPPERS and expr.args:
            return all(is_predictable(ctx, a.value, scope, depth + 1) for a in expr.args)
        return False
    if isinstance(expr, cst.BinaryOperation):
        return is_predictable(ctx, expr.left, scope, depth + 1) and is_predictable(
            ctx, expr.right, scope, depth + 1
        )
    if isinstance(expr, cst.Name):
        bindings = scope.lookup(expr.value)
        if len(bindings) == 1 and bindings[0].kind == "assign" and bindings[0].value is not None:
            binding = bindings[0]
            return is_predictable(ctx, binding.value, binding.scope or scope, depth + 1)  # type: ignore[arg-type]
    return False
