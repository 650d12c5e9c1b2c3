"""A record file of millions of candidates, read without a Python object per line.

A record's big arrays (the pool's lines, the standby lists) stay bytes in the file (or its
mmap); the rest of the record, a few kilobytes, is parsed by json into `head`, each big array
a sentinel there (spliced.py). Used by the file verifier and by the platform, which keeps the
records of large draws as files.
"""

import json
import mmap
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..canonical import canonical_json
from . import plain_arrays
from .record import Record
from .spliced import segments, sentinel


@dataclass
class SplitRecord:
    """A record whose big arrays are sentinels in `head`, their bodies spans of `data`."""

    head: Record
    data: Any  # bytes, or the file's mmap
    bodies: dict[str, memoryview]  # sentinel → the array's body, without its brackets
    spans: dict[str, tuple[int, int]]  # sentinel → where that body is in `data`

    def done_with(self, body: memoryview) -> None:
        """Let the kernel drop the pages of a body read from a mapped file (read again from
        the file if needed): a record of millions then costs its pool, not its file size."""
        if not isinstance(self.data, mmap.mmap):
            return
        for mark, view in self.bodies.items():
            if view is body:
                start, end = self.spans[mark]
                start -= start % mmap.PAGESIZE
                self.data.madvise(mmap.MADV_DONTNEED, start, end - start)


def split_record(data: Any) -> SplitRecord | None:
    """The record with its big arrays left in `data`, or None when they are not plain."""
    try:
        spans = plain_arrays.members(data)
    except ValueError:
        return None
    top = [(k0, k1, v0, v1) for depth, k0, k1, v0, v1 in spans if depth == 0]
    keys = [bytes(data[k0:k1]) for k0, k1, _v0, _v1 in top]
    if len(set(keys)) != len(keys) or any(b"\\" in key for key in keys):
        return None  # a repeated or escaped key: json.loads' reading is not worth imitating
    value_of = {key: (v0, v1) for key, (_k0, _k1, v0, v1) in zip(keys, top, strict=True)}
    big = _big_arrays(data, spans, value_of)
    if big is None:
        return None
    pieces, at = [], 0
    for mark, start, end in sorted(big, key=lambda b: b[1]):
        pieces += [bytes(data[at:start]), json.dumps(mark).encode("ascii")]
        at = end
    pieces.append(bytes(data[at:]))
    try:
        head = json.loads(b"".join(pieces))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    view = memoryview(data)
    return SplitRecord(head, data, {mark: view[s:e] for mark, s, e in big},
                       {mark: (s, e) for mark, s, e in big})


def _big_arrays(data: Any, spans: list[tuple[int, int, int, int, int]],
                value_of: Mapping[bytes, tuple[int, int]]
                ) -> list[tuple[str, int, int]] | None:
    """(sentinel, body start, body end) of the pool's lines and each standby list, or None
    when one of them is not plain."""
    big: list[tuple[str, int, int]] = []
    tabs_of: list[bool] = []
    for parent, tabs in ((b"pool", True), (b"standby", False)):
        if parent not in value_of:
            continue
        p0, p1 = value_of[parent]
        inner = [(bytes(data[k0:k1]), v0, v1) for depth, k0, k1, v0, v1 in spans
                 if depth == 1 and p0 < k0 < p1]
        if (len({key for key, _v0, _v1 in inner}) != len(inner)
                or any(b"\\" in key for key, _v0, _v1 in inner)):
            return None
        for key, v0, v1 in inner:
            if parent == b"pool" and key != b"lines":
                continue
            if data[v0:v0 + 1] != b"[" or data[v1 - 1:v1] != b"]":
                continue  # not an array: json.loads keeps it, the checks refuse it
            name = "pool" if parent == b"pool" else "standby:" + key.decode("utf-8", "replace")
            big.append((sentinel(name), v0 + 1, v1 - 1))
            tabs_of.append(tabs)
    # Checked two at a time (the C check lets go of the GIL): 0.28 s of 455 MB otherwise.
    with ThreadPoolExecutor(2) as threads:
        counts = threads.map(lambda b, tabs: plain_arrays.count_plain(
            memoryview(data)[b[1]:b[2]], tabs), big, tabs_of)
        return big if all(n >= 0 for n in counts) else None


def body_of(split: SplitRecord, value: Any) -> memoryview | None:
    """The body behind a big array's sentinel list, or None for any other value."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        return split.bodies.get(value[0])
    return None


def state_for_replacements(split: SplitRecord, replacements: list[Any] | None = None
                           ) -> Record:
    """The record as replacements need it: each standby list only as far as they can reach
    (one more candidate than there are replacements), the pool's lines left out."""
    record = split.head
    if replacements is not None:
        record = dict(record, replacements=replacements)
    reach = len(record.get("replacements", [])) + 1
    standby = record.get("standby")
    if isinstance(standby, Mapping):
        standby = {label: first_ids(split, value, reach) for label, value in standby.items()}
    return dict(record, standby=standby, pool=dict(record["pool"], lines=[]))


def first_ids(split: SplitRecord, value: Any, count: int) -> Any:
    """The first `count` strings of a big array (plain: no escapes), or the value itself."""
    body = body_of(split, value)
    if body is None:
        return value
    ids: list[str] = []
    start = 0
    while len(ids) < count and start < len(body):
        chunk = bytes(body[start:start + 4096])
        end = chunk.find(b'"', 1)
        if end < 0:  # an ID longer than 4 KB: not from this platform, but read all the same
            chunk = bytes(body[start:])
            end = chunk.find(b'"', 1)
        ids.append(chunk[1:end].decode("ascii"))
        start += end + 2
    return ids


@contextmanager
def opened(path: str | Path) -> Iterator[SplitRecord | None]:
    """A record file split (None if its big arrays are not plain), for the `with` block."""
    with open(path, "rb") as fh:
        if fh.seek(0, 2) == 0:
            raise ValueError("the record file is empty")
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            split = split_record(data)
            try:
                yield split
            finally:
                if split is not None:  # a traceback may still hold a view: the mmap
                    for body in split.bodies.values():  # cannot close while one is open
                        body.release()


def chunks(document: Any, bodies: Mapping[str, memoryview], size: int = 1 << 20
           ) -> Iterator[bytes]:
    """The canonical JSON of `document` with each sentinel's body spliced in, in pieces."""
    for text, key in segments(canonical_json(document), bodies):
        yield text.encode("utf-8")
        if key:
            body = bodies[key]
            for start in range(0, len(body), size):
                yield bytes(body[start:start + size])

