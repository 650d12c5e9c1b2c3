"""Draw order for large pools: C keys (when built) and numpy sorting, same result as tickets.py.

`_fastpool` is optional; without it everything falls back to the pure Python code.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .tickets import _seed_prefix, prefix_keys, ticket

try:
    from . import _fastpool
except ImportError:  # no compiler or OpenSSL headers at install time
    _fastpool = None

AVAILABLE = _fastpool is not None


@dataclass
class ScannedPool:
    """A pool buffer of "ID\\tSTRATUM\\n" lines with each line's key, stratum and ID position."""

    buffer: bytes
    labels: tuple[str, ...]
    keys: np.ndarray
    codes: np.ndarray
    starts: np.ndarray
    lens: np.ndarray

    def ident(self, row: int) -> str:
        start = int(self.starts[row])
        return self.buffer[start:start + int(self.lens[row])].decode("utf-8")

    def rows_of(self, label: str) -> np.ndarray:
        return np.flatnonzero(self.codes == self.labels.index(label))


def scan(buffer: bytes, seed: str, labels: Sequence[str]) -> ScannedPool:
    labels = tuple(labels)
    if _fastpool is not None:
        keys, codes, starts, lens = _fastpool.scan(buffer, _seed_prefix(seed),
                                                   tuple(lb.encode() for lb in labels))
        return ScannedPool(buffer, labels, np.frombuffer(keys, dtype=np.uint64),
                           np.frombuffer(codes, dtype=np.uint8),
                           np.frombuffer(starts, dtype=np.uint64),
                           np.frombuffer(lens, dtype=np.uint16))
    return _scan_python(buffer, seed, labels)


def _scan_python(buffer: bytes, seed: str, labels: tuple[str, ...]) -> ScannedPool:
    ids, codes, starts, lens = [], [], [], []
    pos = 0
    index = {label: i for i, label in enumerate(labels)}
    for line in buffer.split(b"\n")[:-1]:
        ident, stratum = line.split(b"\t")
        ids.append(ident.decode("utf-8"))
        codes.append(index[stratum.decode("utf-8")])
        starts.append(pos)
        lens.append(len(ident))
        pos += len(line) + 1
    return ScannedPool(buffer, labels, np.array(prefix_keys(ids, seed), dtype=np.uint64),
                       np.array(codes, dtype=np.uint8), np.array(starts, dtype=np.uint64),
                       np.array(lens, dtype=np.uint16))


def order_rows(pool: ScannedPool, rows: np.ndarray, seed: str) -> np.ndarray:
    """`rows` in draw order: by key, every run of equal keys settled on full (ticket, ID)."""
    order = rows[np.argsort(pool.keys[rows], kind="stable")]
    sorted_keys = pool.keys[order]
    ties = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
    if ties.size:
        order = order.copy()
        for start, end in _runs(ties):
            segment = order[start:end + 1].tolist()
            segment.sort(key=lambda r: (ticket(pool.ident(r), seed), pool.ident(r)))
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


def draw_order(identifiers: Sequence[str], seed: str) -> list[str]:
    """tickets.draw_order through the fast path."""
    if not identifiers:
        return []
    buffer = ("\t_\n".join(identifiers) + "\t_\n").encode("utf-8")
    pool = scan(buffer, seed, ("_",))
    order = order_rows(pool, np.arange(len(identifiers)), seed)
    return [identifiers[i] for i in order.tolist()]
