"""Tickets agree with the independent consistent-sampler package; the fast order is exact."""

import random

import consistent_sampler
import pytest

from shuangsuiji.rules.draw import tickets
from shuangsuiji.rules.draw.tickets import draw_order, ticket

from .helpers import code


def test_tickets_agree_with_consistent_sampler():
    rng = random.Random(7)  # noqa: S311 - test data
    for i in range(2000):
        seed = f"{rng.getrandbits(256):064x}"
        ident = code(i) if i % 3 else f"X-{i}"
        assert ticket(ident, seed) == consistent_sampler.first_fraction(ident, seed)


def _reference_order(ids, seed):
    return sorted(ids, key=lambda i: (consistent_sampler.first_fraction(i, seed), i))


def test_the_draw_order_is_the_order_of_full_tickets():
    ids = [code(i) for i in range(3000)]
    for seed in ("a" * 64, "0123456789abcdef" * 4, "种子"):
        assert draw_order(ids, seed) == _reference_order(ids, seed)


@pytest.mark.parametrize("digits", [1, 2, 3])
def test_ties_on_the_prefix_are_settled_on_full_tickets(monkeypatch, digits):
    """With a prefix of 1–3 digits nearly everything ties; the order must not change."""
    monkeypatch.setattr(tickets, "_PREFIX_DIGITS", digits)
    monkeypatch.setattr(tickets, "_MOD", 10**digits)
    ids = [code(i) for i in range(800)]
    assert draw_order(ids, "seed") == _reference_order(ids, "seed")


def test_short_tickets_sort_before_longer_ones_with_the_same_start(monkeypatch):
    """A ticket shorter than the prefix is padded, and still lands where string order puts it."""
    monkeypatch.setattr(tickets, "_PREFIX_DIGITS", 90)  # longer than any 256-bit number
    monkeypatch.setattr(tickets, "_MOD", 10**90)
    ids = [code(i) for i in range(500)]
    assert draw_order(ids, "s") == _reference_order(ids, "s")


def test_an_empty_stratum_has_an_empty_order():
    assert draw_order([], "seed") == []
