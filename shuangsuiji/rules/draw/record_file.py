"""A record file of millions of candidates, read without a Python object per line.

A record's big arrays (the pool's lines, the standby lists) stay bytes in the file (or its
mmap); the rest of the record, a few kilobytes, is parsed by json into `head`, each big array
a sentinel there (spliced.py). Used by the file verifier and by the platform, which keeps the
records of large draws as files.
"""

import json
import mmap
import re
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
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
    """The record with its big arrays left in `data`, or None when they are not where
    canonical JSON puts them or are not plain (then the caller reads the record whole).

    The arrays are found by their place in canonical JSON, not by parsing; what makes this
    safe is the check after it. The rest of the file, with a fresh sentinel string for each
    body, must parse with a sentinel for every big array of the record and each body must be
    plain strings. Then the file parses to that head with the bodies' strings in place of
    the sentinels (the tokens before and after a body are the same in both), so the verdict
    is the one reading the whole file would give, whatever the file holds.
    """
    found = _big_arrays(data)
    if found is None:
        return None
    marks = {name: sentinel(name) for name, _start, _end in found}
    pieces, at = [], 0
    for name, start, end in found:
        pieces += [bytes(data[at:start]), json.dumps(marks[name]).encode("ascii")]
        at = end
    pieces.append(bytes(data[at:]))
    try:
        head = json.loads(b"".join(pieces))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    expected = {name: [mark] for name, mark in marks.items()}
    if not isinstance(head, dict) or _placed(head) != expected or not _plain(data, found):
        return None
    view = memoryview(data)
    return SplitRecord(head, data, {marks[name]: view[s:e] for name, s, e in found},
                       {marks[name]: (s, e) for name, s, e in found})


_POOL_LINES = re.compile(rb'"pool":\{"digest":"[0-9a-f]{64}","lines":\[')
_STANDBY = b'"standby":{'
_STANDBY_LIST = re.compile(rb'"([^"\\]*)":\[')


def _big_arrays(data: Any) -> list[tuple[str, int, int]] | None:
    """(name, body start, body end) of the pool's lines and of each standby list where
    canonical JSON puts them, in file order; None when one of them has no end."""
    found: list[tuple[str, int, int]] = []
    at = data.find(b'"pool":{"digest":"')
    if (lines := _POOL_LINES.match(data, at) if at >= 0 else None) is not None:
        at = _body_end(data, lines.end())
        found.append(("pool", lines.end(), at))
    at = data.find(_STANDBY, max(at, 0)) if not found or at >= 0 else -1
    at = at + len(_STANDBY) if at >= 0 else at
    while at >= 0 and (label := _STANDBY_LIST.match(data, at)) is not None:
        at = _body_end(data, label.end())
        found.append(("standby:" + label[1].decode("utf-8", "replace"), label.end(), at))
        at += 1 + (data[at + 1:at + 2] == b",") if at >= 0 else 0
    return None if any(end < 0 for _name, _start, end in found) else found


def _body_end(data: Any, start: int) -> int:
    """Where an array body of plain strings starting at `start` ends (at its "]"), or -1.

    A plain body's "]" follows a quote (an ID may hold one, but never a quote): found by
    memchr, 20 times faster than finding the two bytes together (0.18 s of 210 MB)."""
    at = start
    while (end := int(data.find(b"]", at))) >= 0:
        if end == start or data[end - 1:end] == b'"':
            return end
        at = end + 1
    return -1


def _placed(head: Any) -> dict[str, Any]:
    """Every big array of a parsed head by name: the pool's lines, each standby list."""
    placed: dict[str, Any] = {}
    pool, standby = head.get("pool"), head.get("standby")
    if isinstance(pool, dict) and "lines" in pool:
        placed["pool"] = pool["lines"]
    if isinstance(standby, dict):
        placed |= {"standby:" + label: ids for label, ids in standby.items()}
    return placed


def _plain(data: Any, found: list[tuple[str, int, int]]) -> bool:
    """Whether every body is plain strings: checked two at a time (the C check lets go of
    the GIL): 0.28 s of 455 MB otherwise."""
    with ThreadPoolExecutor(2) as threads:
        counts = threads.map(lambda b: plain_arrays.count_plain(
            memoryview(data)[b[1]:b[2]], b[0] == "pool"), found)
        return all(n >= 0 for n in counts)


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
    return [m[1].decode("ascii") for m in islice(_STRING.finditer(body), count)]


_STRING = re.compile(rb'"([^"]*)"')


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

