"""The batch files for the credit platforms: Excel (.xlsx) and CSV (UTF-8 with a byte-order
mark, so Excel opens the Chinese text right). Columns: rules/publication.py EXPORT_COLUMNS,
documented in docs/exports.md."""

import io
from collections.abc import Callable, Iterable
from itertools import chain

from openpyxl.styles import Font

from shuangsuiji.core import sheets
from shuangsuiji.rules import publication as rules

from .models import PublishedResult

SHEET_TITLE = "抽查检查结果"


def source(result: PublishedResult) -> rules.ExportSource:
    return rules.ExportSource(
        uscc=result.uscc, entity_name=result.entity_name,
        department_name=result.department_name, inspected_on=result.inspected_on,
        category_text=result.category_text, task_code=result.task_code,
        task_name=result.task_name, conduct_text=result.conduct_text,
        findings=result.findings, region_code=result.region_code,
        published_on=result.published_on, withheld_fields=tuple(result.withheld_fields),
        inspection_type=result.inspection_type)


def rows(results: Iterable[PublishedResult],
         progress: Callable[[int], object] | None = None) -> Iterable[list[str]]:
    for result in results:
        yield rules.export_row(source(result))
        if progress is not None:
            progress(1)


def write(results: Iterable[PublishedResult], *, fmt: str,
          progress: Callable[[int], object] | None = None) -> bytes:
    if fmt == "csv":
        return _csv(rows(results, progress))
    return _xlsx(rows(results, progress))


def _csv(lines: Iterable[list[str]]) -> bytes:
    return sheets.csv_bytes(chain([rules.EXPORT_COLUMNS], lines))


def _xlsx(lines: Iterable[list[str]]) -> bytes:
    book = sheets.workbook()
    sheet = book.create_sheet(SHEET_TITLE)
    sheets.append(sheet, rules.EXPORT_COLUMNS, font=Font(bold=True))
    for line in lines:
        # Every cell as text: codes keep their leading zeros and are never read as formulas.
        sheets.append(sheet, line)
    out = io.BytesIO()
    sheets.save(book, out)
    return out.getvalue()
