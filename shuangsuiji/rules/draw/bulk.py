"""The draw of a pool of millions, straight from the database's COPY output.

Same protocol, same record bytes as engine.run_draw + record.build_record + canonical_json
(tests/rules/draw/test_bulk.py compares them byte for byte), without a Python object per
candidate: the pool stays one bytes buffer of "ID\\tSTRATUM\\n" lines, keys and orders are
numpy arrays filled and sorted by the C fast path, which also writes the record's big
arrays.
"""

import hashlib
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import IO, Any

import numpy as np

from ..canonical import canonical_json
from . import fast
from .engine import Conflict, DepartmentSpec, DrawnTarget, Group, GroupMatcher, ticket_order
from .pools import PoolInspector
from .record import record_layout
from .sizes import StratumRule, sample_size
from .spliced import segments, sentinel
from .tickets import ticket


@dataclass
class BulkStratum:
    n: int
    k: int
    drawn: list[DrawnTarget]
    standby_rows: np.ndarray


@dataclass
class BulkDraw:
    pool: fast.ScannedPool
    strata: dict[str, BulkStratum]
    groups: list[Group]

    @property
    def drawn(self) -> list[DrawnTarget]:
        return [t for label in sorted(self.strata) for t in self.strata[label].drawn]


def bulk_draw(*, pool_buffer: bytes, seed: str, rules: Mapping[str, StratumRule],
              inspectors: Sequence[PoolInspector], departments: Sequence[DepartmentSpec],
              conflicts: Iterable[Conflict]) -> BulkDraw:
    labels = tuple(sorted(rules))
    pool = fast.scan(pool_buffer, seed, labels)
    orders = stratum_orders(pool, seed)
    strata: dict[str, BulkStratum] = {}
    for label in labels:
        order = orders[label]
        k = sample_size(len(order), rules[label])
        drawn = [DrawnTarget(ident, label, ticket(ident, seed), pos)
                 for pos, ident in enumerate(pool.idents(order[:k]), start=1)]
        strata[label] = BulkStratum(len(order), k, drawn, order[k:])
    matcher = GroupMatcher(inspectors, departments, conflicts, seed)
    groups: list[Group] = []
    for target in ticket_order(t for s in strata.values() for t in s.drawn):
        groups.extend(matcher.groups_for(target.id))
    return BulkDraw(pool, strata, groups)


def stratum_orders(pool: fast.ScannedPool, seed: str) -> dict[str, np.ndarray]:
    """Each stratum's rows in draw order; each stratum sorted in a thread of its own (the
    sorts run without the GIL)."""
    with ThreadPoolExecutor(2) as threads:
        return dict(zip(pool.labels, threads.map(
            lambda label: fast.stratum_order(pool, label, seed), pool.labels), strict=True))


def write_record(out: IO[bytes] | None, *, draw: BulkDraw, task: Mapping[str, str],
                 pool_digest: str, inspector_lines: Sequence[str], inspector_digest: str,
                 server_secret: str, commitment: str, ceremony_input: str, witnesses: Sequence[str],
                 ceremony_source: str, seed: str, rules: Mapping[str, StratumRule],
                 departments: Sequence[DepartmentSpec], lookback_days: int,
                 conflicts: Sequence[Conflict], drawn_at: str,
                 pool_strata: Mapping[str, int] | None = None) -> "WrittenRecord":
    """The canonical full record: its record_digest and the record without its big arrays,
    written to `out` too unless it is None (the platform keeps the head and the frozen pool,
    and makes the file again when it is asked for: rewrite_record).

    The layout is record.record_layout's; only the big arrays are made here, as bytes.
    `pool_strata` as frozen; by default the non-empty strata of the pool.
    """
    pool = draw.pool
    record, big = _big_arrays_spliced(
        record_layout(
            task=task, pool_digest=pool_digest, pool_size=int(pool.keys.size),
            pool_strata=pool_strata if pool_strata is not None else {
                label: s.n for label, s in draw.strata.items() if s.n},
            pool_lines=[], inspector_lines=inspector_lines, inspector_digest=inspector_digest,
            server_secret=server_secret, commitment=commitment, ceremony_input=ceremony_input,
            witnesses=witnesses, ceremony_source=ceremony_source, seed=seed, rules=rules,
            strata=draw.strata, drawn=draw.drawn, standby={label: [] for label in draw.strata},
            departments=departments, lookback_days=lookback_days, conflicts=conflicts,
            groups=draw.groups, drawn_at=drawn_at),
        pool, {label: stratum.standby_rows for label, stratum in draw.strata.items()})
    record_digest = _emit(out, record, big)
    return WrittenRecord(record_digest, dict(_head(record), record_digest=record_digest))


def rewrite_record(out: IO[bytes], *, head: Mapping[str, Any], pool_buffer: bytes) -> str:
    """Write the full record as drawn again, from the record without its big arrays (`head`,
    as write_record returned it) and the frozen pool; return the digest of what was written,
    which is head's record_digest unless the pool or the head changed since the draw."""
    seed, strata = head["seed"], head["strata"]
    pool = fast.scan(pool_buffer, seed, tuple(sorted(strata)))
    orders = stratum_orders(pool, seed)
    record = {key: value for key, value in head.items() if key != "record_digest"}
    return _emit(out, *_big_arrays_spliced(dict(record, replacements=[]), pool, {
        label: orders[label][strata[label]["k"]:] for label in strata}))


def _big_arrays_spliced(record: Mapping[str, Any], pool: fast.ScannedPool,
                        standby_rows: Mapping[str, np.ndarray]
                        ) -> tuple[dict[str, Any], dict[str, list["Piece"]]]:
    """`record` with a sentinel standing for the pool's lines and for each standby list, and
    the pieces that make each one's bytes."""
    pool_sentinel = sentinel("pool")
    standby = {label: sentinel("standby:" + label) for label in sorted(standby_rows)}
    big: dict[str, list[Piece]] = {pool_sentinel: _pool_line_pieces(pool)}
    for label, rows in standby_rows.items():
        big[standby[label]] = id_pieces(pool, rows)
    return dict(record, pool=dict(record["pool"], lines=[pool_sentinel]),
                standby={label: [mark] for label, mark in standby.items()}), big


def _head(record: Mapping[str, Any]) -> dict[str, Any]:
    """What a database row can hold: the record without its pool's lines and standby lists."""
    pool = {key: value for key, value in record["pool"].items() if key != "lines"}
    return {key: value for key, value in record.items() if key != "standby"} | {"pool": pool}


def _emit(out: IO[bytes] | None, record: dict[str, Any], big: Mapping[str, list["Piece"]]
          ) -> str:
    """The record_digest of `record` with each big array's pieces spliced in for its
    sentinel, and the record with its digest written to `out` unless it is None."""
    without = segments(canonical_json(record), big)
    within = without if out is None else segments(
        canonical_json(dict(record, record_digest=_PLACEHOLDER)), big)
    digest = hashlib.sha256()
    start = out.tell() if out is not None else 0
    placeholder_at = -1
    # One pass, in pieces of a few megabytes: pieces are made ahead by a thread (in C,
    # without the GIL, into buffers used over and over: fresh memory for each piece costs
    # more than making it) while the one before is hashed and written (at the same time:
    # both release the GIL; a second maker only took turns with them on two cores: 0.55 s
    # against 0.51 s for ten million); memory holds a few pieces, never a whole array. The digest
    # goes over the record without `record_digest`; the file gets it, as a placeholder
    # patched at the end.
    pieces = [piece for _text, key in without if key for piece in big[key]]
    slots = [bytearray(max((p.bound for p in pieces), default=0))
             for _ in range(min(_AHEAD + 1, len(pieces)))]
    write = out.write if out is not None else _discard

    def make(index: int) -> bytes | memoryview:
        return pieces[index].make(slots[index % len(slots)])

    with ThreadPoolExecutor(1) as makers, ThreadPoolExecutor(1) as hasher:
        ahead = deque(makers.submit(make, index) for index in range(min(_AHEAD, len(pieces))))
        queued = len(ahead)
        written = 0
        for (text_out, key), (text_in, _key) in zip(without, within, strict=True):
            digest.update(text_out.encode("utf-8"))
            if _PLACEHOLDER in text_in:
                placeholder_at = written + len(text_in[:text_in.index(_PLACEHOLDER)].encode())
            written += write(text_in.encode("utf-8"))
            for index in range(len(big[key]) if key else 0):
                body = ahead.popleft().result()
                if index:
                    digest.update(b",")
                    written += write(b",")
                hashed = hasher.submit(digest.update, body)  # hashed while it is written
                written += write(body)
                hashed.result()
                del body
                if queued < len(pieces):  # into the slot of the piece before this one
                    ahead.append(makers.submit(make, queued))
                    queued += 1
    record_digest = digest.hexdigest()
    if out is not None:
        out.seek(start + placeholder_at)
        out.write(record_digest.encode("ascii"))
        out.seek(start + written)
    return record_digest


def _discard(data: bytes | memoryview) -> int:
    return len(data)


@dataclass
class WrittenRecord:
    digest: str
    # What a database row can hold: the record without its pool's lines and standby lists.
    head: dict[str, Any]


_PLACEHOLDER = "0" * 64  # as long as a digest, so the record's bytes do not move


# Pieces of the big arrays: about this many bytes of pool, or IDs, each (a piece is made,
# hashed and written while it is still in the CPU's cache); made this many ahead.
_PIECE_BYTES = 2 << 20
_PIECE_IDS = 100_000
_AHEAD = 3


@dataclass(frozen=True)
class Piece:
    """A part of a big array's JSON body: `make(buffer)` writes it into `buffer` (at least
    `bound` bytes long) and returns the part of it written, or returns it as bytes."""

    make: Callable[[bytearray], bytes | memoryview]
    bound: int


def _pool_line_pieces(pool: fast.ScannedPool) -> list[Piece]:
    """The JSON array body of the pool's lines, in pieces cut at line ends."""
    view = memoryview(pool.buffer)
    # each line loses its LF and gains two quotes, a comma and a backslash per tab
    return [Piece(partial(_pool_lines, view[at:end]), 3 * (end - at))
            for at, end in fast.line_ranges(pool.buffer, _PIECE_BYTES)]


def id_pieces(pool: fast.ScannedPool, rows: np.ndarray) -> list[Piece]:
    """The JSON array body of the IDs at `rows`, in pieces (joined by commas)."""
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    longest = pool.longest_id
    return [Piece(partial(_ids, pool, rows[at:at + _PIECE_IDS]),
                  (longest + 3) * min(_PIECE_IDS, rows.size - at))
            for at in range(0, rows.size, _PIECE_IDS)]


def _pool_lines(lines: memoryview, into: bytearray) -> bytes | memoryview:
    return fast.quoted_lines_into(lines, into)


def _ids(pool: fast.ScannedPool, rows: np.ndarray, into: bytearray) -> bytes | memoryview:
    return fast.quoted_ids_into(pool, rows, into)
