"""The rules, evaluated over what the walk recorded: API calls, secret sinks, seeds."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from analyzer.engines.python.consts import Const, Evaluator
from analyzer.engines.python.names import is_nonce_like
from analyzer.engines.python.scopes import Scope
from analyzer.engines.python.table import ApiSpec, ArgSpec, Table
from analyzer.engines.python.taint import Flow, Source
from analyzer.engines.python.visitor import Collected, Sink
from analyzer.findings.model import Location
from analyzer.policy.thresholds import Thresholds

Anchor = cst.CSTNode | Location
PARAMIKO_CURVES = {256: "secp256r1", 384: "secp384r1", 521: "secp521r1"}
KEY_ROLES = ("key",)
SECRET_ROLES = ("password", "iv", "nonce", "salt")


@dataclass
class RawFinding:
    rule_id: str
    node: cst.CSTNode
    message: str
    facts: dict[str, str | int]
    related: list[tuple[Anchor, str]] = field(default_factory=list)


@dataclass
class RawSite:
    node: cst.CSTNode
    api: str
    library: str
    algorithm: str
    primitive: str
    size: int | None = None
    curve: str | None = None
    verdict: str = "unverified"
    rule_ids: list[str] = field(default_factory=list)


def get_arg(call: cst.Call, spec: ArgSpec) -> tuple[str, cst.BaseExpression | None]:
    """("given", expr) | ("omitted", None) | ("unknown", None) when ``*args``/``**kw`` hide it."""
    positional: list[cst.BaseExpression] = []
    starred = False
    for arg in call.args:
        if arg.star:
            starred = True
        elif arg.keyword is not None:
            if arg.keyword.value == spec.keyword:
                return "given", arg.value
        elif not starred:
            positional.append(arg.value)
    if spec.position is not None and spec.position < len(positional):
        return "given", positional[spec.position]
    return ("unknown", None) if starred else ("omitted", None)


def redact(value: str | bytes) -> str:
    """``"s3****"`` plus the length: enough to find the literal, never the literal itself."""
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    return f'"{text[:2]}****" ({len(text)} chars)'


def short(qualname: str) -> str:
    parts = [p for p in qualname.replace("()", "").split(".") if p]
    return ".".join(parts[-2:])


class Rules:
    """Runs every rule over one module's recorded calls and sinks."""

    def __init__(
        self, collected: Collected, table: Table, thresholds: Thresholds, ev: Evaluator
    ) -> None:
        self.c = collected
        self.table = table
        self.th = thresholds
        self.ev = ev
        self.flow = Flow(ev, table)
        self.findings: list[RawFinding] = []
        self.sites: dict[int, RawSite] = {}
        self.sinks: list[tuple[Sink, str]] = []
        self.seeds: dict[str, list[tuple[cst.Call, Scope]]] = {}
        self.pycrypto = any(q.startswith(p) for q in collected.imports for p in table.pycrypto_only)

    def run(self) -> tuple[list[RawFinding], list[RawSite]]:
        for call, scope in self.c.calls:
            qual = self.ev.qualname(call.func, scope)
            if qual is None:
                continue
            if qual in self.table.seed_functions:
                generator = qual.rsplit(".", 1)[0] + "."
                self.seeds.setdefault(generator, []).append((call, scope))
            found = self.table.lookup(qual)
            if found is not None:
                self.api_call(call, scope, qual, *found)
            elif self.pycrypto and any(qual.startswith(p) for p in self.table.pycrypto_only):
                self.prohibited(call, qual, self.table.pycrypto_library, "random")
        for sink in self.c.sinks:
            label = (
                f"`{sink.label}`"
                if not sink.label.endswith("()")
                else f"the return value of `{sink.label}`"
            )
            self.sinks.append((sink, f"reaches {label}"))
        self.flows()
        return self.findings, list(self.sites.values())

    # -- helpers ------------------------------------------------------------------------------
    def add(
        self,
        rule: str,
        node: cst.CSTNode,
        message: str,
        facts: dict[str, str | int],
        related: list[tuple[Anchor, str]] | None = None,
    ) -> None:
        self.findings.append(RawFinding(rule, node, message, dict(facts), related or []))

    def value(
        self, call: cst.Call, spec: ApiSpec, role: str, scope: Scope
    ) -> tuple[str, Const | None, cst.BaseExpression | None]:
        arg = spec.args.get(role)
        if arg is None:
            default = spec.defaults.get(role)
            return (
                ("default", Const(default), None)
                if default is not None
                else ("omitted", None, None)
            )
        status, expr = get_arg(call, arg)
        if status == "given" and expr is not None:
            return "given", self.ev.const(expr, scope), expr
        if status == "omitted" and role in spec.defaults:
            return "default", Const(spec.defaults[role]), None  # type: ignore[arg-type]
        return status, None, None

    @staticmethod
    def related(const: Const | None, what: str) -> list[tuple[Anchor, str]]:
        out: list[tuple[Anchor, str]] = []
        for origin in const.origins if const else ():
            anchor = origin.node if origin.node is not None else origin.location
            if anchor is not None:
                out.append((anchor, f"{what}: {origin.text}"))
        return out

    def prohibited(self, call: cst.Call, qual: str, library: str, algorithm: str) -> None:
        reason = self.th.prohibited_libraries.get(library)
        if reason is not None:
            self.add(
                "KG401",
                call,
                f"`{short(qual)}` uses the prohibited library {library} ({reason})",
                {"api": qual, "library": library, "algorithm": algorithm},
            )

    # -- API calls ----------------------------------------------------------------------------
    def api_call(
        self, call: cst.Call, scope: Scope, qual: str, spec: ApiSpec, library: str
    ) -> None:
        if self.pycrypto and library == self.table.shared_library and qual.startswith("Crypto."):
            library = self.table.pycrypto_library
        algorithm: str | None = spec.algorithm
        if "algorithm" in spec.args:
            _, expr = get_arg(call, spec.args["algorithm"])
            name = self.ev.qualname(expr, scope) if expr is not None else None
            algorithm = spec.algorithm_map.get((name or "").rsplit(".", 1)[-1])
        facts: dict[str, str | int] = {
            "api": qual,
            "library": library,
            "algorithm": algorithm or "unknown",
        }
        rules_before = len(self.findings)
        self.prohibited(call, qual, library, algorithm or "unknown")
        if algorithm in self.table.prohibited_algorithms:
            self.add(
                "KG403", call, f"`{short(qual)}` uses the prohibited algorithm {algorithm}", facts
            )
        for role in KEY_ROLES + SECRET_ROLES:
            if role in spec.args:
                status, expr = get_arg(call, spec.args[role])
                if status == "given" and expr is not None:
                    self.api_sink(call, scope, qual, role, expr, facts)
        site: RawSite | None = None
        if spec.role in ("keygen", "symmetric-keygen"):
            site = self.keygen(call, scope, qual, spec, library, algorithm, facts)
        elif spec.role == "kdf":
            site = self.kdf(call, scope, qual, spec, library, facts)
        elif spec.role == "kms":
            site = RawSite(call, qual, library, spec.algorithm, spec.primitive, verdict="compliant")
        if site is not None:
            new = self.findings[rules_before:]
            site.rule_ids = sorted({f.rule_id for f in new})
            if site.rule_ids:
                site.verdict = "violation"
            self.sites[id(call)] = site

    def api_sink(
        self,
        call: cst.Call,
        scope: Scope,
        qual: str,
        role: str,
        expr: cst.BaseExpression,
        facts: dict[str, str | int],
    ) -> None:
        if role in ("key", "password"):
            literal = self.ev.literal(expr, scope)
            if literal is not None:
                shown = redact(literal.value)  # type: ignore[arg-type]
                self.add(
                    "KG301",
                    call,
                    f"literal {role} {shown} passed to `{short(qual)}`; load it from a secret manager",
                    {**facts, "argument": role, "literal": shown},
                    self.related(literal, "literal"),
                )
        kind = "key" if role == "key" else "secret"
        sink = Sink(expr, scope, kind, role, call)  # type: ignore[arg-type]
        self.sinks.append((sink, f"reaches the {role} argument of `{short(qual)}`"))

    def keygen(
        self,
        call: cst.Call,
        scope: Scope,
        qual: str,
        spec: ApiSpec,
        library: str,
        algorithm: str | None,
        facts: dict[str, str | int],
    ) -> RawSite:
        site = RawSite(call, qual, library, algorithm or "unknown", spec.primitive)
        if algorithm is None:
            return site
        th = self.th
        _size_status, size, _ = self.value(call, spec, "size", scope)
        if "size" in spec.fixed:
            size = Const(int(spec.fixed["size"]))  # type: ignore[call-overload]
        bits = size.value if size is not None and isinstance(size.value, int) else None
        if bits is not None and spec.size_unit == "bytes":
            bits *= 8
        site.size = bits
        resolved = True
        if algorithm in ("RSA", "DSA", "DH") or spec.role == "symmetric-keygen":
            minimum = {"RSA": th.rsa_min_bits, "DSA": th.dsa_min_bits, "DH": th.dh_min_bits}.get(
                algorithm, th.symmetric_min_bits
            )
            rule = {"RSA": "KG201", "DSA": "KG202", "DH": "KG202"}.get(algorithm, "KG204")
            if bits is None:
                resolved = False
            elif bits < minimum:
                self.add(
                    rule,
                    call,
                    f"{algorithm} key of {bits} bits generated by `{short(qual)}`; the standard requires at least {minimum}",
                    {**facts, "size": bits, "minimum": minimum},
                    self.related(size, "key size"),
                )
        if algorithm == "RSA":
            _, exponent, _ = self.value(call, spec, "exponent", scope)
            if (
                exponent is not None
                and isinstance(exponent.value, int)
                and exponent.value not in th.rsa_exponents
            ):
                allowed = ", ".join(map(str, th.rsa_exponents))
                self.add(
                    "KG206",
                    call,
                    f"RSA public exponent {exponent.value} is not allowed (allowed: {allowed})",
                    {**facts, "exponent": exponent.value},
                    self.related(exponent, "exponent"),
                )
        if spec.primitive in ("signature", "key-agree") and algorithm not in ("DSA", "DH"):
            curve = self.curve(call, scope, spec, bits)
            site.curve = curve
            if curve is None:
                resolved = False
            elif curve not in th.ec_curves:
                self.add(
                    "KG203",
                    call,
                    f"curve {curve} generated by `{short(qual)}` is not on the standard's approved list",
                    {**facts, "curve": curve},
                )
        site.verdict = "compliant" if resolved else "unverified"
        return site

    def curve(self, call: cst.Call, scope: Scope, spec: ApiSpec, bits: int | None) -> str | None:
        if "curve" in spec.fixed:
            return str(spec.fixed["curve"])
        status, expr = (
            get_arg(call, spec.args["curve"]) if "curve" in spec.args else ("omitted", None)
        )
        if expr is not None:
            const = self.ev.const(expr, scope)
            name = const.value if const is not None and isinstance(const.value, str) else None
            if name is None:
                target = expr.func if isinstance(expr, cst.Call) else expr
                qual = self.ev.qualname(target, scope)
                name = qual.rsplit(".", 1)[-1] if qual else None
            return self.table.canonical_curve(name) if name else None
        if status == "omitted" and spec.size_is_curve and bits is not None:
            return PARAMIKO_CURVES.get(bits)
        if status == "omitted" and "curve" in spec.defaults:
            return str(spec.defaults["curve"])
        return None

    def kdf(
        self,
        call: cst.Call,
        scope: Scope,
        qual: str,
        spec: ApiSpec,
        library: str,
        facts: dict[str, str | int],
    ) -> RawSite:
        site = RawSite(call, qual, library, spec.algorithm, spec.primitive)
        resolved = True
        if "iterations" in spec.args:
            _, hash_const, hash_expr = self.value(call, spec, "hash", scope)
            hash_name = (
                hash_const.value if hash_const and isinstance(hash_const.value, str) else None
            )
            if hash_name is None and hash_expr is not None:
                target = hash_expr.func if isinstance(hash_expr, cst.Call) else hash_expr
                q = self.ev.qualname(target, scope)
                hash_name = q.rsplit(".", 1)[-1].lower() if q else None
            minimum = self.th.pbkdf2_min_for(hash_name)
            _, count, _ = self.value(call, spec, "iterations", scope)
            if count is None or not isinstance(count.value, int):
                resolved = False
            elif count.value < minimum:
                self.add(
                    "KG205",
                    call,
                    f"PBKDF2 with {count.value} iterations ({hash_name or 'default hash'}); the standard requires at least {minimum}",
                    {
                        **facts,
                        "iterations": count.value,
                        "minimum": minimum,
                        "hash": hash_name or "unknown",
                    },
                    self.related(count, "iterations"),
                )
        if "cost" in spec.args:
            _, cost, _ = self.value(call, spec, "cost", scope)
            if cost is None or not isinstance(cost.value, int):
                resolved = False
            elif cost.value < self.th.scrypt_min_n:
                self.add(
                    "KG205",
                    call,
                    f"scrypt cost n={cost.value}; the standard requires at least {self.th.scrypt_min_n}",
                    {**facts, "cost": cost.value, "minimum": self.th.scrypt_min_n},
                    self.related(cost, "cost"),
                )
        if "salt" in spec.args:
            self.salt(call, scope, qual, spec, facts)
        site.verdict = "compliant" if resolved else "unverified"
        return site

    def salt(
        self, call: cst.Call, scope: Scope, qual: str, spec: ApiSpec, facts: dict[str, str | int]
    ) -> None:
        status, expr = get_arg(call, spec.args["salt"])
        if status != "given" or expr is None:
            return
        minimum = self.th.salt_min_bytes
        literal = self.ev.literal(expr, scope)
        length: int | None = len(literal.value) if literal is not None else None  # type: ignore[arg-type]
        related = self.related(literal, "salt")
        if length is None:
            for source in self.flow.sources(expr, scope):
                n = self.source_bits(source)
                if source.strength == "strong" and n is not None:
                    length = n // 8
                    related = [(source.call, f"salt of {length} bytes drawn here")]
        if length is not None and length < minimum:
            self.add(
                "KG205",
                call,
                f"salt of {length} bytes passed to `{short(qual)}`; the standard requires at least {minimum}",
                {**facts, "salt_bytes": length, "minimum": minimum},
                related,
            )

    # -- random values reaching secrets ---------------------------------------------------------
    def source_bits(self, source: Source) -> int | None:
        spec = source.spec
        if spec is None:
            return None
        _status, const, _ = self.value(source.call, spec, "size", source.scope)
        if const is None or not isinstance(const.value, int):
            return None
        return const.value * 8 if spec.size_unit == "bytes" else const.value

    def flows(self) -> None:
        weak: dict[int, tuple[Source, list[tuple[Anchor, str]]]] = {}
        for sink, text in self.sinks:
            for source in self.flow.sources(sink.value, sink.scope):
                if source.strength == "weak":
                    weak.setdefault(id(source.call), (source, []))[1].append((sink.node, text))
                elif sink.kind == "key" and not is_nonce_like(sink.label):
                    self.strong_key(source, sink, text)
        seeded: dict[int, tuple[cst.Call, str, list[tuple[Anchor, str]]]] = {}
        for source, related in weak.values():
            facts: dict[str, str | int] = {
                "api": source.qualname,
                "library": "stdlib" if source.qualname.startswith("random.") else "numpy",
            }
            self.add(
                "KG101",
                source.call,
                f"`{short(source.qualname)}` is not a cryptographic RNG but its value {related[0][1]}; use `secrets` or `os.urandom`",
                facts,
                related,
            )
            for seed_call, qual in self.predictable_seeds(source):
                entry = seeded.setdefault(id(seed_call), (seed_call, qual, []))
                entry[2].append(
                    (
                        source.call,
                        f"seeded generator produces key material via `{short(source.qualname)}`",
                    )
                )
        for seed_call, qual, related in seeded.values():
            self.add(
                "KG102",
                seed_call,
                f"`{short(qual)}` seeds a generator with a predictable value and its output reaches key material",
                {"api": qual},
                related,
            )

    def strong_key(self, source: Source, sink: Sink, text: str) -> None:
        bits = self.source_bits(source)
        library = source.spec.library if source.spec else "stdlib"
        site = self.sites.get(id(source.call))
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
            self.sites[id(source.call)] = site
        minimum = self.th.symmetric_min_bits
        if bits is not None and bits < minimum and "KG204" not in site.rule_ids:
            self.add(
                "KG204",
                source.call,
                f"{bits}-bit key material from `{short(source.qualname)}` {text}; the standard requires at least {minimum} bits",
                {"api": source.qualname, "library": library, "size": bits, "minimum": minimum},
                [(sink.node, text)],
            )
            site.verdict = "violation"
            site.rule_ids.append("KG204")

    def predictable_seeds(self, source: Source) -> list[tuple[cst.Call, str]]:
        out: list[tuple[cst.Call, str]] = []
        func = source.call.func
        if isinstance(func, cst.Attribute):
            made = self.ev.constructor(func.value, source.scope)
            if made is not None:
                ctor, scope = made
                qual = self.ev.qualname(ctor.func, scope)
                spec = self.table.seeded_constructors.get(qual or "")
                if spec is not None:
                    _status, expr = get_arg(ctor, spec)
                    if expr is not None and self.predictable(expr, scope):
                        out.append((ctor, qual or ""))
                    return out
        generator = source.qualname.rsplit(".", 1)[0] + "."
        for seed_call, scope in self.seeds.get(generator, []):
            spec = self.table.seed_functions[generator + "seed"]
            _status, expr = get_arg(seed_call, spec)
            if expr is not None and self.predictable(expr, scope):
                out.append((seed_call, generator + "seed"))
        return out

    def predictable(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> bool:
        if depth > 10:
            return False
        if self.ev.const(expr, scope) is not None:
            return True
        if isinstance(expr, cst.Call):
            qual = self.ev.qualname(expr.func, scope) or ""
            if qual in self.table.predictable_seeds:
                return True
            if qual in ("int", "round", "hash", "str", "float", "abs") and expr.args:
                return all(self.predictable(a.value, scope, depth + 1) for a in expr.args)
            return False
        if isinstance(expr, cst.BinaryOperation):
            return self.predictable(expr.left, scope, depth + 1) and self.predictable(
                expr.right, scope, depth + 1
            )
        if isinstance(expr, cst.Name):
            bindings = scope.lookup(expr.value)
            if (
                len(bindings) == 1
                and bindings[0].kind == "assign"
                and bindings[0].value is not None
            ):
                return self.predictable(bindings[0].value, bindings[0].scope or scope, depth + 1)
        return False
