"""Finite-field Diffie-Hellman groups written as literals (KG202 at the prime).

A module-level ``OAKLEY_GROUP2_PRIME = int("FFFFFFFF...", 16)`` fixes the group every exchange
uses. A name that says prime/modulus/group and a safe prime below the standard's minimum is
reported at the literal with its bit length; RSA factors (not safe primes) stay silent.
"""

from __future__ import annotations

from analyzer.catalogue.ids import DSA_DH_PARAMETERS_TOO_SMALL
from analyzer.engines.python.checks.context import CheckContext

# Below this a number is not a cryptographic group modulus anyone would write down.
MIN_GROUP_BITS = 256
_SMALL_PRIMES = tuple(p for p in range(3, 1000, 2) if all(p % d for d in range(3, p, 2)))
_WITNESSES = (2, 3)


def is_probable_prime(n: int, witnesses: tuple[int, ...] = _WITNESSES) -> bool:
    """Trial division, then Miller-Rabin with a few fixed witnesses: never wrong about a prime,
    and a composite that passes is as unlikely as it is harmless (a literal gets reported)."""
    if n < 2 or n % 2 == 0:
        return n == 2
    for p in _SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d //= 2
        r += 1
    for a in witnesses:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def is_safe_prime(n: int) -> bool:
    """p and (p-1)/2 both prime: the shape of the RFC 2409/3526 MODP groups."""
    q = (n - 1) // 2
    if n % 2 == 0 or any(q % p == 0 and q != p for p in _SMALL_PRIMES):
        return False
    return is_probable_prime(n) and is_probable_prime(q, (2,))


def check_dh_group_literals(ctx: CheckContext) -> None:
    """KG202 at a safe-prime literal below the DH minimum assigned to a group-like name."""
    minimum = ctx.thresholds.dh_min_bits
    for label, value, scope in ctx.collected.group_literals:
        const = ctx.evaluator.const(value, scope)
        if const is None or not isinstance(const.value, int) or isinstance(const.value, bool):
            continue
        bits = const.value.bit_length()
        if not MIN_GROUP_BITS <= bits < minimum or not is_safe_prime(const.value):
            continue
        ctx.report(
            DSA_DH_PARAMETERS_TOO_SMALL,
            value,
            f"`{label}` is a {bits}-bit Diffie-Hellman prime modulus; the standard requires at least {minimum}",
            {
                "api": label,
                "library": "unknown",
                "algorithm": "DH",
                "size": bits,
                "minimum": minimum,
            },
        )
