"""What a module's functions do with their parameters and return values, for callers in other
modules: which parameter reaches which argument of a key-generation or derivation API, and
which function returns a non-cryptographic random value.

Computed from the module's ``ast`` (the same parse the resolver makes for constants), so a
caller's analysis can apply it without walking that module with LibCST again.
"""

from __future__ import annotations

import ast
import operator
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from analyzer.engines.python.table import Table, rng_strength

Literal = int | str | bytes
_ARITHMETIC = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.LShift: operator.lshift,
    ast.Pow: operator.pow,
}

# Argument roles whose value a caller chooses and the checks judge.
CHECKED_ROLES = ("size", "curve", "exponent", "iterations")
# ... and those whose literal is the finding (a hard-coded key, a static salt or IV).
LITERAL_ROLES = ("key", "password", "salt", "iv")


@dataclass(frozen=True)
class ParamSink:
    """Parameter ``param`` of the function reaches the ``role`` argument of ``api``."""

    param: str
    role: str
    api: str
    library: str
    algorithm: str
    size_unit: str
    line: int
    column: int
    # The file of the API call when it is in a function this one calls (else the summary's).
    path: str | None = None


@dataclass(frozen=True)
class FunctionSummary:
    """A module-level function's parameters, the API arguments they reach, its weak return.

    ``kind`` says what a caller calls: a ``function``, a ``method`` (a static or class method
    called on its class, ``PrivateDSA.generate(1024)``) or a ``constructor`` (the class's
    ``__init__``); the parameters of the last two leave out ``cls``/``self``. An ``attribute``
    is a class constant read on the class (``Config.BITS``): no call, its value the return."""

    path: str
    name: str
    params: tuple[str, ...]
    sinks: tuple[ParamSink, ...] = ()
    weak_return: tuple[str, int, int] | None = None  # RNG qualname, line, column
    kind: str = "function"
    # The constants its ``return`` statements hand back (value, line, column): a literal, a
    # module constant or a local assigned once to one; other returns are left out.
    returns: tuple[tuple[Literal, int, int], ...] = ()


# What a call of another function names: (level, module, name) of an import, or level None
# and ``name`` / ``Class.method`` for a function or class of the same module.
Target = tuple[int | None, str, str]
# The summary of the function a call names, from the resolver (None: not known).
Callees = Callable[[Target], "FunctionSummary | None"]


@dataclass(frozen=True)
class PendingCall:
    """A call of another function that passes parameters of this one unchanged: the sinks of
    the callee that they fill become this function's once the callee's summary is known."""

    target: Target
    keywords: tuple[tuple[str, str | None], ...]  # keyword -> the parameter it passes
    positional: tuple[str | None, ...]

    def passes(self, keyword: str, position: int | None) -> str | None:
        """The parameter the call passes as ``keyword`` (or at ``position``), if any."""
        for name, param in self.keywords:
            if name == keyword:
                return param
        if position is not None and position < len(self.positional):
            return self.positional[position]
        return None


@dataclass(frozen=True)
class LocalSummary:
    """A function's summary before its callees are known: its own sinks and the calls whose
    callees' sinks it may take on, in the order they occur, and a constructor's field sinks."""

    summary: FunctionSummary
    steps: tuple[ParamSink | PendingCall, ...] = ()
    fields: tuple[ParamSink, ...] = ()


def compose(local: LocalSummary, callees: Callees | None) -> FunctionSummary:
    """The summary with the sinks its calls reach in their callees (``callees`` None: none)."""
    sinks: list[ParamSink] = []
    for step in local.steps:
        if isinstance(step, ParamSink):
            sinks.append(step)
        elif callees is not None:
            sinks += _through_callee(step, callees(step.target))
    unique = tuple(dict.fromkeys(sinks))
    if local.fields:
        unique = tuple(dict.fromkeys((*unique, *local.fields)))
    return replace(local.summary, sinks=unique)


def import_targets(tree: ast.Module) -> dict[str, tuple[int, str, str | None]]:
    """Local name -> (level, module, imported name) of the module-level imports, also those
    under ``if``/``try`` and relative ones; a name two imports bind differently is left out."""
    found: dict[str, tuple[int, str, str | None]] = {}
    clash: set[str] = set()
    for stmt in module_level(tree.body):
        pairs: list[tuple[str, tuple[int, str, str | None]]] = []
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    pairs.append((alias.asname, (0, alias.name, None)))
                else:
                    top = alias.name.split(".")[0]
                    pairs.append((top, (0, top, None)))
        elif isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                if alias.name != "*":
                    target = (stmt.level, stmt.module or "", alias.name)
                    pairs.append((alias.asname or alias.name, target))
        for local, target in pairs:
            if found.setdefault(local, target) != target:
                clash.add(local)
    return {k: v for k, v in found.items() if k not in clash}


def call_target(
    func: ast.expr, imports: dict[str, tuple[int, str, str | None]], defined: frozenset[str]
) -> Target | None:
    """What ``make_key(...)``, ``keys.make_key(...)`` or ``PrivateRSA.generate(...)`` names."""
    if isinstance(func, ast.Name):
        if func.id in defined:
            return None, "", func.id
        found = imports.get(func.id)
        if found is not None and found[2] is not None:
            return found[0], found[1], found[2]
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        base = func.value.id
        if base in defined:
            return None, "", f"{base}.{func.attr}"
        found = imports.get(base)
        if found is not None:
            level, module, imported = found
            if imported is not None:
                module = f"{module}.{imported}" if module else imported
            return level, module, func.attr
    return None


def _imports(tree: ast.Module) -> dict[str, str]:
    names: dict[str, str] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                local = alias.asname or alias.name.split(".")[0]
                names[local] = alias.name if alias.asname else local
        elif isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
            for alias in stmt.names:
                names[alias.asname or alias.name] = f"{stmt.module}.{alias.name}"
    return names


def _qualname(node: ast.expr, imports: dict[str, str]) -> str | None:
    if isinstance(node, ast.Name):
        return imports.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        base = _qualname(node.value, imports)
        return f"{base}.{node.attr}" if base else None
    return None


def _argument(call: ast.Call, keyword: str, position: int | None) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    if any(isinstance(a, ast.Starred) for a in call.args):
        return None
    if position is not None and position < len(call.args):
        return call.args[position]
    return None


def _own_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """The function's nodes, without those of nested functions and classes (nor the ``ctx``
    markers of names), in the order ``ast.iter_child_nodes`` would give them."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        out.append(node)
        if isinstance(node, _NESTED):
            continue
        cls = type(node)
        fields = _FIELDS.get(cls)
        if fields is None:
            fields = _FIELDS[cls] = tuple(f for f in cls._fields if f != "ctx")
        for field in fields:
            value = getattr(node, field, None)
            if isinstance(value, ast.AST):
                stack.append(value)
            elif isinstance(value, list):
                stack.extend(item for item in value if isinstance(item, ast.AST))
    return out


_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
# The fields of each node class that may hold child nodes, read once per class.
_FIELDS: dict[type, tuple[str, ...]] = {}


def _summary(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    path: str,
    imports: dict[str, str],
    table: Table,
    kind: str = "function",
    name: str = "",
    bound: bool = False,
    calls: Callable[[ast.expr], Target | None] | None = None,
    known: dict[str, Literal] | None = None,
) -> LocalSummary:
    args = function.args
    params = tuple(a.arg for a in [*args.posonlyargs, *args.args])
    if bound:
        params = params[1:]  # ``cls`` / ``self``: the call does not pass it
    every = {*params, *(a.arg for a in args.kwonlyargs)}
    nodes = _own_nodes(function)
    rebound = {
        n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))
    }
    steps: list[ParamSink | PendingCall] = []
    assigned: dict[str, list[ast.expr]] = {}
    for node in nodes:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                assigned.setdefault(target.id, []).append(node.value)
        if not isinstance(node, ast.Call):
            continue
        qual = _qualname(node.func, imports)
        found = table.lookup(qual) if qual else None
        if found is None:
            pending = _pending(node, calls, every - rebound) if calls is not None else None
            if pending is not None:
                steps.append(pending)
            continue
        spec, library = found
        for role in CHECKED_ROLES + LITERAL_ROLES:
            arg = spec.args.get(role)
            value = _argument(node, arg.keyword, arg.position) if arg else None
            if isinstance(value, ast.Name) and value.id in every and value.id not in rebound:
                steps.append(
                    ParamSink(
                        value.id,
                        role,
                        spec.name,
                        library,
                        spec.algorithm,
                        spec.size_unit,
                        node.lineno,
                        node.col_offset + 1,
                    )
                )
    returned = (
        _constant_returns(nodes, assigned, every | rebound, known or {})
        if kind != "constructor"
        else ()
    )
    # after the constants: ``_weak_return`` consumes ``assigned``
    weak = _weak_return(nodes, assigned, imports, table) if kind != "constructor" else None
    summary = FunctionSummary(path, name or function.name, params, (), weak, kind, returned)
    return LocalSummary(summary, tuple(steps))


def _constant_returns(
    nodes: list[ast.AST],
    assigned: dict[str, list[ast.expr]],
    local: set[str],
    known: dict[str, Literal],
) -> tuple[tuple[Literal, int, int], ...]:
    """The constants the function's ``return`` statements give (``return 1024``,
    ``return DEFAULT_BITS``, ``bits = 1024; return bits``); a generator's are none."""
    if any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in nodes):
        return ()
    module = {k: v for k, v in known.items() if k not in local}
    stores = Counter(
        n.id for n in nodes if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)
    )
    out: list[tuple[Literal, int, int]] = []
    for node in nodes:
        if not isinstance(node, ast.Return) or node.value is None:
            continue
        value: ast.expr = node.value
        if isinstance(value, ast.Name) and stores[value.id] == 1 and value.id in assigned:
            value = assigned[value.id][0]
        found = _literal(value, module)
        if found is not None:
            out.append((found, value.lineno, value.col_offset + 1))
    return tuple(out)


def _pending(
    call: ast.Call, calls: Callable[[ast.expr], Target | None], params: set[str]
) -> PendingCall | None:
    """The call as a :class:`PendingCall` when it names another function and passes one of
    ``params`` unchanged (``return OpenSSL_RSAKey.generate(bits)``); else None."""
    if any(isinstance(a, ast.Starred) for a in call.args):
        return None

    def passed(value: ast.expr) -> str | None:
        return value.id if isinstance(value, ast.Name) and value.id in params else None

    keywords = tuple((kw.arg, passed(kw.value)) for kw in call.keywords if kw.arg is not None)
    positional = tuple(passed(a) for a in call.args)
    if not any(p for _, p in keywords) and not any(positional):
        return None
    target = calls(call.func)
    return None if target is None else PendingCall(target, keywords, positional)


def _through_callee(call: PendingCall, callee: FunctionSummary | None) -> list[ParamSink]:
    """Sinks of a called function that the call fills with a parameter of the caller: they
    become the caller's sinks."""
    if callee is None:
        return []
    out: list[ParamSink] = []
    for sink in callee.sinks:
        position = callee.params.index(sink.param) if sink.param in callee.params else None
        param = call.passes(sink.param, position)
        if param is not None:
            out.append(replace(sink, param=param, path=sink.path or callee.path))
    return out


def _weak_return(
    nodes: list[ast.AST], assigned: dict[str, list[ast.expr]], imports: dict[str, str], table: Table
) -> tuple[str, int, int] | None:
    """The weak RNG call a ``return`` hands back (directly or through one local variable)."""
    locals_ = {name: list(values) for name, values in assigned.items()}
    for node in nodes:
        if not isinstance(node, ast.Return) or node.value is None:
            continue
        pending: list[ast.expr] = [node.value]
        seen = 0
        while pending and seen < 50:
            expr = pending.pop()
            seen += 1
            for inner in ast.walk(expr):
                if isinstance(inner, ast.Name) and inner.id in assigned:
                    pending.extend(assigned.pop(inner.id))
                if not isinstance(inner, ast.Call):
                    continue
                qual = _qualname(inner.func, imports)
                if qual is None or rng_strength(qual, table) != "weak":
                    continue
                picks = qual.rsplit(".", 1)[-1] in ("choice", "choices", "sample")
                if picks and not _alphabet(inner, imports, locals_):
                    continue
                return qual, inner.lineno, inner.col_offset + 1
    return None


def _alphabet(call: ast.Call, imports: dict[str, str], locals_: dict[str, list[ast.expr]]) -> bool:
    """``random.choice`` over characters or numbers (not over the program's objects)."""
    if not call.args:
        return False
    pending: list[ast.expr] = [call.args[0]]
    for _ in range(20):
        if not pending:
            return False
        for node in ast.walk(pending.pop()):
            if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
                return True
            if isinstance(node, ast.Name) and node.id in locals_:
                pending.extend(locals_[node.id])
            qual = _qualname(node, imports) if isinstance(node, (ast.Name, ast.Attribute)) else None
            if qual and (qual.startswith("string.") or qual == "range"):
                return True
    return False


def reexports(tree: ast.Module) -> dict[str, tuple[int, str, str]]:
    """Names a module (typically a package's ``__init__``) imports from elsewhere:
    local name -> (level, module, name), so a caller can follow ``from pkg import make_key``."""
    out: dict[str, tuple[int, str, str]] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                if alias.name != "*":
                    out[alias.asname or alias.name] = (stmt.level, stmt.module or "", alias.name)
    return out


@dataclass(frozen=True)
class ModuleIndex:
    """What every summary of one module reads, gathered once per module: its module-level
    statements, its imports (two views) and the functions and classes it defines."""

    statements: list[ast.stmt]
    targets: dict[str, tuple[int, str, str | None]]
    imports: dict[str, str]
    defined: frozenset[str]
    classes: dict[str, ast.ClassDef]
    constants: dict[str, Literal]


def module_index(tree: ast.Module) -> ModuleIndex:
    statements = module_level(tree.body)
    definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return ModuleIndex(
        statements,
        import_targets(tree),
        _imports(tree),
        frozenset(s.name for s in statements if isinstance(s, definitions)),
        {s.name: s for s in statements if isinstance(s, ast.ClassDef)},
        _module_constants(statements),
    )


def local_summaries(index: ModuleIndex, path: str, table: Table) -> dict[str, LocalSummary]:
    """Every summary a caller can ask of the module, before callees: its module-level functions
    (also those under a module-level ``if`` or ``try``; the first of a name), each class as its
    ``__init__`` and ``Class.name`` for the static and class methods and the constants its body,
    or a base's, binds. Computed once per module so that its parse can be let go."""

    def calls(func: ast.expr) -> Target | None:
        return call_target(func, index.targets, index.defined)

    out: dict[str, LocalSummary] = {}
    claimed: set[str] = set()  # the first function or class of a name answers for it
    classes: set[str] = set()
    for stmt in index.statements:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if stmt.name not in claimed:
                claimed.add(stmt.name)
                out[stmt.name] = _summary(
                    stmt, path, index.imports, table, calls=calls, known=index.constants
                )
        elif isinstance(stmt, ast.ClassDef) and stmt.name not in classes:
            classes.add(stmt.name)
            methods = _class_names(stmt, index.classes)
            for method in ("", *methods) if stmt.name not in claimed else methods:
                found = _class_summary(index, path, stmt, method, table, calls)
                if found is not None:
                    out[found.summary.name] = found
            claimed.add(stmt.name)
    return out


def _class_names(klass: ast.ClassDef, classes: dict[str, ast.ClassDef]) -> list[str]:
    """Names a call or a read on ``klass`` may resolve to a summary: static and class methods,
    ``__init__`` and assigned names, of its body or of a class up its chain of single bases."""
    names: list[str] = []
    seen: set[str] = set()
    current = klass
    while True:
        for stmt in current.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                decorators = {d.id for d in stmt.decorator_list if isinstance(d, ast.Name)}
                if stmt.name == "__init__" or decorators & {"classmethod", "staticmethod"}:
                    names.append(stmt.name)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                names += (t.id for t in targets if isinstance(t, ast.Name))
        base = current.bases[0] if len(current.bases) == 1 and not current.keywords else None
        if not isinstance(base, ast.Name) or base.id in seen or base.id not in classes:
            break
        seen.add(base.id)
        current = classes[base.id]
    return list(dict.fromkeys(names))


def _class_summary(
    index: ModuleIndex,
    path: str,
    klass: ast.ClassDef,
    method: str,
    table: Table,
    calls: Callable[[ast.expr], Target | None],
) -> LocalSummary | None:
    """``Class.method`` (a static or class method, or a class constant read on the class) or,
    with no method, ``Class`` (its ``__init__``; a class without its own has no summary: a
    base's is not guessed)."""
    name = f"{klass.name}.{method}" if method else klass.name
    wanted = method or "__init__"
    defining = _defining(klass, wanted, index.classes)
    found = _called_on_class(defining, wanted)
    if found is None:
        constant = _class_constant(defining, wanted, path, name, index.constants)
        return None if constant is None else LocalSummary(constant)
    function, bound = found
    kind = "method" if method else "constructor"
    local = _summary(
        function, path, index.imports, table, kind, name, bound, calls, index.constants
    )
    if kind == "constructor":
        kept = _field_sinks(defining, function, local.summary.params, index.imports, table)
        local = replace(local, fields=tuple(kept))
    return local


def _field_sinks(
    klass: ast.ClassDef,
    init: ast.FunctionDef | ast.AsyncFunctionDef,
    params: tuple[str, ...],
    imports: dict[str, str],
    table: Table,
) -> list[ParamSink]:
    """A constructor parameter the object keeps (``self.key = key``) and another method of the
    class hands to an API (``AES.new(self.key, ...)``): a sink of the constructor, so that
    ``AESCipher(b"...")`` in another module is judged at that call."""
    kept = _kept_parameters(init, params)
    if not kept:
        return []
    out: list[ParamSink] = []
    for method in klass.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) or method is init:
            continue
        positional = [*method.args.posonlyargs, *method.args.args]
        if not positional:
            continue
        self_name = positional[0].arg
        for node in _own_nodes(method):
            if not isinstance(node, ast.Call):
                continue
            qual = _qualname(node.func, imports)
            found = table.lookup(qual) if qual else None
            if found is None:
                continue
            spec, library = found
            for role in CHECKED_ROLES + LITERAL_ROLES:
                arg = spec.args.get(role)
                value = _argument(node, arg.keyword, arg.position) if arg else None
                if (
                    isinstance(value, ast.Attribute)
                    and isinstance(value.value, ast.Name)
                    and value.value.id == self_name
                    and value.attr in kept
                ):
                    line, column = node.lineno, node.col_offset + 1
                    out.append(
                        ParamSink(
                            kept[value.attr],
                            role,
                            spec.name,
                            library,
                            spec.algorithm,
                            spec.size_unit,
                            line,
                            column,
                        )
                    )
    return out


def _kept_parameters(
    init: ast.FunctionDef | ast.AsyncFunctionDef, params: tuple[str, ...]
) -> dict[str, str]:
    """Field -> parameter for each ``self.field = param`` of ``__init__`` (the only assignment
    of that field in it, the parameter not rebound)."""
    positional = [*init.args.posonlyargs, *init.args.args]
    if not positional:
        return {}
    self_name = positional[0].arg
    nodes = _own_nodes(init)
    rebound = {n.id for n in nodes if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    fields: dict[str, list[ast.expr]] = {}
    for node in nodes:
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == self_name
                ):
                    value = node.value if not isinstance(node, ast.AugAssign) else None
                    fields.setdefault(target.attr, []).append(value)  # type: ignore[arg-type]
    return {
        attr: values[0].id
        for attr, values in fields.items()
        if len(values) == 1
        and isinstance(values[0], ast.Name)
        and values[0].id in params
        and values[0].id not in rebound
    }


def _class_constant(
    klass: ast.ClassDef, attr: str, path: str, name: str, known: dict[str, Literal]
) -> FunctionSummary | None:
    """``Config.BITS`` read on the class: a summary of kind ``attribute`` whose one return is
    the constant the class body assigns it once (the value a reader of the attribute gets)."""
    found = [
        s
        for s in klass.body
        if isinstance(s, (ast.Assign, ast.AnnAssign)) and _binds_attribute(s, attr)
    ]
    if len(found) != 1 or found[0].value is None:
        return None
    value = _literal(found[0].value, known)
    if value is None:
        return None
    where = (value, found[0].value.lineno, found[0].value.col_offset + 1)
    return FunctionSummary(path, name, (), kind="attribute", returns=(where,))


def _binds_attribute(stmt: ast.Assign | ast.AnnAssign, name: str) -> bool:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    return any(isinstance(t, ast.Name) and t.id == name for t in targets)


def _defining(klass: ast.ClassDef, name: str, classes: dict[str, ast.ClassDef]) -> ast.ClassDef:
    """The class whose body defines ``name`` for ``klass``: itself, else its single base of the
    same module, followed up the chain (several bases leave the answer to ``klass``)."""
    seen: set[str] = set()
    while not _defines(klass, name) and len(klass.bases) == 1 and not klass.keywords:
        base = klass.bases[0]
        if not isinstance(base, ast.Name) or base.id in seen or base.id not in classes:
            break
        seen.add(base.id)
        klass = classes[base.id]
    return klass


def _defines(klass: ast.ClassDef, name: str) -> bool:
    return any(
        isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Assign)) and _binds(s, name)
        for s in klass.body
    )


def _binds(stmt: ast.stmt, name: str) -> bool:
    if isinstance(stmt, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
    return getattr(stmt, "name", None) == name


def _called_on_class(
    klass: ast.ClassDef, name: str
) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef, bool] | None:
    """The method ``name`` (defined once in the class body) that a call on the class runs,
    and whether the call binds its first parameter: ``__init__`` and class methods do, static
    methods do not; a plain method needs an instance and is left out."""
    found = [
        s
        for s in klass.body
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == name
    ]
    if len(found) != 1:
        return None
    decorators = {d.id for d in found[0].decorator_list if isinstance(d, ast.Name)}
    if name == "__init__" or "classmethod" in decorators:
        return found[0], True
    return (found[0], False) if "staticmethod" in decorators else None


def module_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements of a module body, with those of its ``if``/``try`` blocks in order."""
    found: list[ast.stmt] = []
    for stmt in body:
        found.append(stmt)
        if isinstance(stmt, ast.If):
            found += module_level(stmt.body) + module_level(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            found += module_level(stmt.body) + module_level(stmt.orelse)
            for handler in stmt.handlers:
                found += module_level(handler.body)
    return found


def _literal(node: ast.expr, known: dict[str, Literal]) -> Literal | None:
    """A number, string or bytes written as a literal, a known constant or small arithmetic."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, str, bytes)):
        return None if isinstance(node.value, bool) else node.value
    if isinstance(node, ast.Name):
        return known.get(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _literal(node.operand, known)
        return -inner if isinstance(inner, int) else None
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        left, right = _literal(node.left, known), _literal(node.right, known)
        if not isinstance(left, int) or not isinstance(right, int):
            return None
        if isinstance(node.op, (ast.Pow, ast.LShift)) and not 0 <= right <= 64:
            return None
        return _ARITHMETIC[type(node.op)](left, right)  # type: ignore[no-any-return]
    return None


def _module_constants(statements: list[ast.stmt]) -> dict[str, Literal]:
    """Names the module assigns exactly once, to a literal (``DEFAULT_BITS = 2048``)."""
    counts = Counter(
        n.id
        for stmt in statements
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        for n in ast.walk(stmt)
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)
    )
    known: dict[str, Literal] = {}
    for stmt in statements:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
            if isinstance(target, ast.Name) and counts[target.id] == 1:
                found = _literal(value, known)
                if found is not None:
                    known[target.id] = found
    return known
