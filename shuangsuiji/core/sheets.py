"""The one writer of every spreadsheet (.xlsx) and CSV file the platform produces.

Imports' problem files, the item list, the publication batches, the oversight report and the
command-line exports all write through here, so no cell can carry a live formula: a text that
a spreadsheet program would run (`=HYPERLINK(…)`, `+`, `-`, `@`, tab, CR at its start) is
written as a string cell in .xlsx (never a formula, and marked like a text typed after an
apostrophe, so editing it in Excel keeps it text) and with a leading apostrophe in CSV (which
has no cell types). Numbers and dates keep their type. The rule is
`shuangsuiji.rules.spreadsheet`.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

from shuangsuiji.rules.spreadsheet import cell_value, csv_cell, is_formula_like

# UTF-8 with a byte-order mark, so Excel shows the Chinese text right.
BOM = "\ufeff"
LINE_END = "\r\n"


# -- CSV -----------------------------------------------------------------------------------------

class _Line:
    def write(self, text: str) -> str:
        return text


_LINE_WRITER = csv.writer(_Line(), lineterminator=LINE_END)


def csv_line(cells: Iterable[Any]) -> str:
    """One CSV record, its text cells neutralised, with its line end."""
    return _LINE_WRITER.writerow([csv_cell(c) for c in cells])


def csv_lines(rows: Iterable[Iterable[Any]], *, bom: bool = True) -> Iterator[str]:
    """The records one by one (a streaming download), the first preceded by the BOM."""
    first = True
    for row in rows:
        line = csv_line(row)
        yield (BOM + line) if first and bom else line
        first = False
    if first and bom:
        yield BOM


def write_csv(out: IO[str], rows: Iterable[Iterable[Any]], *, bom: bool = True) -> None:
    """Write the records to a text stream (opened with newline="")."""
    for line in csv_lines(rows, bom=bom):
        out.write(line)


def csv_bytes(rows: Iterable[Iterable[Any]], *, bom: bool = True) -> bytes:
    return "".join(csv_lines(rows, bom=bom)).encode("utf-8")


# -- Excel ---------------------------------------------------------------------------------------

def workbook(*, write_only: bool = True) -> Workbook:
    """A new workbook: write-only (streamed, for long lists) unless cells are styled later."""
    return Workbook(write_only=write_only)


def cell(sheet: Any, value: Any, *, font: Any = None) -> Cell:
    """A cell for `sheet` (write-only or not): text always a string cell, never a formula."""
    value = cell_value(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters openpyxl refuses
    made = Cell(sheet, row=1, column=1, value=value)
    if isinstance(value, str):
        made.data_type = "s"
        if is_formula_like(value):
            made.quotePrefix = True
    if font is not None:
        made.font = font
    return made


def row(sheet: Any, values: Sequence[Any], *, font: Any = None) -> list[Cell]:
    return [cell(sheet, v, font=font) for v in values]


def append(sheet: Any, values: Sequence[Any], *, font: Any = None) -> None:
    """Append one row to a sheet through `cell`: the only way rows are added."""
    sheet.append(row(sheet, values, font=font))


def save(book: Workbook, out: IO[bytes]) -> None:
    book.save(out)
