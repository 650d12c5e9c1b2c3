"""The rejected rows of an import as a file (CSV or XLSX), for the user to fix and re-import."""

from collections.abc import Iterable, Iterator
from itertools import chain
from typing import IO, Any

from django.utils.translation import gettext as _

from shuangsuiji.core import sheets

from .models import ImportJob

# Excel stops at 1,048,576 rows; beyond that the CSV has them all.
XLSX_MAX_ROWS = 1_000_000


def issue_rows(job: ImportJob) -> Iterator[tuple[int, str, str]]:
    """(row, column, reason in the active language), file problems first, then by row."""
    issues = job.issues.order_by("-file_level", "row", "id").iterator(chunk_size=5000)
    for issue in issues:
        yield issue.row, issue.column, issue.message


def header() -> list[str]:
    return [_("Row"), _("Column"), _("Reason")]


def _all_rows(job: ImportJob) -> Iterable[Iterable[Any]]:
    return chain([header()], issue_rows(job))


def write_csv(job: ImportJob, out: IO[str]) -> None:
    """UTF-8 with a byte order mark, so that Excel shows the Chinese text correctly."""
    sheets.write_csv(out, _all_rows(job))


def csv_lines(job: ImportJob) -> Iterator[str]:
    """The same CSV, line by line, for a streaming download."""
    return sheets.csv_lines(_all_rows(job))


def write_xlsx(job: ImportJob, out: IO[bytes]) -> None:
    book = sheets.workbook()
    sheet = book.create_sheet(_("Rejected rows"))
    sheets.append(sheet, header())
    for count, row in enumerate(issue_rows(job)):
        if count >= XLSX_MAX_ROWS:
            sheets.append(sheet, ["", "", _("More problems than a workbook can hold: download "
                                            "the CSV file for all of them.")])
            break
        sheets.append(sheet, row)
    sheets.save(book, out)
