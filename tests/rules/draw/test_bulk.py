"""The bulk path (C keys, numpy order, streamed record) gives the same bytes as the engine."""

import io
import json
from functools import partial

import numpy as np
import pytest

from shuangsuiji.rules.canonical import canonical_json
from shuangsuiji.rules.draw import bulk, fast, plain_arrays
from shuangsuiji.rules.draw.bulk import bulk_draw, rewrite_record, write_record
from shuangsuiji.rules.draw.engine import Conflict
from shuangsuiji.rules.draw.pools import Candidate, candidate_line, inspector_line, sorted_lines
from shuangsuiji.rules.draw.sizes import StratumRule
from shuangsuiji.rules.draw.tickets import draw_order, prefix_keys, ticket
from shuangsuiji.rules.draw.verify import verify

from .helpers import (
    CEREMONY,
    DEPARTMENTS,
    SECRET,
    c_draw_order,
    c_module,
    candidates,
    inspectors,
    make_record,
    run_without_the_c_module,
)


@pytest.mark.parametrize(("n", "threads_from", "pieces", "x_ids"),
                         [(37, fast.PARALLEL_SCAN_BYTES, False, False), (3000, 1, False, False),
                          (3000, 1, True, False), (3000, 1, True, True)])
def test_the_bulk_record_is_byte_identical_to_the_engine_record(monkeypatch, *, n, threads_from,
                                                                pieces, x_ids):
    """Also with IDs of other lengths than the 统一社会信用代码's (x_ids): the lines are not all
    as long, and the IDs are found through their offsets. By the C module when it is in use;
    test_..._without_the_c_module runs this without it."""
    monkeypatch.setattr(fast, "PARALLEL_SCAN_BYTES", threads_from)  # 1: scanned in two halves
    if pieces:  # every big array written in many pieces, made ahead by two threads
        monkeypatch.setattr(bulk, "_PIECE_BYTES", 100)
        monkeypatch.setattr(bulk, "_PIECE_IDS", 7)
    pool = candidates(n)
    if x_ids:
        pool[5::7] = [Candidate(f"X-{i}", c.stratum) for i, c in enumerate(pool[5::7])]
    conflicts = [Conflict("E001", pool[0].id, "kinship")]
    rules = {"A": StratumRule(ratio="15"), "B": StratumRule(count=4),
             "C": StratumRule(ratio="2.5"), "D": StratumRule(ratio="100")}
    reference = make_record(pool=pool, rules=rules, conflicts=conflicts)
    buffer = "".join(sorted_lines(candidate_line(c) for c in pool)).encode()
    scanned = fast.scan(buffer, "s", "ABCD")
    assert (scanned.line_length == 0) == x_ids
    # lines of one length: IDs found by their row alone, their offsets let go
    assert (scanned.starts.size == scanned.lens.size == 0) == (not x_ids)
    assert scanned.starts.base is None and scanned.lens.base is None  # nor kept as views
    insp_lines = [line.rstrip("\n") for line in sorted_lines(inspector_line(i)
                                                             for i in inspectors())]
    draw = bulk_draw(pool_buffer=buffer, seed=reference["seed"], rules=rules,
                     inspectors=inspectors(), departments=DEPARTMENTS, conflicts=conflicts)
    inputs = dict(
        draw=draw, task=reference["task"], pool_digest=reference["pool"]["digest"],
        inspector_lines=insp_lines, inspector_digest=reference["inspector_pool"]["digest"],
        server_secret=SECRET, commitment=reference["commitment"], ceremony_input=CEREMONY,
        witnesses=reference["ceremony"]["witnesses"],
        ceremony_source=reference["ceremony"]["source"], seed=reference["seed"], rules=rules,
        departments=DEPARTMENTS, lookback_days=365, conflicts=conflicts,
        drawn_at=reference["drawn_at"])
    out = io.BytesIO(b"before")  # a record written after other bytes keeps them
    out.seek(0, io.SEEK_END)
    written = write_record(out, **inputs)
    assert out.getvalue() == b"before" + canonical_json(reference).encode("utf-8")
    assert written.digest == reference["record_digest"]
    assert verify(json.loads(out.getvalue()[6:])) is None
    # The draw itself only hashes the record; the same digest and head, no bytes kept.
    hashed = write_record(None, **inputs)
    assert (hashed.digest, hashed.head) == (written.digest, written.head)
    assert "lines" not in hashed.head["pool"] and "standby" not in hashed.head
    # ...and the file is made again, byte for byte, from the head and the frozen pool.
    again = io.BytesIO()
    assert rewrite_record(again, head=hashed.head, pool_buffer=buffer) == written.digest
    assert again.getvalue() == out.getvalue()[6:]


@pytest.mark.skipif(not fast.AVAILABLE, reason="without the C module the test above is this")
def test_the_bulk_record_is_byte_identical_without_the_c_module():
    """The whole bulk path in Python (SHUANGSUIJI_PURE_PYTHON=1, read at import: another
    process), as on a machine where the C module could not be built."""
    summary = run_without_the_c_module(
        f"{__file__}::test_the_bulk_record_is_byte_identical_to_the_engine_record")
    assert summary.startswith("4 passed"), summary


def test_the_c_keys_order_equals_the_python_order():
    c = c_module()
    ids = [f"9114{i:014d}" for i in range(20000)] + [f"X-{i}" for i in range(500)]
    for seed in ("a" * 64, "ff" * 32):
        assert c_draw_order(c, ids, seed) == draw_order(ids, seed)


def test_the_python_fallback_scan_equals_the_python_draw_order():
    ids = [f"9114{i:014d}" for i in range(3000)]
    buffer = ("\t_\n".join(ids) + "\t_\n").encode()
    pool = fast._scan_python(buffer, "seed", ("_",), False)
    order = fast.stratum_order(pool, "_", "seed")
    assert [ids[i] for i in order.tolist()] == draw_order(ids, "seed")


@pytest.fixture(params=["c", "python"])
def scanner(request):
    """fast.scan's two ways, each called as itself (the module's choice is never switched)."""
    if request.param == "c":
        return partial(fast._scan_c, c_module())
    return fast._scan_python


@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_a_pool_out_of_byte_order_is_refused(monkeypatch, scanner, where):
    """A frozen pool read back in another order must not be digested and drawn."""
    monkeypatch.setattr(fast, "PARALLEL_SCAN_BYTES", 1)
    lines = [f"9114{i:014d}\tA\n" for i in range(101)]
    swap = {"start": 0, "middle": 49, "end": 99}[where]  # 49/50: the halves' boundary
    lines[swap], lines[swap + 1] = lines[swap + 1], lines[swap]
    with pytest.raises(ValueError, match="byte order"):
        scanner("".join(lines).encode(), "seed", ("A",), True)
    assert scanner("".join(sorted(lines)).encode(), "seed", ("A",), True).keys.size == 101


def _reference_order(pool, label, seed):
    return sorted(pool.rows_of(label).tolist(),
                  key=lambda r: (int(pool.keys[r]), ticket(pool.ident(r), seed), pool.ident(r)))


@pytest.mark.parametrize("size", [30_000, 40, 1, 0])
@pytest.mark.parametrize("below", [10**19, 2**20, 2])
def test_a_stratum_is_ordered_by_key_then_full_ticket_and_id(size, below):
    """Keys as they come (uniform below 10^19) and crowded below 2^20 or 2: every key's high
    bits alike, the words ordered on the rows packed in them and settled on the full keys."""
    ids = [f"9114{i:014d}" for i in range(size)]
    buffer = "".join(f"{ident}\t{'ABC'[i % 7 % 3]}\n" for i, ident in enumerate(ids)).encode()
    pool = fast._scan_python(buffer, "seed", ("A", "B", "C", "D"), True)
    pool.keys[:] = np.random.default_rng(size).integers(0, below, size, dtype=np.uint64)
    if size > 9:
        pool.keys[::7] = pool.keys[3]  # equal keys: settled on full tickets
        pool.keys[5] = pool.keys[9] ^ np.uint64(1)  # the same high bits, other keys
        pool.keys[1] = np.uint64(10**19 - 1)
    for label in "ABCD":
        assert fast.stratum_order(pool, label, "seed").tolist() == _reference_order(
            pool, label, "seed")


@pytest.mark.parametrize("way", ["c", "python"])
def test_a_frozen_pool_is_checked_for_order_and_repeated_ids(way):
    first_unsorted = c_module().first_unsorted if way == "c" else fast.first_unsorted_python
    scan = partial(fast._scan_c, c_module()) if way == "c" else fast._scan_python
    good = b"91A\tA\n91A0\tB\n91B\tA\n"
    assert first_unsorted(good) == 0
    assert scan(good, "seed", ("A", "B"), True).keys.size == 3
    for bad in (b"91B\tA\n91A\tA\n", b"91A\tA\n91A\tB\n"):  # out of order; one ID twice
        assert first_unsorted(bad) == 2
        with pytest.raises(fast.PoolOrderError):
            scan(bad, "seed", ("A", "B"), True)
    assert first_unsorted(b"91A\tA\n91B\n") == -2
    # lines compare with their LF, as sorted_lines sorts them: "A\x01" sorts before "A\n"
    assert first_unsorted(b"91A\tA\n91A0\tA\x01\n") == 0
    assert first_unsorted(b"91A\tA\x01\n91A\tA\n") == 2


def test_check_sorted_raises_on_what_first_unsorted_finds():
    fast.check_sorted(b"91A\tA\n91A0\tB\n91B\tA\n")
    assert fast.in_byte_order(b"91A\tA\n91B\tA\n")
    for bad in (b"91B\tA\n91A\tA\n", b"91A\tA\n91A\tB\n"):
        with pytest.raises(fast.PoolOrderError, match="line 2"):
            fast.check_sorted(bad)
        assert not fast.in_byte_order(bad)
    with pytest.raises(ValueError, match="ID<TAB>STRATUM"):
        fast.check_sorted(b"91A\tA\n91B\n")


@pytest.mark.parametrize("sha_instructions", [True, False])
def test_c_ticket_keys_equal_python_keys_for_ids_of_every_length(sha_instructions):
    """Tickets are hashed with the CPU's SHA instructions where it has them, in pairs, and by
    OpenSSL for IDs longer than one block or without them: every way gives Python's keys."""
    c = c_module()
    assert isinstance(c.sha_instructions(), bool)
    ids = sorted({f"9114{'7' * size}{i}"[:size + 1] for size in range(70) for i in range(3)})
    buffer = "".join(f"{i}\tA\n" for i in ids).encode()
    for seed in ("a" * 64, "seed"):
        pool = fast._scan_c(c, buffer, seed, ("A",), True, sha=sha_instructions)
        assert pool.keys.tolist() == prefix_keys(ids, seed)


class _Way:
    """The record's array functions, the C module's or their Python equivalents."""

    def __init__(self, way):
        if way == "c":
            c = c_module()
            self.quoted_lines = lambda pool: bytes(
                (out := bytearray(3 * len(pool)))[:c.quoted_lines_into(pool, out)])
            self.unquote_lines, self.count_plain = c.unquote_lines, c.count_plain
        else:
            self.quoted_lines = fast.quoted_lines_python
            self.unquote_lines = plain_arrays.unquote_lines_python
            self.count_plain = plain_arrays.count_plain_python


@pytest.mark.parametrize("way", ["c", "python"])
def test_unquoting_a_records_lines_gives_the_pool_back_or_none_when_not_plain(way):
    """And counting its strings, or -1: the same check."""
    f = _Way(way)
    pool = "".join(f"9114{i:014d}\t{'ABU'[i % 3]}\n" for i in range(1000)).encode()
    body = f.quoted_lines(pool)
    assert f.unquote_lines(body) == pool
    assert f.unquote_lines(b"") == b""
    for bad in (b'"a\\nB"', b'"a",', b'"a""b"', '"甲"'.encode(), b'"a\\', b'"a', b'a"',
                b'"a\x01"', b',"a"'):
        assert f.unquote_lines(bad) is None, bad
    # the same strings amid long bodies (read 32 bytes at a time there), and long lines
    half = len(body) // 2
    cut = body.index(b',"', half)
    for bad in (b'"a\\nB"', b'"a\\"', b'"a\\\\t"', '"甲"'.encode(), b'"a\x01"', b'"a\x7f"',
                b'"a"b"'):
        assert f.unquote_lines(body[:cut] + b"," + bad + body[cut:]) is None, bad
        assert f.count_plain(body[:cut] + b"," + bad + body[cut:], True) == -1
    before, after = (f.unquote_lines(part) for part in (body[:cut], body[cut + 1:]))
    for good, line in ((b'"' + b"x" * 40 + b'\\tA"', b"x" * 40 + b"\tA\n"), (b'"a"', b"a\n"),
                       (b'"' + b"y" * 29 + b'\\t"', b"y" * 29 + b"\t\n"),
                       (b'"a\\tB\\tC"', b"a\tB\tC\n")):
        assert f.unquote_lines(body[:cut] + b"," + good + body[cut:]) == (
            before + line + after), good
        assert f.count_plain(body[:cut] + b"," + good + body[cut:], True) == 1001
    ids = b",".join(b'"9114%014d"' % i for i in range(1000))
    assert f.count_plain(ids, False) == 1000
    assert f.count_plain(ids + b',"a\\tB"', True) == 1001
    at = ids.index(b",", len(ids) // 2)  # IDs have no tabs
    assert f.count_plain(ids[:at] + b',"a\\tB"' + ids[at:], False) == -1
