"""Checking a large licence CSV in several processes.

The parent reads the file as raw blocks of lines and hands them to worker processes, which
check them (column-wise with rules.frame_check where they can, else row by row with
rules.target_rows) and either return their good rows in COPY text format or hand them to a
sink of the caller's (the import writes them to the staging table from the worker), with
the problems found. Each line must then be one record: a worker that meets a quoted field
running over several lines says where, and the parent reads the rest of the file itself.
Workers start without Django ("spawn").
"""

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import count
from typing import IO, Any

from .errors import RuleError
from .pgcopy import copy_text
from .tabular import HeaderMap, Records
from .target_rows import TargetRowChecker, Vocabulary

BLOCK_BYTES = 8 * 1024 * 1024  # about 20,000 lines of a licence export


@dataclass
class BlockResult:
    """What a worker made of one block of lines."""

    rows: int = 0  # data rows checked (blank lines are not rows)
    copy_text: str | bytes = ""  # the good rows, staging columns, COPY text format
    problems: list[tuple[int, str, str, dict[str, Any]]] = field(default_factory=list)
    # A record running over several lines starts here: (line number, byte offset in block).
    serial_from: tuple[int, int] | None = None


_worker: dict[str, Any] = {}


def _init(header_map: HeaderMap, vocabulary: Vocabulary, encoding: str, delimiter: str,  # noqa: PLR0917 - Pool passes initargs by position
          job_id: int, sink: "Callable[[str | bytes], None] | None" = None) -> None:
    # One polars thread per worker: the workers already use every core.
    os.environ["POLARS_MAX_THREADS"] = "1"
    from .frame_check import FrameChecker  # after the variable: polars reads it on import

    checker = TargetRowChecker(header_map, vocabulary)
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    _worker.update(checker=checker, delimiter=delimiter, codec=codec, job_id=job_id,
                   frame=FrameChecker(checker, delimiter), sink=sink)


def check_block(task: "Task") -> BlockResult:
    """Check one block; with a sink, its good rows go there rather than back to the parent."""
    result = _check_block(task)
    sink = _worker["sink"]
    if sink is not None:
        sink(result.copy_text)
        result.copy_text = ""
    return result


def _check_block(task: "Task") -> BlockResult:
    """Check the lines of one block: column-wise with polars where it can, else row-wise."""
    frame, codec = _worker["frame"], _worker["codec"]
    data = task.data if codec == "utf-8" else _as_utf8(task.data, codec)
    if frame is not None and data is not None:
        done = frame.check(data, task.first_line, _worker["job_id"])
        if done is not None:
            rows, text, found = done
            return BlockResult(rows, text, [_plain(p) for p in found])
    delimiter = _worker["delimiter"]
    lines, serial_from = _whole_lines(task, _worker["codec"])
    first_line = task.first_line
    blank = delimiter + " \t\r\n\u3000"
    rows = [(n, _split(line, delimiter)) for n, line in zip(count(first_line), lines)
            if line.strip(blank)]
    staged, found = _worker["checker"].check_chunk(rows)
    text = copy_text([[_worker["job_id"]] * len(staged), *staged.columns])
    return BlockResult(len(rows), text, [_plain(p) for p in found], serial_from)


def _as_utf8(data: bytes, codec: str) -> bytes | None:
    """A GB 18030 (or other) block as UTF-8 for the column-wise check; None if it does not
    decode (the row-wise reader then names the row)."""
    try:
        return data.decode(codec).encode()
    except UnicodeDecodeError:
        return None


def _whole_lines(task: "Task", codec: str) -> tuple[list[str], tuple[int, int] | None]:
    """The decoded lines up to the first one the parent must read itself: one opening a
    quoted field that runs over several lines, or one that does not decode (the parent's
    reader names its row)."""
    try:
        text = task.data.decode(codec)
    except UnicodeDecodeError:
        text = '"'  # look line by line below
    if '"' not in text:  # the usual case: decoded and split in a few C calls
        lines = text.replace("\r\n", "\n").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return lines, None
    lines = []
    raw_lines = task.lines
    for index, raw in enumerate(raw_lines):
        try:
            line = raw.decode(codec).rstrip("\r\n")
        except UnicodeDecodeError:
            line = '"'  # handled like an open quote: the parent takes over here
        if line.count('"') % 2:
            offset = task.offset + sum(map(len, raw_lines[:index]))
            return lines, (task.first_line + index, offset)
        lines.append(line)
    return lines, None


def _split(line: str, delimiter: str) -> list[str]:
    if '"' not in line:
        return line.split(delimiter)
    records = Records(delimiter)
    return (records.feed([line + "\n"]) + records.finish())[0]


def _plain(problem: tuple[int, str, RuleError]) -> tuple[int, str, str, dict[str, Any]]:
    row, column, error = problem
    return row, column, error.template, {k: v if isinstance(v, int | str) else str(v)
                                         for k, v in error.params.items()}


@dataclass(frozen=True)
class Task:
    first_line: int  # the line number (1-based) of the block's first line
    offset: int  # the byte offset of that line in the file
    data: bytes  # whole lines

    @property
    def lines(self) -> list[bytes]:
        return self.data.splitlines(keepends=True)


def raw_blocks(stream: IO[bytes], *, first_line: int, size: int | None = None
               ) -> Iterator[Task]:
    """Blocks of about `size` bytes of whole lines from the stream's current position.

    Read and cut in a few C calls: the parent only counts line ends, the workers do the rest.
    """
    size = size or BLOCK_BYTES
    number, offset, rest = first_line, stream.tell(), b""
    while chunk := stream.read(size):
        data = rest + chunk
        end = data.rfind(b"\n") + 1
        if not end:
            rest = data
            continue
        data, rest = data[:end], data[end:]
        yield Task(number, offset, data)
        number += data.count(b"\n")
        offset += len(data)
    if rest:
        yield Task(number, offset, rest)


class ParallelChecker:
    """A pool of worker processes checking blocks of a file, results in file order."""

    def __init__(self, *, processes: int, header_map: HeaderMap, vocabulary: Vocabulary,
                 encoding: str, delimiter: str, job_id: int,
                 sink: "Callable[[str | bytes], None] | None" = None) -> None:
        """`sink`, a picklable callable, receives each block's good rows in the worker."""
        context = multiprocessing.get_context("spawn")  # no inherited database connection
        self.pool = context.Pool(processes, initializer=_init, initargs=(
            header_map, vocabulary, encoding, delimiter, job_id, sink))
        self.depth = 2 * processes

    def results(self, blocks: Iterable[Task]) -> Iterator[BlockResult]:
        """Results in file order; only a few blocks are read ahead, so memory stays flat."""
        pending: deque[Any] = deque()
        for block in blocks:
            pending.append(self.pool.apply_async(check_block, (block,)))
            if len(pending) >= self.depth:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()
