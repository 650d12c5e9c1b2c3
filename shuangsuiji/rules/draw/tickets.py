"""Tickets (protocol §4) and the draw order of a stratum.

ticket(ID) = "0." + reversed(decimal(int(SHA256_hex(SHA256_hex(seed) + ID), 16))), compared
as strings; a stratum is drawn in ascending (ticket, ID). Ordering millions of full 78-digit
tickets is slow, so the large-pool path (fast.py) orders by a 19-digit prefix of each ticket
(prefix_keys: the first 19 reversed digits are just N mod 10**19 read backwards) and settles
every tie (equal prefixes, or the astronomically rare ticket shorter than 19 digits) on the
full tickets: the same order, which tests/rules/draw/test_tickets.py and test_bulk.py check
against draw_order and the consistent-sampler package.
"""

import hashlib
from collections.abc import Sequence
from functools import lru_cache

_PREFIX_DIGITS = 19
_MOD = 10**_PREFIX_DIGITS


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
    keys: list[int] = []
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
    """The stratum's draw order: identifiers sorted by (ticket, identifier). The definition;
    the large-pool path (fast.py) orders by prefix_keys and gives the same order."""
    return sorted(identifiers, key=lambda ident: (ticket(ident, seed), ident))
