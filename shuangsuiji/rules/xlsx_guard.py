"""Refusing .xlsx archives that would expand beyond reason (zip bombs) before they are read.

An .xlsx is a zip of XML files. A few hundred kilobytes can declare hundreds of megabytes of
XML (one cell of 400 MB took a worker to 5.7 GB): openpyxl loads the shared strings whole
and builds every cell's text in memory. So, before openpyxl opens the file:

1. the central directory: the declared sizes of the members, together and one by one, and
   each large member's compression ratio (a spreadsheet's XML compresses 5 to 20 times;
   a bomb, hundreds or thousands of times). Python's zipfile never returns more bytes of a
   member than its declared size, so the declaration bounds what is read.
2. a streaming pass over the XML members, a block at a time and never more: the bytes are
   counted against the declared sizes, the cells are counted, and no stretch of text between
   two tags may be longer than a cell can be (Excel's limit is 32,767 characters), which
   bounds the memory any single cell or string can take when openpyxl reads it.
"""

import re
import zipfile
from dataclasses import dataclass
from typing import IO

from .errors import RuleError, gettext_noop

# Excel keeps at most 32,767 characters in a cell; in UTF-8 XML with entities, at most six
# bytes each. No legitimate stretch of XML text between two tags is longer.
MAX_TEXT_BYTES = 32_767 * 6
_BLOCK = 64 * 1024  # smaller than MAX_TEXT_BYTES: a stretch inside one block is short enough
_PREFIX = re.compile(rb"<(\w+:)?worksheet[\s>]")
# A cell in column AAA (703) or beyond, or a declared size that wide: openpyxl pads every row
# to the declared width, so a few bytes could make a million rows of 16,384 empty cells.
_FAR_CELL = re.compile(rb"r=\"[A-Z]{3}[0-9]")
_FAR_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s[^>]*?ref=\"[^\"]*?[A-Z]{3}[0-9]")


class ArchiveError(RuleError):
    """The workbook is refused before it is read: it would expand beyond the limits."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 2 * 1024**3  # all members together, uncompressed
    max_ratio: int = 100  # uncompressed / compressed, for members past `ratio_from` bytes
    ratio_from: int = 1024 * 1024
    max_cells: int = 50_000_000
    max_members: int = 10_000
    max_text_bytes: int = MAX_TEXT_BYTES


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.0f}"


def check_directory(archive: zipfile.ZipFile, limits: Limits) -> None:
    """The declared sizes and ratios (cheap: nothing is decompressed)."""
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise ArchiveError(gettext_noop("the workbook holds {count} files; at most {limit} "
                                        "are accepted"), count=len(members),
                           limit=limits.max_members)
    total = 0
    for info in members:
        total += info.file_size
        if info.file_size >= limits.ratio_from and (
                info.file_size > limits.max_ratio * max(1, info.compress_size)):
            raise ArchiveError(gettext_noop(
                "the workbook's part {part} expands from {packed} KB to {size} MB, more than "
                "{ratio} times: a compressed bomb, not a spreadsheet"), part=info.filename,
                packed=info.compress_size // 1024, size=_mb(info.file_size),
                ratio=limits.max_ratio)
    if total > limits.max_bytes:
        raise ArchiveError(gettext_noop(
            "the workbook expands to {size} MB; at most {limit} MB are accepted"),
            size=_mb(total), limit=_mb(limits.max_bytes))


def check_archive(stream: IO[bytes], limits: Limits | None = None, *,
                  deep: bool = True) -> None:
    """Raise ArchiveError if the workbook in `stream` exceeds the limits; rewinds the stream.

    `deep` adds the streaming pass over the XML (cells, text lengths, real sizes). A stream
    that is not a zip archive passes: the reader says what is wrong with it.
    """
    limits = limits or Limits()
    stream.seek(0)
    try:
        try:
            archive = zipfile.ZipFile(stream)
        except (zipfile.BadZipFile, OSError, ValueError):
            return
        with archive:
            check_directory(archive, limits)
            if deep:
                _scan(archive, limits)
    finally:
        stream.seek(0)


def _scan(archive: zipfile.ZipFile, limits: Limits) -> None:
    total = cells = 0
    for info in archive.infolist():
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        sheet = info.filename.startswith("xl/worksheets/")
        run = 0  # bytes since the last "<"
        tail = b""
        marks: tuple[bytes, ...] = ()
        try:
            with archive.open(info) as member:
                while block := member.read(_BLOCK):
                    total += len(block)
                    if total > limits.max_bytes:
                        raise ArchiveError(gettext_noop(
                            "the workbook expands to more than {limit} MB"),
                            limit=_mb(limits.max_bytes))
                    run = _text_run(block, run, limits, info.filename)
                    if not sheet:
                        continue
                    if not marks:  # the first block: the sheet's tag prefix and its size
                        found = _PREFIX.search(block)
                        prefix = found.group(1) or b"" if found else b""
                        marks = (b"<" + prefix + b"c ", b"<" + prefix + b"c>")
                        if _FAR_DIMENSION.search(block):
                            raise _far(info.filename)
                    window = tail + block
                    cells += sum(window.count(m) - tail.count(m) for m in marks)
                    if cells > limits.max_cells:
                        raise ArchiveError(gettext_noop(
                            "the workbook holds more than {limit} cells"),
                            limit=limits.max_cells)
                    if _FAR_CELL.search(window):
                        raise _far(info.filename)
                    tail = block[-16:]
        except (zipfile.BadZipFile, OSError, EOFError) as exc:  # bad data, CRC, truncation
            raise ArchiveError(gettext_noop("the workbook's part {part} is damaged"),
                               part=info.filename) from exc


def _text_run(block: bytes, run: int, limits: Limits, part: str) -> int:
    """The bytes since the last "<" after this block; refused past a cell's longest text.

    A block is shorter than the limit, so only a stretch running across blocks can exceed it.
    """
    first = block.find(b"<")
    if first < 0:
        run += len(block)
    else:
        run += first
    if run > limits.max_text_bytes:
        raise ArchiveError(gettext_noop(
            "the workbook's part {part} holds a text of more than {limit} characters; a cell "
            "holds at most 32,767"), part=part, limit=limits.max_text_bytes // 6)
    return run if first < 0 else len(block) - block.rfind(b"<") - 1


def _far(part: str) -> ArchiveError:
    return ArchiveError(gettext_noop("the worksheet {part} uses columns beyond ZZ (702 columns)"),
                        part=part)
