"""Load ``rules/knowledge/python_apis.toml``: the crypto APIs the Python engine knows, as lookup tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from analyzer.knowledge import algorithms as knowledge
from analyzer.knowledge.files import knowledge_file

Strength = Literal["weak", "strong"]


@dataclass(frozen=True)
class ArgSpec:
    """Where an argument lives: its keyword name and position (None: keyword-only)."""

    keyword: str
    position: int | None


@dataclass(frozen=True)
class ApiSpec:
    """One crypto API: what it does and which argument holds which fact."""

    name: str
    library: str
    role: str
    algorithm: str
    primitive: str
    args: dict[str, ArgSpec] = field(default_factory=dict)
    defaults: dict[str, object] = field(default_factory=dict)
    fixed: dict[str, object] = field(default_factory=dict)
    size_unit: str = "bits"
    algorithm_map: dict[str, str] = field(default_factory=dict)
    size_is_curve: bool = False
    size_is_modulus: bool = False


@dataclass(frozen=True)
class Table:
    """Everything the engine knows about Python crypto APIs."""

    apis: dict[str, ApiSpec]
    namespaces: tuple[tuple[str, str, str | None], ...]
    pycrypto_only: tuple[str, ...]
    pycrypto_library: str
    shared_library: str
    prohibited_algorithms: frozenset[str]
    prohibited_spellings: dict[str, str]
    weak_prefixes: tuple[str, ...]
    strong_prefixes: tuple[str, ...]
    no_value: frozenset[str]
    seed_functions: dict[str, ArgSpec]
    seeded_constructors: dict[str, ArgSpec]
    predictable_seeds: frozenset[str]
    flow_functions: frozenset[str]
    flow_methods: frozenset[str]
    flow_wrappers: frozenset[str]
    lookup_methods: frozenset[str]
    decoders: frozenset[str]
    key_words: frozenset[str]
    secret_words: frozenset[str]
    exclude_words: frozenset[str]
    exclude_names: frozenset[str]
    exclude_contexts: frozenset[str]
    curve_aliases: dict[str, str]
    curve_bits: dict[str, int]
    import_roots: tuple[str, ...] = ()
    fast_hashes: frozenset[str] = frozenset()
    password_words: frozenset[str] = frozenset()
    # The last part of every API's name (``generate_private_key``): a cheap test that an
    # attribute call whose owner is a value may be one of them.
    api_names: frozenset[str] = frozenset()

    def canonical(self, qualname: str) -> tuple[str, str | None]:
        """The name under its canonical namespace (``Cryptodome.`` -> ``Crypto.``) and the
        library the namespace implies (None: the API entry's own)."""
        for prefix, target, lib in self.namespaces:
            if qualname.startswith(prefix):
                return target + qualname[len(prefix) :], lib
        return qualname, None

    def lookup(self, qualname: str) -> tuple[ApiSpec, str] | None:
        """The API spec for a qualified name and the library that provides it."""
        qualname, library = self.canonical(qualname)
        spec = self.apis.get(qualname)
        if spec is None:
            return None
        return spec, library or spec.library

    def referenced_algorithm(self, qualname: str) -> str | None:
        """The prohibited algorithm a class, constructor or cipher module named as a value stands
        for: ``algorithms.TripleDES`` or pycryptodome's ``Crypto.Cipher.DES3`` module."""
        name, _library = self.canonical(qualname)
        return self.prohibited_algorithm(name) or self.prohibited_algorithm(f"{name}.new")

    def canonical_curve(self, name: str) -> str | None:
        """The canonical curve name for any alias (``P-256``, ``NIST256p`` -> ``secp256r1``)."""
        return self.curve_aliases.get(knowledge.normalise_curve(name))

    def prohibited_algorithm(self, qualname: str) -> str | None:
        """The prohibited algorithm a callable or class creates (``algorithms.ARC4`` -> RC4)."""
        return self.prohibited_spellings.get(qualname)


def module_path(qualname: str) -> str:
    """The importable module of an API name: the parts before its first class, instance or ``()``.

    ``google.cloud.kms.KeyManagementServiceClient().create_crypto_key`` -> ``google.cloud.kms``.
    """
    parts: list[str] = []
    for part in qualname.split("."):
        if not part or part[0].isupper() or "(" in part:
            break
        parts.append(part)
    return ".".join(parts) or qualname.split(".")[0]


def import_roots(
    apis: dict[str, ApiSpec],
    namespaces: tuple[tuple[str, str, str | None], ...],
    shared: frozenset[str],
) -> tuple[str, ...]:
    """What a file imports when it uses a third-party crypto API of the table.

    The top-level package of every non-stdlib API and of every namespace alias; for a package
    root that several distributions share (``google``, ``azure``) the module path itself.
    """
    roots: set[str] = set()
    for name, spec in apis.items():
        if spec.library == "stdlib":
            continue
        top = name.split(".")[0]
        path = module_path(name)
        if path == name:  # a module-level function (dns.tsigkeyring.from_text): its module
            path = name.rsplit(".", 1)[0]
        roots.add(path if top in shared else top)
    roots.update(prefix.rstrip(".").split(".")[0] for prefix, _target, _lib in namespaces)
    return tuple(sorted(roots))


def parse_arg(spec: str) -> ArgSpec:
    keyword, _, position = spec.partition(":")
    return ArgSpec(keyword, None if position in ("", "-") else int(position))


def _apis(entries: list[dict]) -> dict[str, ApiSpec]:
    apis: dict[str, ApiSpec] = {}
    for entry in entries:
        names = entry.get("names") or [entry["name"]]
        for name in names:
            apis[name] = ApiSpec(
                name=name,
                library=entry["library"],
                role=entry["role"],
                algorithm=entry["algorithm"],
                primitive=entry["primitive"],
                args={k: parse_arg(v) for k, v in entry.get("args", {}).items()},
                defaults=dict(entry.get("defaults", {})),
                fixed=dict(entry.get("fixed", {})),
                size_unit=entry.get("size_unit", "bits"),
                algorithm_map=dict(entry.get("algorithm_map", {})),
                size_is_curve=bool(entry.get("size_is_curve", False)),
                size_is_modulus=bool(entry.get("size_is_modulus", False)),
            )
    return apis


@cache
def load_table() -> Table:
    """Parse the shipped table once per process; algorithm and curve facts come from algorithms.toml."""
    data = knowledge_file("python_apis.toml")
    rng, flow, names = data["rng"], data["flow"], data["names"]
    apis = _apis(data["api"])
    namespaces = tuple(
        (n["prefix"], n["target"], n.get("library")) for n in data.get("namespace", [])
    )
    return Table(
        apis=apis,
        namespaces=namespaces,
        pycrypto_only=tuple(data["pycrypto"]["only_in_pycrypto"]),
        pycrypto_library=data["pycrypto"]["library"],
        shared_library=data["pycrypto"]["shared_library"],
        prohibited_algorithms=frozenset(knowledge.prohibited_names()),
        prohibited_spellings=dict(knowledge.prohibited("python")),
        weak_prefixes=tuple(rng["weak_prefixes"]),
        strong_prefixes=tuple(rng["strong_prefixes"]),
        no_value=frozenset(rng["no_value"]),
        seed_functions={k: parse_arg(v) for k, v in rng["seed_functions"].items()},
        seeded_constructors={k: parse_arg(v) for k, v in rng["seeded_constructors"].items()},
        predictable_seeds=frozenset(rng["predictable_seeds"]),
        flow_functions=frozenset(flow["functions"]),
        flow_methods=frozenset(flow["methods"]),
        flow_wrappers=frozenset(flow.get("wrappers", [])),
        lookup_methods=frozenset(flow.get("lookup_methods", [])),
        decoders=frozenset(flow["decoders"]),
        key_words=frozenset(names["key_words"]),
        secret_words=frozenset(names["words"]),
        exclude_words=frozenset(names["exclude_words"]),
        exclude_names=frozenset(names["exclude_names"]),
        exclude_contexts=frozenset(names["exclude_contexts"]),
        curve_aliases=dict(knowledge.curve_aliases()),
        curve_bits={curve.name: curve.bits for curve in knowledge.curves()},
        import_roots=import_roots(apis, namespaces, frozenset(data["shared_package_roots"])),
        api_names=frozenset(name.rsplit(".", 1)[-1] for name in apis),
        fast_hashes=frozenset(flow["fast_hashes"]),
        password_words=frozenset(names["password_words"]),
    )


def rng_strength(qualname: str, table: Table) -> Strength | None:
    """``weak`` for random/numpy.random value calls, ``strong`` for CSPRNG calls, else None."""
    found = table.lookup(qualname)
    if found is not None and found[0].role == "rng-strong":
        return "strong"
    if any(qualname.startswith(p) for p in table.strong_prefixes):
        return None
    if not any(qualname.startswith(p) for p in table.weak_prefixes) or qualname.endswith("()"):
        return None
    if "()" in qualname:
        generator, _, method = qualname.partition("().")
        if generator not in table.seeded_constructors or "()" in method or "." in method:
            return None
    last = qualname.rsplit(".", 1)[-1]
    return None if last in table.no_value else "weak"
