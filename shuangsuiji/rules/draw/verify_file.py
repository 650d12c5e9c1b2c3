"""Verifying a record file of millions of candidates (protocol §7) in bounded memory.

verify.verify() checks a record held as Python objects: at 10,000,000 candidates that is a
string per line and 4 GB. Here the file stays bytes. Its big arrays (the pool's lines, the
standby lists) are checked and recomputed by the C fast path and compared byte for byte; the
rest of the record, a few kilobytes, is parsed by json and checked by verify.py's own
functions. A file whose big arrays are not in the plain form canonical JSON gives them
(printable ASCII) is verified the ordinary way: the verdict never depends on the way taken
(tests/rules/draw/test_verify_file.py). Without the C fast path the same functions run in
Python (plain_arrays.py, fast.py): slower, the same verdict.
"""

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import numpy as np

from ..errors import gettext_noop
from . import fast, plain_arrays
from .bulk import id_pieces
from .pools import make_seed
from .record_file import SplitRecord, body_of, opened, split_record, state_for_replacements
from .spliced import digest
from .tickets import ticket
from .verify import (
    UNSORTED,
    Checks,
    Discrepancy,
    PublicReport,
    _check,
    _verify_pool_lines,
    check_drawn,
    check_record,
    first_discrepancy,
    public_report,
    stratum_size,
)
from .verify import verify as verify_record

# Files smaller than this are verified the ordinary way: no gain in splitting them.
SPLIT_FROM_BYTES = 1 << 20


def verify_path(path: str | Path) -> Discrepancy | None:
    """Verify a record file. ValueError (json's, or UnicodeDecodeError) if it is not JSON."""
    return check_path(path)[0]


def verify_bytes(data: Any) -> Discrepancy | None:
    return check_bytes(data)[0]


def check_path(path: str | Path) -> tuple[Discrepancy | None, PublicReport | None]:
    """The verdict on a record file and, for a public record, what it let us check."""
    if Path(path).stat().st_size < SPLIT_FROM_BYTES:
        return _whole(json.loads(Path(path).read_bytes()))
    with opened(path) as split:
        if split is None:
            return _whole(json.loads(Path(path).read_bytes()))
        return first_discrepancy(_verify, split), public_report(split.head)


def check_bytes(data: Any) -> tuple[Discrepancy | None, PublicReport | None]:
    split = split_record(data)
    if split is None:
        return _whole(json.loads(bytes(data)))
    return first_discrepancy(_verify, split), public_report(split.head)


def _whole(record: Any) -> tuple[Discrepancy | None, PublicReport | None]:
    problem = verify_record(record)
    return problem, None if problem or not isinstance(record, dict) else public_report(record)


def _verify(split: SplitRecord) -> None:
    record = split.head
    # The record digest (§7's last check, a SHA-256 over the whole file) is computed from
    # the start, in a thread (hashlib lets go of the GIL) while the pools and strata are
    # checked, and judged in its turn: the same verdict, the file read once.
    core = {k: v for k, v in record.items() if k not in {"public_digest", "record_digest"}}
    core["replacements"] = []
    full = isinstance(record.get("pool"), dict) and "lines" in record["pool"]
    with ThreadPoolExecutor(1) as hasher:
        early = hasher.submit(digest, core, split.bodies) if full else None

        def digest_of(document: dict[str, Any]) -> str:
            if early is not None and document == core:
                return early.result()
            return digest(document, split.bodies)

        check_record(record, Checks(
            pools=lambda: _verify_pools(split),
            strata=lambda pool, seed: _verify_strata(split, pool, seed),
            digest=digest_of,
            for_replacements=lambda: state_for_replacements(split)))


def _verify_pools(split: SplitRecord) -> fast.ScannedPool:
    """§1, as verify._verify_pools; the target pool scanned for §4."""
    record = split.head
    body = body_of(split, record["pool"]["lines"])
    _check(body is not None, UNSORTED, pool="target pool")
    unquoted = plain_arrays.unquote_lines(body)
    _check(unquoted is not None, UNSORTED, pool="target pool")
    buffer = cast(bytes, unquoted)
    split.done_with(cast(memoryview, body))
    labels = tuple(sorted(set(record["rules"]) | set(record["pool"]["strata"])))
    seed = make_seed(record["server_secret"], record["ceremony"]["input"],
                     record["pool"]["digest"], record["inspector_pool"]["digest"])
    # Hashed while scanned (hashlib lets go of the GIL, the scan too): the digest is judged
    # after the order and the size all the same, in verify.py's order.
    with ThreadPoolExecutor(1) as hasher:
        hashed = hasher.submit(lambda: hashlib.sha256(buffer).hexdigest())
        try:
            pool: fast.ScannedPool | None = fast.scan(buffer, seed, labels)
        except fast.PoolOrderError as exc:
            raise Discrepancy(UNSORTED, pool="target pool") from exc
        except fast.UnknownStratum:
            pool = None  # judged after the size and the digest, in verify.py's order
        lines = pool.keys.size if pool is not None else buffer.count(b"\n")
        _check(lines == record["pool"]["size"],
               gettext_noop("the {pool} size is wrong"), pool="target pool")
        _check(hashed.result() == record["pool"]["digest"],
               gettext_noop("the {pool} digest does not match its lines"), pool="target pool")
    _verify_pool_lines(record["inspector_pool"], "inspector pool")
    _check(pool is not None and _counts(pool) == record["pool"]["strata"],
           gettext_noop("the pool's stratum sizes do not match its lines"))
    return cast(fast.ScannedPool, pool)


def _counts(pool: fast.ScannedPool) -> dict[str, int]:
    # A comparison per label: bincount widens ten million codes to 64 bits first (0.14 s).
    counts = {label: int(np.count_nonzero(pool.codes == code))
              for code, label in enumerate(pool.labels)}
    return {label: n for label, n in counts.items() if n}


def _verify_strata(split: SplitRecord, pool: fast.ScannedPool, seed: str) -> None:
    """§4, as verify._verify_strata, with each standby list compared as bytes."""
    record = split.head
    present = set(_counts(pool))
    for label in sorted(present - set(record["rules"])):
        _check(False, gettext_noop("no rule for stratum {stratum}"), stratum=label)
    _check(set(record["strata"]) == set(record["rules"]) == set(record["standby"]),
           gettext_noop("the strata of the record do not match its rules"))
    drawn: list[dict[str, Any]] = []
    for label in sorted(record["rules"]):
        order = fast.stratum_order(pool, label, seed)
        k = stratum_size(record, label, int(order.size))
        drawn.extend({"id": ident, "stratum": label, "ticket": ticket(ident, seed),
                      "position": pos}
                     for pos, ident in enumerate(pool.idents(order[:k]), start=1))
        body = body_of(split, record["standby"][label])
        _check(body is not None and _same_ids(body, pool, order[k:]),
               gettext_noop("the standby list of stratum {stratum} is wrong"), stratum=label)
        split.done_with(cast(memoryview, body))
    check_drawn(record, drawn)




def _same_ids(body: memoryview, pool: fast.ScannedPool, rows: np.ndarray) -> bool:
    """Whether `body` is the JSON array body of the IDs at `rows`, compared piece by piece
    as the record writer makes them (a few megabytes at a time, not a second copy)."""
    at, slot = 0, bytearray()
    for index, made in enumerate(id_pieces(pool, rows)):
        if len(slot) < made.bound:  # one buffer for every piece: fresh memory costs more
            slot = bytearray(made.bound)
        if index:
            # A memoryview equals bytes of the same content, which mypy does not know.
            if body[at:at + 1] != b",":  # type: ignore[comparison-overlap]
                return False
            at += 1
        piece = made.make(slot)
        # As bytes: two memoryviews compare element by element (30 times slower).
        if bytes(body[at:at + len(piece)]) != bytes(piece):
            return False
        at += len(piece)
    return at == len(body)
