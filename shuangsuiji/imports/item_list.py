"""Importing and exporting the 抽查事项清单 with its Chinese headers.

A changed item gets a new version through catalog.services, with the reason "Import <file>",
so its history shows where the change came from. Export writes the same headers, so an
exported list can be edited in Excel and imported back.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shuangsuiji.accounts.models import Department
from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.catalog.services import item_create, item_update
from shuangsuiji.core import sheets
from shuangsuiji.rules.item_rows import COLUMNS, KIND_HEADERS, ItemRowChecker
from shuangsuiji.rules.tabular import HeaderMap, Table

from .models import ImportJob
from .reporting import Report, report_rows

Problem = tuple[str, str, dict[str, Any]]  # column, message template, its values


@dataclass
class _Context:
    job: ImportJob
    departments: dict[str, Department] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, job: ImportJob) -> "_Context":
        context = cls(job)
        for department in Department.objects.filter(root_id=job.department.root_id):
            context.departments[department.code.upper()] = department
            context.departments[department.name] = department
        return context

    def department(self, value: str) -> Department | None:
        return self.departments.get(value.upper()) or self.departments.get(value)


def _rows(table: Table, checker: ItemRowChecker, context: _Context
          ) -> Iterator[tuple[int, list[str], dict[str, Any], list[Problem]]]:
    h = checker.header
    root_id = context.job.department.root_id
    for row, cells in table.rows:
        values, found = checker.check(cells)
        problems = [(column, error.template, dict(error.params)) for column, error in found]
        if values.get("department"):
            department = context.department(values["department"])
            if department is None:
                problems.append((h["department"], gettext_noop(
                    'no department "{value}" in this organisation'),
                    {"value": values["department"]}))
            values["department"] = department
        code = values.get("code")
        if code:
            first = context.seen.setdefault(code, row)
            if first != row:
                problems.append((h["code"], gettext_noop(
                    "repeats the item code of row {first}"), {"first": first}))
            elif InspectionItem.objects.filter(code=code).exclude(
                    department__root_id=root_id).exists():
                problems.append((h["code"], gettext_noop(
                    "the item code {code} belongs to another organisation's list"),
                    {"code": code}))
        yield row, cells, values, problems


def validate(job: ImportJob, table: Table, header_map: HeaderMap, report: Report) -> None:
    rows = _rows(table, ItemRowChecker(header_map), _Context.load(job))
    report_rows(rows, table.progress, report)


def commit(job: ImportJob, header_map: HeaderMap, actor: Any, table: Table) -> dict[str, Any]:
    """New items, and a new version of each changed one; runs in the import's transaction."""
    checker = ItemRowChecker(header_map)
    context = _Context.load(job)
    mapped = set(header_map.fields)
    reason = _("Import {file}").format(file=job.original_name)
    counts: dict[str, Any] = {"imported": 0, "updated": 0, "unchanged": 0,
                              "created_codes": [], "updated_codes": []}
    for _row, _cells, values, problems in _rows(table, checker, context):
        if problems:
            continue
        item = InspectionItem.objects.filter(code=values["code"]).first()
        if item is None:
            item_create(actor=actor, data=values, reason=reason)
            counts["imported"] += 1
            counts["created_codes"].append(values["code"])
            continue
        version = item.version
        data = {k: v for k, v in values.items() if k in mapped}
        if item_update(actor=actor, item=item, data=data, reason=reason).version != version:
            counts["updated"] += 1
            counts["updated_codes"].append(values["code"])
        else:
            counts["unchanged"] += 1
    return counts


def export_xlsx(items: Iterable[InspectionItem], out: IO[bytes]) -> int:
    """Write the items with the import's headers; returns the number of items written."""
    book = sheets.workbook()
    sheet = book.create_sheet(_("Inspection items"))
    sheets.append(sheet, [c.header for c in COLUMNS])
    count = 0
    for item in items:
        sheets.append(sheet, [_cell(item, c.field) for c in COLUMNS])
        count += 1
    sheets.save(book, out)
    return count


def _cell(item: InspectionItem, name: str) -> str:
    if name == "department":
        return item.department.name
    if name == "kind":
        return KIND_HEADERS.get(item.kind, item.kind)
    return getattr(item, name) or ""
