"""A pool cut into parts of whole lines and joined again, with its digest."""

import hashlib

import pytest

from shuangsuiji.rules.draw import pool_parts

POOL = b"".join(f"9114050{i:011d}\t{'ABCD'[i % 4]}\n".encode() for i in range(50))


@pytest.mark.parametrize("size", [1, 20, 21, 22, 100, len(POOL) - 1, len(POOL), 10**6])
def test_parts_are_whole_lines_at_least_the_size_and_give_the_pool_back(size):
    parts = list(pool_parts.split(POOL, size))
    assert b"".join(parts) == POOL
    assert all(part.endswith(b"\n") for part in parts)
    assert all(len(part) >= size for part in parts[:-1])
    # a part ends at the first line end it can: without its last line it is under the size
    assert all(len(part[:part.rstrip(b"\n").rfind(b"\n") + 1]) < size for part in parts)
    assert pool_parts.joined(parts) == (POOL, hashlib.sha256(POOL).hexdigest())


def test_an_empty_pool_has_no_parts_and_the_digest_of_nothing():
    assert list(pool_parts.split(b"")) == []
    assert pool_parts.joined([]) == (b"", hashlib.sha256(b"").hexdigest())


def test_a_pool_without_a_last_line_feed_keeps_its_end():
    assert b"".join(pool_parts.split(POOL + b"X\tA", 40)) == POOL + b"X\tA"
