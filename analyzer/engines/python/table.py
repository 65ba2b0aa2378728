"""Load ``rules/knowledge/python_apis.toml``: the crypto APIs the Python engine knows, as lookup tables."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache

from analyzer.knowledge.files import knowledge_dir


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


@dataclass(frozen=True)
class Table:
    """Everything the engine knows about Python crypto APIs."""

    apis: dict[str, ApiSpec]
    namespaces: tuple[tuple[str, str, str | None], ...]
    pycrypto_only: tuple[str, ...]
    pycrypto_library: str
    shared_library: str
    prohibited_algorithms: frozenset[str]
    weak_prefixes: tuple[str, ...]
    strong_prefixes: tuple[str, ...]
    no_value: frozenset[str]
    seed_functions: dict[str, ArgSpec]
    seeded_constructors: dict[str, ArgSpec]
    predictable_seeds: frozenset[str]
    flow_functions: frozenset[str]
    flow_methods: frozenset[str]
    decoders: frozenset[str]
    key_words: frozenset[str]
    secret_words: frozenset[str]
    exclude_words: frozenset[str]
    exclude_names: frozenset[str]
    exclude_contexts: frozenset[str]
    curve_aliases: dict[str, str]
    curve_bits: dict[str, int]
    import_roots: tuple[str, ...] = ()

    def lookup(self, qualname: str) -> tuple[ApiSpec, str] | None:
        """The API spec for a qualified name and the library that provides it."""
        library: str | None = None
        for prefix, target, lib in self.namespaces:
            if qualname.startswith(prefix):
                qualname = target + qualname[len(prefix) :]
                library = lib
                break
        spec = self.apis.get(qualname)
        if spec is None:
            return None
        return spec, library or spec.library

    def canonical_curve(self, name: str) -> str | None:
        """The canonical curve name for any alias (``P-256``, ``NIST256p`` -> ``secp256r1``)."""
        return self.curve_aliases.get(normalise_curve(name))


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


def normalise_curve(name: str) -> str:
    return re.sub(r"[-_\s]", "", name).lower()


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
            )
    return apis


@cache
def load_table() -> Table:
    """Parse the shipped table once per process."""
    with (knowledge_dir() / "python_apis.toml").open("rb") as fh:
        data = tomllib.load(fh)
    aliases: dict[str, str] = {}
    bits: dict[str, int] = {}
    for canonical, info in data["curves"].items():
        bits[canonical] = int(info["bits"])
        for alias in [canonical, *info.get("aliases", [])]:
            aliases[normalise_curve(alias)] = canonical
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
        prohibited_algorithms=frozenset(data["prohibited_algorithms"]),
        weak_prefixes=tuple(rng["weak_prefixes"]),
        strong_prefixes=tuple(rng["strong_prefixes"]),
        no_value=frozenset(rng["no_value"]),
        seed_functions={k: parse_arg(v) for k, v in rng["seed_functions"].items()},
        seeded_constructors={k: parse_arg(v) for k, v in rng["seeded_constructors"].items()},
        predictable_seeds=frozenset(rng["predictable_seeds"]),
        flow_functions=frozenset(flow["functions"]),
        flow_methods=frozenset(flow["methods"]),
        decoders=frozenset(flow["decoders"]),
        key_words=frozenset(names["key_words"]),
        secret_words=frozenset(names["words"]),
        exclude_words=frozenset(names["exclude_words"]),
        exclude_names=frozenset(names["exclude_names"]),
        exclude_contexts=frozenset(names["exclude_contexts"]),
        curve_aliases=aliases,
        curve_bits=bits,
        import_roots=import_roots(apis, namespaces, frozenset(data["shared_package_roots"])),
    )
