"""Reading spreadsheets as the licensing bureau and the offices export them, and their headers.

CSV (UTF-8 with or without BOM, GB18030/GBK, UTF-16 "Unicode text" from Excel) and XLSX are
read as a stream of rows of text: nothing here holds more than one row at a time, so a
million-row file costs no more memory than a small one. Header cells are matched to fields
through synonyms; what cannot be matched is reported, never silently dropped.
"""

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import chain, count, islice
from pathlib import Path
from typing import IO, Any

from openpyxl import load_workbook

from .errors import RuleError, gettext_noop
from .xlsx_guard import ArchiveError, Limits, check_archive

# How many leading rows may hold a title above the header ("行政许可信息公示表").
HEADER_SEARCH_ROWS = 10
_SAMPLE_BYTES = 64 * 1024
_BLOCK_LINES = 4096  # CSV lines decoded and split at a time
_XLSX_BLOCK_ROWS = 1000
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_SPACES = re.compile(r"\s+")

# Cells beyond Python's default field limit are legitimate in long 许可内容 texts.
csv.field_size_limit(16 * 1024 * 1024)


class TableError(RuleError):
    """The file as a whole cannot be read: wrong type, broken encoding, no header."""


class HeaderError(RuleError):
    """A problem with one column of the header (unknown, duplicated, missing)."""


@dataclass(frozen=True)
class Column:
    """A field a file may carry, the header it is exported under and the other names in use."""

    field: str
    header: str
    synonyms: tuple[str, ...] = ()
    required: bool = False

    def names(self) -> tuple[str, ...]:
        return (self.header, *self.synonyms)


def normalise_header(text: object) -> str:
    """Fold full-width forms and case, drop white space: "行政相对人 名称 " is "行政相对人名称"."""
    if text is None:
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(text))).lower()


def cell_text(value: object) -> str:  # noqa: PLR0911 - one return per cell type
    """One cell as text: numbers without a spurious ".0", dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


Block = list[tuple[int, list[str]]]  # (row number in the file, cells) for some rows


@dataclass
class Table:
    """An open file: its header (as written) and its data rows, a block at a time."""

    header_row: int
    headers: list[str]
    blocks: Iterator[Block]  # blank rows are left out, row numbers are the file's
    progress: Callable[[], float]
    file_format: str
    encoding: str = ""
    delimiter: str = ","
    # A CSV read as bytes (UTF-8 or GB18030 with LF or CRLF ends): the stream and its size,
    # for readers that take over the raw lines (rules.parallel_check, `rows_from_line`).
    stream: IO[bytes] | None = None
    size: int = 0

    def rows_from_line(self, line: int, offset: int) -> Iterator[Block]:
        """Records from the line starting at byte `offset`, numbered from `line`.

        Only for streams read as bytes, and only when every earlier record was one line.
        """
        assert self.stream is not None  # noqa: S101 - a caller's mistake, not bad input
        self.stream.seek(offset)
        return _csv_blocks(_byte_blocks(self.stream, self.encoding, done=line - 1),
                           self.delimiter, number=line - 1)

    @property
    def rows(self) -> Iterator[tuple[int, list[str]]]:
        return chain.from_iterable(self.blocks)

    def chunks(self, size: int) -> Iterator[Block]:
        """The rows in lists of `size` (the last one shorter)."""
        pending: Block = []
        for block in self.blocks:
            pending += block
            while len(pending) >= size:
                yield pending[:size]
                pending = pending[size:]
        if pending:
            yield pending


@contextmanager
def open_table(source: str | Path | IO[bytes], *, name: str,
               known_headers: Collection[str] = (),
               xlsx_limits: Limits | None = None) -> Iterator[Table]:
    """Open a CSV or XLSX file for streaming. `known_headers` (normalised) find the header row.

    Data rows come as (row number in the file, cells as text), the header being the row it is
    in the file (row 1 unless a title sits above it); empty rows are skipped. A workbook is
    first checked against `xlsx_limits` (rules.xlsx_guard: no zip bombs).
    """
    stream: IO[bytes] = open(source, "rb") if isinstance(source, str | Path) else source  # noqa: SIM115
    try:
        head = stream.read(_SAMPLE_BYTES)
        stream.seek(0)
        if head.startswith(_XLSX_MAGIC):
            with _open_xlsx(stream, known_headers, xlsx_limits) as table:
                yield table
        elif head.startswith(_XLS_MAGIC) or name.lower().endswith(".xls"):
            raise TableError(gettext_noop(
                "old Excel files (.xls) cannot be read; save the file as .xlsx or CSV"))
        elif name.lower().endswith(".xlsx"):
            raise TableError(gettext_noop("the file is not a valid .xlsx workbook"))
        else:
            with _open_csv(stream, head, known_headers) as table:
                yield table
    finally:
        if isinstance(source, str | Path):
            stream.close()


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 with BOM, or else GB18030 (a superset of GBK and GB2312)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise TableError(gettext_noop("the file is not a CSV text file or an .xlsx workbook"))
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@contextmanager
def _open_csv(stream: IO[bytes], head: bytes, known_headers: Collection[str]
              ) -> Iterator[Table]:
    encoding = detect_encoding(head)
    size = _stream_size(stream)
    first_line = head.decode(encoding, errors="ignore").lstrip("\ufeff").split("\n", 1)[0]
    delimiter = _sniff_delimiter(first_line)
    # Lines ending in a bare CR (old Mac files) need the text layer's universal newlines.
    by_bytes = encoding != "utf-16" and b"\r" not in head.rstrip(b"\r").replace(b"\r\n", b"")
    wrapper = None if by_bytes else io.TextIOWrapper(stream, encoding=encoding, newline="")
    texts = _byte_blocks(stream, encoding) if wrapper is None else _text_blocks(wrapper)

    def progress() -> float:
        return min(1.0, stream.tell() / size) if size else 0.0

    try:
        blocks = _csv_blocks(texts, delimiter)
        header_row, headers, data = _find_header(blocks, known_headers)
        yield Table(header_row, headers, data, progress, "csv", encoding, delimiter,
                    stream if wrapper is None else None, size)
    finally:
        if wrapper is not None:
            wrapper.detach()  # hand the byte stream back unclosed: it belongs to the caller


def _byte_blocks(stream: IO[bytes], encoding: str, done: int = 0
                 ) -> Iterator[tuple[int, str]]:
    """(lines so far, text of the next lines), decoded a block at a time.

    Splitting bytes at newlines is safe in UTF-8 and GB18030: 0x0A is never part of a
    multi-byte character in either. A decoding error is traced to its line.
    """
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    lines = iter(stream)
    while raw := list(islice(lines, _BLOCK_LINES)):
        try:
            text = b"".join(raw).decode(codec)
        except UnicodeDecodeError as exc:
            bad = next(i for i, line in enumerate(raw) if not _decodes(line, codec))
            raise TableError(gettext_noop(
                "row {row} is not valid {encoding} text; save the file as UTF-8 or GB18030"),
                row=done + bad + 1, encoding=encoding.upper().replace("-SIG", "")) from exc
        yield done, text.lstrip("\ufeff") if done == 0 else text
        done += len(raw)


def _decodes(line: bytes, codec: str) -> bool:
    try:
        line.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _text_blocks(wrapper: io.TextIOWrapper) -> Iterator[tuple[int, str]]:
    """The same from a text layer (UTF-16, or bare CR line ends), endings made "\n"."""
    done = 0
    while lines := list(islice(wrapper, _BLOCK_LINES)):
        text = "".join(line.rstrip("\r\n") + "\n" for line in lines)
        yield done, text.lstrip("\ufeff") if done == 0 else text
        done += len(lines)


def _csv_blocks(texts: Iterator[tuple[int, str]], delimiter: str, number: int = 0
                ) -> Iterator[Block]:
    """Numbered, non-blank records a block at a time.

    A block without a quote character is split line by line with str.split (most exports);
    otherwise its lines go through `Records`, which defers quoted fields to csv.reader.
    """
    records = Records(delimiter)
    records.done = number
    blank = delimiter + " \t\r\n\u3000"
    for _, text in texts:
        if not records.pending and '"' not in text:
            lines = _split_lines(text)
            block = [(n, line.split(delimiter)) for n, line in zip(count(number + 1), lines)
                     if line.strip(blank)]
            number += len(lines)
        else:
            lines = text.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            found = records.feed(line + "\n" for line in lines)
            block = [(n, cells) for n, cells in zip(count(number + 1), found)
                     if not _is_blank(cells)]
            number += len(found)
        if block:
            yield block
    found = records.finish()
    block = [(n, cells) for n, cells in zip(count(number + 1), found) if not _is_blank(cells)]
    if block:
        yield block


def _split_lines(text: str) -> list[str]:
    """The lines of a block, without their endings."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


class Records:
    """Lines → the records csv.reader would give, several times faster on unquoted lines.

    A line without a quote character is one record and is split directly; lines with quotes
    are gathered until their quotes balance (a quoted field may span lines) and handed to
    csv.reader.
    """

    def __init__(self, delimiter: str = ",") -> None:
        self.delimiter = delimiter
        self.pending: list[str] = []
        self.quotes = 0
        self.done = 0

    def feed(self, lines: Iterable[str]) -> list[list[str]]:
        out: list[list[str]] = []
        for line in lines:
            if not self.pending and '"' not in line:
                out.append(line.rstrip("\r\n").split(self.delimiter))
                continue
            self.pending.append(line)
            self.quotes += line.count('"')
            if self.quotes % 2 == 0:
                out += self._parse()
        self.done += len(out)
        return out

    def finish(self) -> list[list[str]]:
        out = self._parse() if self.pending else []
        self.done += len(out)
        return out

    def _parse(self) -> list[list[str]]:
        try:
            parsed = list(csv.reader(self.pending, delimiter=self.delimiter))
        except csv.Error as exc:
            raise TableError(gettext_noop("row {row} cannot be read as CSV: {detail}"),
                             row=self.done + 1, detail=str(exc)) from exc
        self.pending, self.quotes = [], 0
        return parsed


def csv_records(lines: Iterable[str], delimiter: str = ",") -> Iterator[list[str]]:
    """The records csv.reader would give for these lines (see `Records`)."""
    records = Records(delimiter)
    for line in lines:
        yield from records.feed([line])
    yield from records.finish()


def _stream_size(stream: IO[bytes]) -> int:
    position = stream.tell()
    size = stream.seek(0, io.SEEK_END)
    stream.seek(position)
    return size


@contextmanager
def _open_xlsx(stream: IO[bytes], known_headers: Collection[str],
               limits: Limits | None = None) -> Iterator[Table]:
    try:
        check_archive(stream, limits)
    except ArchiveError as exc:
        raise TableError(exc.template, **exc.params) from None
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableError(gettext_noop("the file is not a valid .xlsx workbook")) from exc
    try:
        sheet = book.active if book.active is not None else book.worksheets[0]
        total = sheet.max_row or 0
        state = {"row": 0}

        def blocks() -> Iterator[Block]:
            block: Block = []
            for values in sheet.iter_rows(values_only=True):
                state["row"] += 1
                if values.count(None) == len(values):  # padding rows: no cell per cell
                    continue
                cells = [cell_text(v) for v in values]
                if not _is_blank(cells):
                    block.append((state["row"], cells))
                if len(block) >= _XLSX_BLOCK_ROWS:
                    yield block
                    block = []
            if block:
                yield block

        def progress() -> float:
            return min(1.0, state["row"] / total) if total else 0.0

        header_row, headers, data = _find_header(blocks(), known_headers)
        yield Table(header_row, headers, data, progress, "xlsx")
    finally:
        book.close()


def _is_blank(cells: Sequence[str]) -> bool:
    return not any(c.strip() for c in cells)


def _find_header(blocks: Iterator[Block], known: Collection[str]
                 ) -> tuple[int, list[str], Iterator[Block]]:
    """The first row naming two known columns (or else the first row) is the header."""
    leading: Block = []
    rest: Block = []
    for block in blocks:
        for i, (number, cells) in enumerate(block):
            leading.append((number, cells))
            if _known_count(cells, known) >= 2 or len(leading) >= HEADER_SEARCH_ROWS:
                rest = block[i + 1:]
                break
        else:
            continue
        break
    if not leading:
        raise TableError(gettext_noop("the file is empty"))
    header_row, header_cells = next(((n, c) for n, c in leading
                                     if _known_count(c, known) >= 2), leading[0])
    headers = [h.strip() for h in header_cells]
    while headers and not headers[-1]:
        headers.pop()
    first = [(n, c) for n, c in leading if n > header_row] + rest

    def data() -> Iterator[Block]:
        if first:
            yield first
        yield from blocks

    return header_row, headers, data()


def _known_count(cells: Sequence[str], known: Collection[str]) -> int:
    return sum(1 for c in cells if normalise_header(c) in known)


@dataclass
class HeaderMap:
    """How the file's columns are read: field → column index, and what could not be mapped."""

    headers: list[str]
    fields: dict[str, int] = field(default_factory=dict)
    ignored: list[int] = field(default_factory=list)
    unnamed: list[int] = field(default_factory=list)  # columns without a header cell
    problems: list[tuple[str, HeaderError]] = field(default_factory=list)
    detected: dict[str, str] = field(default_factory=dict)  # header → field, before overrides

    def header_of(self, field_name: str, columns: Sequence[Column]) -> str:
        """The column's header as written in the file, or its usual name if absent."""
        index = self.fields.get(field_name)
        if index is not None:
            return self.headers[index]
        return next(c.header for c in columns if c.field == field_name)

    def as_dict(self) -> dict[str, str]:
        """header → field, "" for ignored columns; for display and storage."""
        out = {self.headers[i]: f for f, i in self.fields.items()}
        out.update({self.headers[i]: "" for i in self.ignored})
        return out


def synonym_index(columns: Sequence[Column]) -> dict[str, str]:
    """Normalised header or synonym (and field name) → field."""
    index: dict[str, str] = {}
    for column in columns:
        for name in (*column.names(), column.field):
            index.setdefault(normalise_header(name), column.field)
    return index


def known_headers(columns: Sequence[Column]) -> frozenset[str]:
    return frozenset(normalise_header(n) for c in columns for n in c.names())


def resolve_headers(headers: Sequence[str], columns: Sequence[Column],
                    overrides: Mapping[str, str] | None = None,
                    required_any: Sequence[tuple[str, ...]] = ()) -> HeaderMap:
    """Map each header to a field: the user's overrides first, then the usual names.

    `overrides` maps a header (as written) to a field name or any of its names, or to ""
    to ignore the column. Unknown columns, two columns read as one field, repeated headers
    and missing required columns are returned as problems naming the column.
    """
    index = synonym_index(columns)
    by_field = {c.field: c for c in columns}
    wanted = {normalise_header(k): v for k, v in (overrides or {}).items()}
    result = HeaderMap(headers=list(headers))
    seen: set[str] = set()
    for i, header in enumerate(headers):
        key = normalise_header(header)
        if not key:
            result.unnamed.append(i)
            continue
        if key in index:
            result.detected[header] = index[key]
        if key in seen:
            if wanted.get(key) != "":
                result.problems.append((header, HeaderError(gettext_noop(
                    'the column "{header}" appears more than once'), header=header)))
            continue
        seen.add(key)
        chosen = _choose(header, wanted.get(key), index.get(key), index)
        if isinstance(chosen, HeaderError):
            result.problems.append((header, chosen))
        elif chosen is None:
            result.ignored.append(i)
        elif chosen in result.fields:
            result.problems.append((header, HeaderError(gettext_noop(
                'the columns "{first}" and "{header}" would both be read as "{field}"; '
                "ignore one of them"), first=headers[result.fields[chosen]], header=header,
                field=by_field[chosen].header)))
        else:
            result.fields[chosen] = i
    result.problems.extend(_missing(result, columns, required_any))
    return result


def _choose(header: str, wanted: str | None, detected: str | None,
            index: Mapping[str, str]) -> str | HeaderError | None:
    """The field for one column, None to ignore it, or the problem."""
    if wanted == "":
        return None
    if wanted is not None:
        chosen = index.get(normalise_header(wanted))
        if chosen is None:
            return HeaderError(gettext_noop(
                'the column "{header}" is mapped to "{field}", which is not a field of this '
                "import"), header=header, field=wanted)
        return chosen
    if detected is None:
        return HeaderError(gettext_noop(
            'unknown column "{header}": map it to a field or ignore it'), header=header)
    return detected


def _missing(result: HeaderMap, columns: Sequence[Column],
             required_any: Sequence[tuple[str, ...]]) -> list[tuple[str, HeaderError]]:
    by_field = {c.field: c for c in columns}
    problems = [(c.header, HeaderError(gettext_noop('the required column "{header}" is missing'),
                                       header=c.header))
                for c in columns if c.required and c.field not in result.fields]
    for group in required_any:
        if not any(f in result.fields for f in group):
            names = " / ".join(f'"{by_field[f].header}"' for f in group)
            problems.append((by_field[group[0]].header, HeaderError(gettext_noop(
                "one of the columns {names} is required"), names=names)))
    return problems


def missing_is_fatal(header_map: HeaderMap, columns: Sequence[Column],
                     required_any: Sequence[tuple[str, ...]] = ()) -> bool:
    """Whether rows can still be checked: not when a required column is absent."""
    if any(c.required and c.field not in header_map.fields for c in columns):
        return True
    return any(not any(f in header_map.fields for f in group) for group in required_any)


def spare_cells(cells: Sequence[str], header_map: HeaderMap) -> list[tuple[str, RuleError]]:
    """Values in columns without a header, or beyond the last header: data that would be lost."""
    problems: list[tuple[str, RuleError]] = []
    width = len(header_map.headers)
    for i in header_map.unnamed:
        if i < len(cells) and cells[i].strip():
            problems.append((_column_label(i), RuleError(gettext_noop(
                "a value in a column without a header"))))
    if len(cells) > width and any(c.strip() for c in cells[width:]):
        problems.append((_column_label(width), RuleError(gettext_noop(
            "more values than there are columns in the header"))))
    return problems


def _column_label(index: int) -> str:
    """A spreadsheet column name (A, B, …, AA) for a column without a header."""
    label, n = "", index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        label = chr(65 + rem) + label
    return label


def as_text(cells: Sequence[Any]) -> list[str]:
    return [cell_text(c) for c in cells]
