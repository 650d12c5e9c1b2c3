"""The rejected rows of an import as a file (CSV or XLSX), for the user to fix and re-import."""

import csv
from collections.abc import Iterator
from typing import IO

from django.utils.translation import gettext as _

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


def write_csv(job: ImportJob, out: IO[str]) -> None:
    """UTF-8 with a byte order mark, so that Excel shows the Chinese text correctly."""
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header())
    writer.writerows(issue_rows(job))


def csv_lines(job: ImportJob) -> Iterator[str]:
    """The same CSV, line by line, for a streaming download."""

    class _Line:
        def write(self, text: str) -> str:
            return text

    writer = csv.writer(_Line(), lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(header())
    for row in issue_rows(job):
        yield writer.writerow(row)


def write_xlsx(job: ImportJob, out: IO[bytes]) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Rejected rows"))
    sheet.append(header())
    for count, row in enumerate(issue_rows(job)):
        if count >= XLSX_MAX_ROWS:
            sheet.append(["", "", _("More problems than a workbook can hold: download the CSV "
                                    "file for all of them.")])
            break
        sheet.append(list(row))
    book.save(out)
