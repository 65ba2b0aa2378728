"""A key that is one fast hash of a password (KG205): ``AES.new(sha256(password).digest())``
has no salt and no work factor, so each guess of the password costs one hash."""

from __future__ import annotations

import libcst as cst

from analyzer.catalogue.ids import WEAK_KEY_DERIVATION
from analyzer.engines.python.checks.context import ApiCall, CheckContext, short
from analyzer.engines.python.walk.names import split_words
from analyzer.engines.python.walk.scopes import Scope

DIGESTS = ("digest", "hexdigest")
MAX_ENCODERS = 3


def check_password_hash_key(ctx: CheckContext, api: ApiCall, expr: cst.BaseExpression) -> None:
    """KG205 at the API call when its key may be ``<fast hash>(<password>).digest()``."""
    for value, scope in _values(ctx, expr, api.scope, 0):
        found = _hashed_password(ctx, value, scope)
        if found is None:
            continue
        hashed, name, qual = found
        ctx.report(
            WEAK_KEY_DERIVATION,
            api.call,
            f"the key of `{short(api.qualname)}` is one `{short(qual)}` hash of `{name}`; derive "
            "it with PBKDF2, scrypt or Argon2 and a random salt",
            {**api.facts, "hash": qual, "derivation": "fast-hash"},
            [(hashed, f"`{name}` is hashed once here")],
        )
        return


def _values(
    ctx: CheckContext, expr: cst.BaseExpression, scope: Scope, depth: int
) -> list[tuple[cst.BaseExpression, Scope]]:
    """What the key may be, through encoders (``urlsafe_b64encode(digest)``)."""
    out: list[tuple[cst.BaseExpression, Scope]] = []
    for reached in ctx.evaluator.expressions(expr, scope):
        value = reached.expr
        if (
            depth < MAX_ENCODERS
            and isinstance(value, cst.Call)
            and value.args
            and not value.args[0].star
            and ctx.evaluator.qualname(value.func, reached.scope) in ctx.table.decoders
        ):
            out += _values(ctx, value.args[0].value, reached.scope, depth + 1)
        else:
            out.append((value, reached.scope))
    return out


def _hashed_password(
    ctx: CheckContext, expr: cst.BaseExpression, scope: Scope
) -> tuple[cst.Call, str, str] | None:
    """``hashlib.sha256(password.encode()).digest()``: the hash call, the password's name and
    the hash; a literal passed there is KG301's, not a password."""
    if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Attribute):
        return None
    if expr.func.attr.value not in DIGESTS or not isinstance(expr.func.value, cst.Call):
        return None
    hashed = expr.func.value
    qual = ctx.evaluator.qualname(hashed.func, scope)
    if qual not in ctx.table.fast_hashes or not hashed.args or hashed.args[0].star:
        return None
    data = hashed.args[0].value
    while isinstance(data, cst.Call) and isinstance(data.func, cst.Attribute):
        if data.func.attr.value != "encode":
            return None
        data = data.func.value
    if isinstance(data, cst.Attribute):
        name = data.attr.value
    elif isinstance(data, cst.Name):
        name = data.value
    else:
        return None
    if not any(w in ctx.table.password_words for w in split_words(name)):
        return None
    if ctx.evaluator.literal(data, scope) is not None:
        return None
    return hashed, name, qual
