"""Tickets (protocol §4) and the exact draw order of a stratum, fast.

ticket(ID) = "0." + reversed(decimal(int(SHA256_hex(SHA256_hex(seed) + ID), 16))), compared
as strings. Ordering millions of full 78-digit tickets is slow, so we order by a 19-digit
prefix of each ticket instead — the first 19 reversed digits are just N mod 10**19 read
backwards — and settle every tie (equal prefixes, or the astronomically rare ticket shorter
than 19 digits) by comparing the full tickets. The result is identical to sorting the full
`(ticket, ID)` pairs; tests/rules/draw/test_tickets.py checks it against that sort and against
the consistent-sampler package.
"""

import hashlib
from collections.abc import Sequence
from functools import lru_cache

_PREFIX_DIGITS = 19
_MOD = 10**_PREFIX_DIGITS
# Below this pool size the pure Python order is as fast as setting up the C one.
_FAST_FROM = 2000


@lru_cache(maxsize=16)  # a draw asks for it once per drawn target and inspector
def _seed_prefix(seed: str) -> bytes:
    return hashlib.sha256(seed.encode("utf-8")).hexdigest().encode("ascii")


def ticket(identifier: str, seed: str) -> str:
    """consistent_sampler.first_fraction(identifier, seed)."""
    digest = hashlib.sha256(_seed_prefix(seed) + identifier.encode("utf-8")).hexdigest()
    return "0." + str(int(digest, 16))[::-1]


def prefix_keys(identifiers: Sequence[str], seed: str) -> list[int]:
    """The first 19 ticket digits of each identifier, as integers (equal length: order-safe).

    A ticket shorter than 19 digits is padded with zeros; it then ties with or sorts exactly
    where its full comparison would put it, and ties are always settled on full tickets.
    """
    # SHA256_hex(seed) is 64 ASCII bytes: exactly one SHA-256 block, so copying the hasher
    # after it costs one compression per identifier instead of two.
    base = hashlib.sha256(_seed_prefix(seed))
    from_bytes = int.from_bytes
    keys = []
    append = keys.append
    for identifier in identifiers:
        h = base.copy()
        h.update(identifier.encode("utf-8"))
        n = from_bytes(h.digest(), "big")
        if n >= _MOD // 10:
            append(int(str(n % _MOD).zfill(_PREFIX_DIGITS)[::-1]))
        else:
            append(int(str(n)[::-1].ljust(_PREFIX_DIGITS, "0")))
    return keys


def draw_order(identifiers: Sequence[str], seed: str) -> list[str]:
    """The stratum's draw order: identifiers sorted by (ticket, identifier)."""
    from . import fast  # fast imports this module (its keys and tickets)

    if fast.AVAILABLE and len(identifiers) > _FAST_FROM:
        return fast.draw_order(identifiers, seed)
    return python_draw_order(identifiers, seed)


def python_draw_order(identifiers: Sequence[str], seed: str) -> list[str]:
    """draw_order in pure Python (the reference for the C fast path)."""
    keys = prefix_keys(identifiers, seed)
    order = sorted(range(len(identifiers)), key=keys.__getitem__)
    return _settle_ties([identifiers[i] for i in order], [keys[i] for i in order], seed)


def _settle_ties(ordered: list[str], keys: list[int], seed: str) -> list[str]:
    i, n = 0, len(ordered)
    while i < n:
        j = i + 1
        while j < n and keys[j] == keys[i]:
            j += 1
        if j - i > 1:
            ordered[i:j] = sorted(ordered[i:j], key=lambda ident: (ticket(ident, seed), ident))
        i = j
    return ordered
