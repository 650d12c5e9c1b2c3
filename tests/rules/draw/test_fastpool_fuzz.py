"""Every function of the C module on random and hostile input: it raises cleanly (TypeError,
ValueError, IndexError, BufferError) or gives what its Python equivalent gives. scripts/asan
runs this against a build with AddressSanitizer, which turns any read or write out of bounds
into a failure."""

import contextlib
import os
import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuangsuiji.rules.draw import fast, plain_arrays
from shuangsuiji.rules.draw.tickets import _seed_prefix

from .helpers import c_module

CLEAN = (TypeError, ValueError, IndexError, BufferError)
FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
HOSTILE = [None, 1, -1, 2**70, "text", ["a"], (b"a",), object(), 1.5,
           np.zeros(3, dtype=np.float64)]

# Pools of a few letters, tabs and line feeds: lines without tabs, with two, empty, unsorted.
pool_bytes = st.binary(max_size=300) | st.lists(
    st.sampled_from([b"a", b"b", b"A", b"\t", b"\n", b"\x01", b"91"]), max_size=120).map(b"".join)
sorted_pools = st.lists(st.tuples(st.text("0123456789ABX-", max_size=60),
                                  st.sampled_from(["A", "B", "C", ""])), max_size=80).map(
    lambda rows: "".join(sorted({f"{i}\t{s}\n" for i, s in rows})).encode())


@pytest.fixture(scope="module")
def c():
    return c_module()


def test_the_fuzzed_module_is_the_one_fast_py_would_use(c):
    """scripts/asan names the build it made: that one is tested."""
    assert fast._fastpool is None or fast._fastpool is c
    assert isinstance(c.sha_instructions(), bool)
    if os.environ.get("SHUANGSUIJI_EXPECT_FASTPOOL"):
        assert c.__file__ == os.environ["SHUANGSUIJI_EXPECT_FASTPOOL"]
        assert fast._fastpool is c


@pytest.mark.parametrize("name", ["first_unsorted", "unquote_lines", "count_plain",
                                  "quoted_lines_into", "quoted_ids_into", "scan_into"])
def test_wrong_objects_raise_cleanly(c, name):
    function = getattr(c, name)
    for value in HOSTILE:
        for args in ((value,), (value, value), (value,) * 5, (value,) * 10, ()):
            try:
                function(*args)
            except CLEAN:
                continue
            assert name in {"first_unsorted", "unquote_lines"}, args


@FUZZ
@given(data=pool_bytes)
def test_lines_and_their_order_are_read_as_python_reads_them(c, data):
    assert c.first_unsorted(data) == fast.first_unsorted_python(data)
    assert c.first_unsorted(bytearray(data)) == fast.first_unsorted_python(data)


@FUZZ
@given(data=pool_bytes | sorted_pools, labels=st.lists(st.sampled_from(["A", "B", "C", ""]),
                                                       max_size=4, unique=True),
       check=st.booleans(), sha=st.booleans())
def test_a_scan_gives_pythons_keys_or_raises_as_python_does(c, data, labels, check, sha):
    labels = tuple(labels)
    try:
        expected = fast._scan_python(data, "seed", labels, check)
    except ValueError:
        expected = None
    try:
        got = fast._scan_c(c, data, "seed", labels, check, sha=sha)
    except ValueError:
        got = None
    assert (got is None) == (expected is None)
    if got is not None:
        assert got.keys.tolist() == expected.keys.tolist()
        assert got.codes.tolist() == expected.codes.tolist()
        rows = np.arange(got.keys.size)
        assert got.idents(rows) == expected.idents(rows)


@FUZZ
@given(data=pool_bytes | sorted_pools, n=st.integers(0, 90), labels=st.integers(0, 300),
       prefix=st.integers(0, 70), dtypes=st.lists(st.sampled_from(
           ["<u8", "u8", ">u8", "i8", "u4", "f8", "u1", "u2", "bytes"]), min_size=4, max_size=4),
       offset=st.sampled_from([0, 2**64 - 1]))
def test_hostile_scan_arguments_raise_cleanly(c, *, data, n, labels, prefix, dtypes, offset):
    """Outputs of any length and dtype, read-only ones, too many labels, a short prefix."""
    arrays = []
    for dtype, size in zip(dtypes, (8, 1, 8, 2), strict=True):
        arrays.append(bytes(n * size) if dtype == "bytes" else np.zeros(n, dtype=dtype))
    encoded = tuple(b"A%d" % i for i in range(labels))
    try:
        c.scan_into(data, b"s" * prefix, encoded, True, *arrays, offset)
    except CLEAN:
        return
    assert prefix == 64 and labels <= 255


plain_ids = st.text("0123456789ABX-", min_size=0, max_size=40)


@FUZZ
@given(ids=st.lists(plain_ids, min_size=1, max_size=60, unique=True),
       strata=st.sampled_from(["A", "BB"]), rows=st.lists(
           st.integers(-3, 70) | st.sampled_from([2**62, -(2**63), 2**63 - 1]), max_size=80),
       cap=st.integers(0, 3000), line_len=st.integers(-2, 80), id_len=st.integers(-1, 80),
       own=st.booleans())
def test_quoted_ids_are_pythons_or_raise(c, *, ids, strata, rows, cap, line_len, id_len, own):
    buffer = "".join(sorted(f"{i}\t{strata}\n" for i in ids)).encode()
    pool = fast._scan_python(buffer, "seed", ("A", "BB"), True)
    order = np.array(rows, dtype=np.int64)
    starts, lens = pool.starts, pool.lens
    if pool.line_length:  # the offsets the scan let go: made again
        starts = np.arange(pool.keys.size, dtype=np.uint64) * np.uint64(pool.line_length)
        lens = np.full(pool.keys.size, pool.longest_id, dtype=np.uint16)
    if own:
        line_len, id_len = pool.line_length, pool.longest_id
    into = bytearray(cap)
    try:
        written = c.quoted_ids_into(pool.buffer, starts, lens, order, into, line_len, id_len)
    except CLEAN:
        written = None
    in_range = all(0 <= r < pool.keys.size for r in rows)
    if own and in_range:
        expected = fast.quoted_ids_python(pool, order)
        fits = cap >= (len(expected) if not line_len else len(rows) * (id_len + 3))
        assert (written is not None) == fits
        if written is not None:
            assert bytes(into[:written]) == expected
    elif written is not None:
        assert written <= cap and (in_range or not rows)


@FUZZ
@given(starts=st.lists(st.integers(0, 2**64 - 1) | st.integers(0, 40), min_size=1,
                       max_size=20),
       lens=st.lists(st.integers(0, 65535) | st.integers(0, 40), min_size=1, max_size=20),
       rows=st.lists(st.integers(0, 19), max_size=30))
def test_quoted_ids_never_read_outside_the_pool(c, starts, lens, rows):
    """Starts and lengths that point anywhere: the IDs they give, or an error."""
    buffer = b"0123456789abcdef\tA\n" * 2
    n = min(len(starts), len(lens))
    starts, lens = np.array(starts[:n], dtype=np.uint64), np.array(lens[:n], dtype=np.uint16)
    rows = np.array([r for r in rows if r < n], dtype=np.int64)
    into = bytearray(4096)
    pieces = [buffer[int(starts[r]):int(starts[r]) + int(lens[r])] for r in rows.tolist()]
    inside = all(int(starts[r]) + int(lens[r]) <= len(buffer) for r in rows.tolist())
    if inside:
        written = c.quoted_ids_into(buffer, starts, lens, rows, into)
        assert bytes(into[:written]) == b",".join(b'"' + p + b'"' for p in pieces)
    else:
        with pytest.raises(ValueError, match="outside"):
            c.quoted_ids_into(buffer, starts, lens, rows, into)
    with pytest.raises(ValueError, match="one start and one length"):
        c.quoted_ids_into(buffer, starts, lens[:-1], rows, into)


plain_lines = st.lists(st.text(st.characters(min_codepoint=32, max_codepoint=126,
                                             exclude_characters='"\\') | st.just("\t"),
                               max_size=90), max_size=40).map(
    lambda lines: "".join(line + "\n" for line in lines).encode())


@FUZZ
@given(lines=plain_lines | pool_bytes, room=st.integers(0, 3))
def test_quoted_lines_are_pythons_or_do_not_fit(c, lines, room):
    into = bytearray(len(lines) * room)
    try:
        written = c.quoted_lines_into(lines, into)
    except ValueError:  # three bytes a byte is room enough for whole lines
        assert room < 3 or not lines.endswith(b"\n")
        return
    assert written <= len(into)
    plain = all((32 <= b <= 126 and b not in b'"\\') or b in b"\t\n" for b in lines)
    if plain:
        assert bytes(into[:written]) == fast.quoted_lines_python(lines)
        assert c.unquote_lines(bytes(into[:written])) == (
            lines if lines.endswith(b"\n") or not lines else lines + b"\n")


body_bytes = st.lists(st.sampled_from([b'"', b",", b"\\", b"t", b"a", b"\x01", b"\x7f",
                                       b"\xe7", b'"9114' + b"7" * 30 + b'"', b'","', b" "]),
                      max_size=60).map(b"".join)


@FUZZ
@given(body=body_bytes | st.binary(max_size=200), tabs=st.booleans())
def test_plain_bodies_are_read_as_python_reads_them(c, body, tabs):
    assert c.count_plain(body, tabs) == plain_arrays.count_plain_python(body, tabs)
    assert c.unquote_lines(body) == plain_arrays.unquote_lines_python(body)


def _racing(mutate, call, rounds=200):
    """`call` many times while another thread runs `mutate` over and over; what `call`
    returns, or the clean errors it raised."""
    stop = threading.Event()

    def run():
        while not stop.is_set():
            with contextlib.suppress(BufferError, IndexError, ValueError):
                mutate()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        for _ in range(rounds):
            with contextlib.suppress(*CLEAN):
                call()
    finally:
        stop.set()
        thread.join()


def test_quoted_ids_survive_arrays_changed_by_another_thread(c):
    buffer = b"".join(b"91%016d\tA\n" % i for i in range(1000))
    pool = fast._scan_python(buffer, "seed", ("A",), True)
    starts = np.arange(1000, dtype=np.uint64) * np.uint64(21)
    lens = np.full(1000, 18, dtype=np.uint16)
    order = np.zeros(200_000, dtype=np.int64)
    bad = np.full(order.size, 2**40, dtype=np.int64)
    good = np.arange(order.size, dtype=np.int64) % 1000
    into = bytearray(21 * order.size)
    flip = [False]

    def mutate():
        flip[0] = not flip[0]
        np.copyto(order, bad if flip[0] else good)  # numpy copies without the GIL
        np.copyto(starts, starts[::-1].copy() * np.uint64(1000 if flip[0] else 1))

    def call():
        c.quoted_ids_into(pool.buffer, starts, lens, order, into)
        c.quoted_ids_into(pool.buffer, starts, lens, order, into, 21, 18)

    _racing(mutate, call, rounds=40)


def test_scan_into_rejects_what_it_cannot_write(c):
    data = b"91A\tA\n91B\tA\n"
    prefix = _seed_prefix("seed")
    out = [np.zeros(2, np.uint64), np.zeros(2, np.uint8), np.zeros(2, np.uint64),
           np.zeros(2, np.uint16)]
    assert c.scan_into(data, prefix, (b"A",), True, *out, 0) is None
    for i, wrong in ((0, np.zeros(2, np.int32)), (1, np.zeros(2, np.int8)),
                     (2, np.zeros(2, np.float64)), (3, np.zeros(4, np.uint8)),
                     (0, bytes(16)), (0, np.zeros(4, np.uint64)[::2])):
        args = list(out)
        args[i] = wrong
        with pytest.raises(CLEAN):
            c.scan_into(data, prefix, (b"A",), True, *args, 0)
    with pytest.raises(TypeError, match="labels are bytes"):
        c.scan_into(data, prefix, ("A",), True, *out, 0)
    with pytest.raises(ValueError, match="line feed"):
        c.scan_into(data[:-1], prefix, (b"A",), True, *out, 0)
