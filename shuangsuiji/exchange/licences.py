"""Licences in (审管联动): the 行政审批局's system sends new and changed licences as JSON rows.

The rows become a CSV file of the licence import (imports app) with the file's own headers, and
go through the very same check and commit as a file a clerk uploads: every problem kept as an
ImportIssue with its row, column and reason, the job and its report on the import pages for the
office, one audit entry for the commit. Idempotent by licence number: the import compares each
entity and licence with what the directory holds, so a replay finds everything unchanged and a
changed row updates its licence.

Before that, the request's shape is checked here: each row an object of known fields with text
values and a licence number; a request with any such problem writes nothing (400).
"""

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.core.audit import audit_record
from shuangsuiji.credit.models import PartnerToken
from shuangsuiji.imports import services as imports
from shuangsuiji.imports.choices import ImportKind, ImportMode, ImportStatus
from shuangsuiji.imports.models import ImportJob
from shuangsuiji.rules import target_rows

# What the licensing bureau may send: the entity, its licence, its contact. Never a
# credit-risk class (the credit platform's, not the licensing bureau's).
FIELDS: tuple[str, ...] = tuple(
    f for f in (*target_rows.ENTITY_FIELDS, *target_rows.LICENCE_FIELDS,
                *target_rows.CONTACT_FIELDS) if f != "risk_class")
HEADERS: dict[str, str] = {c.field: c.header for c in target_rows.COLUMNS}
FIELD_OF_HEADER: dict[str, str] = {v: k for k, v in HEADERS.items()}
MAX_ROWS = 1000
KEY_FIELD = "lic_number"
# The file's first data row is row 2 (the header is row 1): row n of the request is file row n+1.
FIRST_FILE_ROW = 2


def shape_problems(rows: Sequence[Any]) -> list[dict[str, Any]]:
    """(row, field, reason) for each row that is not an object of known text fields with a
    licence number; rows counted from 1, as the report counts them."""
    problems: list[dict[str, Any]] = []
    if not rows:
        problems.append({"row": 0, "field": "rows", "reason": _("Send at least one row.")})
    if len(rows) > MAX_ROWS:
        problems.append({"row": 0, "field": "rows", "reason": _(
            "At most {limit} rows a request.").format(limit=MAX_ROWS)})
    seen: dict[str, int] = {}
    for n, row in enumerate(rows[:MAX_ROWS], start=1):
        if not isinstance(row, Mapping):
            problems.append({"row": n, "field": "", "reason": _("A row is a JSON object.")})
            continue
        for name in sorted(set(row) - set(FIELDS)):
            problems.append({"row": n, "field": str(name), "reason": _("Unknown field.")})
        for name in FIELDS:
            value = row.get(name)
            if value is not None and not isinstance(value, str):
                problems.append({"row": n, "field": name,
                                 "reason": _("Send text (a JSON string) or null.")})
        number = row.get(KEY_FIELD)
        if not isinstance(number, str) or not number.strip():
            problems.append({"row": n, "field": KEY_FIELD, "reason": _(
                "The licence number is required: licences are received by their number.")})
        else:
            key = f"{(row.get('uscc') or '').strip()}|{number.strip()}"
            if key in seen:
                problems.append({"row": n, "field": KEY_FIELD, "reason": _(
                    "Repeats row {first}: one row per licence a request.").format(
                        first=seen[key])})
            seen.setdefault(key, n)
    return problems


def _csv(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """The rows as the import reads a file: the standard headers, the values as sent (no
    spreadsheet neutralising: nothing here is opened in a spreadsheet)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([HEADERS[f] for f in FIELDS])
    for row in rows:
        writer.writerow([(row.get(f) or "") for f in FIELDS])
    return out.getvalue().encode("utf-8")


def licences_receive(*, token: PartnerToken, rows: Sequence[Any]) -> ImportJob:
    """Land the rows in the key's organisation's directory through the licence import."""
    problems = shape_problems(rows)
    if problems:
        raise RowsRefused(problems)
    organisation = token.organisation
    now = timezone.localtime()
    name = f"审管联动-{token.prefix}-{now:%Y%m%d-%H%M%S}.csv"
    with transaction.atomic():
        job = imports.import_job_create(
            actor=None, kind=ImportKind.TARGETS, department=organisation,
            upload=io.BytesIO(_csv(rows)), original_name=name, mode=ImportMode.VALID_ROWS,
            background=False)
        audit_record(actor=None, action="licence.receive", obj=job,
                     organisation_id=organisation.pk,
                     summary=_("{n} licence rows received from {partner}").format(
                         n=len(rows), partner=token.name),
                     data={"partner": token.prefix, "rows": len(rows), "job": job.pk,
                           "sha256": job.sha256})
    job = imports.import_job_validate(job_id=job.pk)
    if job.status == ImportStatus.VALIDATED:
        job = imports.import_job_commit(actor=None, job_id=job.pk)
    job.refresh_from_db()
    return job


class RowsRefused(ValidationError):
    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(_("The request is refused: nothing was imported."))
        self.problems = problems


def report(job: ImportJob) -> list[dict[str, Any]]:
    """Each problem of the job: the request's row, the field, the file's column, the reason."""
    out = []
    for issue in job.issues.order_by("row", "pk"):
        out.append({"row": max(0, issue.row - FIRST_FILE_ROW + 1),
                    "field": FIELD_OF_HEADER.get(issue.column, issue.column),
                    "column": issue.column, "reason": issue.message})
    return out
