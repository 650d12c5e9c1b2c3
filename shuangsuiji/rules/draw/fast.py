"""Draw order for large pools: keys by C (when built) or Python, sorted by numpy; the same
result as tickets.py.

`_fastpool` is optional; without it everything falls back to the pure Python code, each C
function's Python equivalent here beside its caller (the tests call both and compare).
SHUANGSUIJI_PURE_PYTHON=1 in the environment when this module is first imported leaves the
C module unused, as on a machine where it could not be built.
"""

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np

from ..canonical import canonical_json
from .tickets import _seed_prefix, prefix_keys, ticket


def _c_module() -> Any:
    """The C fast path, or None when it is not built or SHUANGSUIJI_PURE_PYTHON=1."""
    if os.environ.get("SHUANGSUIJI_PURE_PYTHON", "") == "1":
        return None
    try:
        from . import _fastpool
    except ImportError:  # no compiler or OpenSSL headers at install time
        return None
    return _fastpool


_fastpool = _c_module()  # read once, never switched afterwards (threads read it)

AVAILABLE = _fastpool is not None


@dataclass
class ScannedPool:
    """A pool buffer of "ID\\tSTRATUM\\n" lines with each line's key, stratum and ID position.

    When every line is as long (`line_length`: IDs all 统一社会信用代码, strata labels all as
    long: most pools), row r's ID is the `longest_id` bytes at r * line_length, and `starts`
    and `lens` are let go (left empty): ten bytes a candidate, 100 MB of ten million, that
    the draw's orders would otherwise find still in memory.
    """

    buffer: bytes
    labels: tuple[str, ...]
    keys: np.ndarray
    codes: np.ndarray
    starts: np.ndarray
    lens: np.ndarray
    longest_id: int = field(init=False)
    line_length: int = field(init=False)

    def __post_init__(self) -> None:
        self.longest_id = int(self.lens.max()) if self.lens.size else 0
        self.line_length = self._line_length()
        if self.line_length:
            # new empty arrays: an empty view would keep the whole array alive
            self.starts = np.empty(0, dtype=self.starts.dtype)
            self.lens = np.empty(0, dtype=self.lens.dtype)

    def _line_length(self) -> int:
        n = int(self.keys.size)
        if not n or int(self.lens.min()) != self.longest_id or len(self.buffer) % n:
            return 0
        length = len(self.buffer) // n
        widths = {len(label.encode()) for label in self.labels}
        if len(widths) > 1:  # only the labels in use count (a count per label: slower)
            present = np.flatnonzero(np.bincount(self.codes, minlength=len(self.labels)))
            widths = {len(self.labels[c].encode()) for c in present.tolist()}
        return length if widths == {length - self.longest_id - 2} else 0

    def ident(self, row: int) -> str:
        if self.line_length:
            start, n = int(row) * self.line_length, self.longest_id
        else:
            start, n = int(self.starts[row]), int(self.lens[row])
        return self.buffer[start:start + n].decode("utf-8")

    def idents(self, rows: np.ndarray) -> list[str]:
        """The IDs of these rows, in their order."""
        buffer = self.buffer
        if self.line_length:
            n = self.longest_id
            return [buffer[start:start + n].decode("utf-8")
                    for start in (np.asarray(rows, dtype=np.int64) * self.line_length).tolist()]
        return [buffer[start:start + n].decode("utf-8")
                for start, n in zip(self.starts[rows].tolist(), self.lens[rows].tolist(),
                                    strict=True)]

    def rows_of(self, label: str) -> np.ndarray:
        return np.flatnonzero(self.codes == self.labels.index(label))


class PoolOrderError(ValueError):
    """A frozen pool's lines out of byte order, or one ID on two lines (protocol §1)."""


class UnknownStratum(ValueError):
    """A line's stratum is not among those given."""


def _c_error(exc: ValueError) -> ValueError:
    """The C scan's ValueError as the class its message names."""
    text = str(exc)
    if "byte order" in text or "repeats" in text:
        return PoolOrderError(text)
    if "unknown stratum" in text:
        return UnknownStratum(text)
    return exc


# Pools at least this large are scanned by two threads (the C scan runs without the GIL).
PARALLEL_SCAN_BYTES = 8 << 20


def scan(buffer: bytes, seed: str, labels: Sequence[str], *, sorted_pool: bool = True
         ) -> ScannedPool:
    """Keys, strata and ID positions of every line; with `sorted_pool` (a frozen pool), also
    proof that the lines are in byte order, or ValueError."""
    if _fastpool is None:
        return _scan_python(buffer, seed, tuple(labels), sorted_pool)
    return _scan_c(_fastpool, buffer, seed, tuple(labels), sorted_pool)


def _scan_c(c: Any, buffer: bytes, seed: str, labels: tuple[str, ...], sorted_pool: bool, *,
            sha: bool = True) -> ScannedPool:
    """scan() by the C module `c`; with `sha` false, no ticket hashed by the CPU's SHA
    instructions (all by OpenSSL)."""
    prefix, encoded = _seed_prefix(seed), tuple(lb.encode() for lb in labels)
    parts = _halves(buffer) if len(buffer) >= PARALLEL_SCAN_BYTES else [(0, len(buffer))]
    view = memoryview(buffer)
    firsts = [0]
    for start, end in parts:
        firsts.append(firsts[-1] + buffer.count(b"\n", start, end))
    n = firsts[-1]
    keys, codes = np.empty(n, np.uint64), np.empty(n, np.uint8)
    starts, lens = np.empty(n, np.uint64), np.empty(n, np.uint16)

    def scan_part(i: int) -> None:
        (start, end), rows = parts[i], slice(firsts[i], firsts[i + 1])
        c.scan_into(view[start:end], prefix, encoded, sorted_pool, keys[rows], codes[rows],
                    starts[rows], lens[rows], start, sha)

    with ThreadPoolExecutor(len(parts)) as threads:
        try:
            list(threads.map(scan_part, range(len(parts))))
        except ValueError as exc:
            raise _c_error(exc) from exc
    if sorted_pool and len(parts) == 2:
        split = parts[1][0]
        last = buffer.rfind(b"\n", 0, split - 1) + 1
        before, after = buffer[last:split], buffer[split:buffer.index(b"\n", split) + 1]
        if before >= after:
            raise PoolOrderError("the pool's lines are not in byte order at its middle")
        if before.split(b"\t", 1)[0] == after.split(b"\t", 1)[0]:
            raise PoolOrderError("a line repeats the ID of the line before at the pool's middle")
    return ScannedPool(buffer, labels, keys, codes, starts, lens)


def check_sorted(buffer: bytes) -> None:
    """PoolOrderError unless the pool's lines are in byte order, each ID once (§1); a
    ValueError for a line without a tab."""
    bad = first_unsorted(buffer)
    if bad < 0:
        raise ValueError(f"line {-bad} of the pool is not ID<TAB>STRATUM")
    if bad:
        raise PoolOrderError(f"line {bad} of the pool is not in byte order after the one "
                             "before, or repeats its ID")


def first_unsorted(buffer: bytes) -> int:
    """The 1-based number of the first line that does not sort after the one before (lines
    compared with their LF, as sorted_lines sorts them) or repeats its ID, negated for a line
    without a tab; or 0."""
    if _fastpool is not None:
        return int(_fastpool.first_unsorted(buffer))
    return first_unsorted_python(buffer)


def first_unsorted_python(buffer: bytes) -> int:
    parts = bytes(buffer).split(b"\n")
    last = parts.pop()  # b"" when the buffer ends with a LF
    lines = [part + b"\n" for part in parts] + ([last] if last else [])
    prev = prev_id = None
    for row, line in enumerate(lines, start=1):
        ident, tab, _rest = line.partition(b"\t")
        if not tab:
            return -row
        if prev is not None and (prev >= line or prev_id == ident):
            return row
        prev, prev_id = line, ident
    return 0


def in_byte_order(buffer: bytes) -> bool:
    """Whether check_sorted passes."""
    try:
        check_sorted(buffer)
    except ValueError:
        return False
    return True


def _check_order_python(lines: list[bytes]) -> None:
    """What the C scan proves of a frozen pool: lines in byte order (with their LF, as
    sorted_lines sorts them), each ID once."""
    if any(a + b"\n" >= b + b"\n" for a, b in pairwise(lines)):
        raise PoolOrderError("the pool's lines are not in byte order")
    if any(a.partition(b"\t")[0] == b.partition(b"\t")[0] for a, b in pairwise(lines)):
        raise PoolOrderError("a line repeats the ID of the line before")


def line_ranges(buffer: bytes, size: int) -> Iterator[tuple[int, int]]:
    """[start, end) ranges of whole lines covering the buffer, each ending at the first line
    end after `size` bytes (but the last)."""
    at = 0
    while at < len(buffer):
        end = buffer.find(b"\n", min(at + size, len(buffer)) - 1) + 1 or len(buffer)
        yield at, end
        at = end


def _halves(buffer: bytes) -> list[tuple[int, int]]:
    """Two ranges of whole lines of about equal size."""
    split = buffer.find(b"\n", len(buffer) // 2) + 1
    if split <= 0 or split >= len(buffer):
        return [(0, len(buffer))]
    return [(0, split), (split, len(buffer))]


def _scan_python(buffer: bytes, seed: str, labels: tuple[str, ...], sorted_pool: bool
                 ) -> ScannedPool:
    ids: list[str] = []
    codes: list[int] = []
    starts: list[int] = []
    lens: list[int] = []
    pos = 0
    index = {label: i for i, label in enumerate(labels)}
    if buffer and not buffer.endswith(b"\n"):
        raise ValueError("the pool must end with a line feed")
    lines = buffer.split(b"\n")[:-1]
    if sorted_pool:
        _check_order_python(lines)
    for line in lines:
        ident, tab, stratum = line.partition(b"\t")
        if not tab or len(ident) > 65535:
            raise ValueError(f"line {len(ids) + 1} is not ID<TAB>STRATUM")
        ids.append(ident.decode("utf-8"))
        if stratum.decode("utf-8") not in index:
            raise UnknownStratum(f"line {len(ids)} has an unknown stratum")
        codes.append(index[stratum.decode("utf-8")])
        starts.append(pos)
        lens.append(len(ident))
        pos += len(line) + 1
    return ScannedPool(buffer, labels, np.array(prefix_keys(ids, seed), dtype=np.uint64),
                       np.array(codes, dtype=np.uint8), np.array(starts, dtype=np.uint64),
                       np.array(lens, dtype=np.uint16))


def stratum_order(pool: ScannedPool, label: str, seed: str) -> np.ndarray:
    """The rows of one stratum in draw order: by key, keys alike settled on full (ticket, ID).

    Each row is packed with its key's high bits into one word (the row in the low bits), and
    the words are sorted: numpy's sort moves one word per row (0.26 s for ten million on
    this machine's AVX-512, against 0.54 s for a radix sort of our own in C), and the packed
    rows keep words of equal high bits in row order. Those, a few in millions, are then
    settled on (key, ticket, ID); equal keys are equal tickets' first 19 digits (tickets.py).
    """
    rows = pool.rows_of(label)
    low = max(int(pool.keys.size - 1).bit_length(), 1)
    words = pool.keys[rows]
    words &= np.uint64(((1 << 64) - 1) ^ ((1 << low) - 1))
    words |= rows.view(np.uint64)
    words.sort()
    alike = np.flatnonzero((words[1:] ^ words[:-1]) < np.uint64(1 << low))  # high bits alike
    words &= np.uint64((1 << low) - 1)
    order = words.view(np.int64)  # in place: no copy of a stratum of millions
    return _settled(pool, order, _runs(alike), seed) if alike.size else order


def _settled(pool: ScannedPool, order: np.ndarray, runs: list[tuple[int, int]], seed: str
             ) -> np.ndarray:
    """`order` with each run [start, end] ordered by (key, ticket, ID)."""
    for start, end in runs:
        segment = order[start:end + 1].tolist()
        segment.sort(key=lambda r: (int(pool.keys[r]), ticket(pool.ident(r), seed),
                                    pool.ident(r)))
        order[start:end + 1] = segment
    return order


def _runs(ties: np.ndarray) -> list[tuple[int, int]]:
    """Index ranges [start, end] of equal neighbours, from positions i where a[i] == a[i+1]."""
    runs: list[tuple[int, int]] = []
    for i in ties.tolist():
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs


def quoted_lines_into(lines: memoryview, into: bytearray) -> bytes | memoryview:
    """The JSON array body of pool lines (each without its LF): written into `into` (room
    for three bytes a byte of `lines`) by the C fast path, else made in Python."""
    if _fastpool is not None:
        return memoryview(into)[:_fastpool.quoted_lines_into(lines, into)]
    return quoted_lines_python(lines)


def quoted_lines_python(lines: Any) -> bytes:
    text = bytes(lines).decode("utf-8").split("\n")
    if text[-1] == "":  # the last line's LF
        text.pop()
    return canonical_json(text)[1:-1].encode("utf-8")


def quoted_ids_into(pool: ScannedPool, rows: np.ndarray, into: bytearray
                    ) -> bytes | memoryview:
    """The JSON array body of the IDs at `rows`: written into `into` (room for the longest ID
    and three bytes a row) by the C fast path, else made in Python."""
    if _fastpool is not None:
        # numpy arrays go in as buffers: no copies of the pool's offsets per stratum
        return memoryview(into)[:_fastpool.quoted_ids_into(
            pool.buffer, pool.starts, pool.lens, np.ascontiguousarray(rows, dtype=np.int64), into,
            pool.line_length, pool.longest_id)]
    return quoted_ids_python(pool, rows)


def quoted_ids_python(pool: ScannedPool, rows: np.ndarray) -> bytes:
    return canonical_json(pool.idents(rows))[1:-1].encode("utf-8")


def draw_order(identifiers: Sequence[str], seed: str) -> list[str]:
    """tickets.draw_order through the fast path."""
    if not identifiers:
        return []
    buffer = ("\t_\n".join(identifiers) + "\t_\n").encode("utf-8")
    pool = scan(buffer, seed, ("_",), sorted_pool=False)
    order = stratum_order(pool, "_", seed)
    return [identifiers[i] for i in order.tolist()]
