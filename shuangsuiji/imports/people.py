"""Importing the 执法检查人员名录库: upsert by staff code, certificates, status, identity number.

Inspector files are small (hundreds of rows), so rows are written through the ORM. The whole
import is one transaction with one audit entry (services.import_job_commit).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shuangsuiji.accounts.models import Department
from shuangsuiji.core import crypto
from shuangsuiji.core.snapshots import diff, snapshot
from shuangsuiji.inspectors.models import Certificate, Inspector, InspectorStatusChange
from shuangsuiji.inspectors.services import set_id_number
from shuangsuiji.rules.inspector_rows import IN_POST, InspectorRowChecker
from shuangsuiji.rules.tabular import HeaderMap, Table

from .models import ImportJob
from .reporting import Report, report_rows

# Fields an import may set on an inspector, as the file names them.
_PLAIN_FIELDS = ("name", "role", "specialties", "region_code", "phone")


@dataclass
class _Context:
    """What rows are checked against: the organisation's departments, codes already used."""

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
        if not value:
            return self.job.department
        return self.departments.get(value.upper()) or self.departments.get(value)


Problem = tuple[str, str, dict[str, Any]]  # column, message template, its values


def _rows(table: Table, checker: InspectorRowChecker, context: _Context
          ) -> Iterator[tuple[int, list[str], dict[str, Any], list[Problem]]]:
    """(row, cells, values, problems) for every row of the file."""
    h = checker.header
    root_id = context.job.department.root_id
    for row, cells in table.rows:
        values, found = checker.check(cells)
        problems = [(column, error.template, dict(error.params)) for column, error in found]
        department = context.department(values.get("department", ""))
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
                    "repeats the staff code of row {first}"), {"first": first}))
            elif Inspector.objects.filter(code=code).exclude(
                    department__root_id=root_id).exists():
                problems.append((h["code"], gettext_noop(
                    "the staff code {code} belongs to an inspector of another organisation"),
                    {"code": code}))
        if values.get("cert_number") and values.get("cert_issuer") and code and \
                Certificate.objects.filter(number=values["cert_number"],
                                           issuer=values["cert_issuer"]).exclude(
                    inspector__code=code).exists():
            problems.append((h["cert_number"], gettext_noop(
                "this certificate is recorded for another inspector"), {}))
        yield row, cells, values, problems


def validate(job: ImportJob, table: Table, header_map: HeaderMap, report: Report) -> None:
    rows = _rows(table, InspectorRowChecker(header_map), _Context.load(job))
    report_rows(rows, table.progress, report)


def commit(job: ImportJob, header_map: HeaderMap, actor: Any, table: Table) -> dict[str, Any]:
    """Write the good rows; returns the counts. Runs inside the import's transaction."""
    checker = InspectorRowChecker(header_map)
    context = _Context.load(job)
    mapped = set(header_map.fields)
    counts: dict[str, Any] = {"imported": 0, "updated": 0, "unchanged": 0,
                              "created_codes": [], "updated_codes": []}
    today = timezone.localdate()
    for _row, _cells, values, problems in _rows(table, checker, context):
        if problems:
            continue
        existing = Inspector.objects.select_for_update().filter(code=values["code"]).first()
        if existing is None:
            _create(values, actor=actor, today=today)
            counts["imported"] += 1
            counts["created_codes"].append(values["code"])
        elif _update(existing, values, mapped, actor=actor, today=today):
            counts["updated"] += 1
            counts["updated_codes"].append(values["code"])
        else:
            counts["unchanged"] += 1
    return counts


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _create(values: dict[str, Any], *, actor: Any, today: date) -> Inspector:
    inspector = Inspector(department=values["department"], code=values["code"],
                          status=values.get("status") or IN_POST,
                          status_since=values.get("status_since") or today)
    for name in _PLAIN_FIELDS:
        setattr(inspector, name, values.get(name) or "")
    set_id_number(inspector, values.get("id_number") or "")
    inspector.full_clean()
    inspector.save()
    InspectorStatusChange.objects.create(inspector=inspector, status=inspector.status,
                                         effective_on=inspector.status_since,
                                         recorded_by=_user(actor),
                                         note=_("Entered into the directory"))
    _certificate(inspector, values)
    return inspector


def _update(inspector: Inspector, values: dict[str, Any], mapped: set[str], *, actor: Any,
            today: date) -> bool:
    """Apply the file's values; True when anything changed."""
    fields = ["department", *_PLAIN_FIELDS, "id_number_masked"]
    before = snapshot(inspector, fields)
    if "department" in mapped:
        inspector.department = values["department"]
    for name in _PLAIN_FIELDS:
        if name in mapped:
            setattr(inspector, name, values.get(name) or "")
    id_changed = "id_number" in mapped and _set_identity(inspector, values.get("id_number"))
    changed = bool(diff(before, snapshot(inspector, fields))) or id_changed
    if changed:
        inspector.full_clean()
        inspector.save()
    status_changed = "status" in mapped and _status(inspector, values, actor=actor, today=today)
    certificate_changed = _certificate(inspector, values)
    return changed or status_changed or certificate_changed


def _set_identity(inspector: Inspector, number: str | None) -> bool:
    current = crypto.decrypt(inspector.id_number_encrypted) if inspector.id_number_encrypted \
        else ""
    if (number or "") == current:
        return False
    set_id_number(inspector, number or "")
    return True


def _status(inspector: Inspector, values: dict[str, Any], *, actor: Any, today: date) -> bool:
    status = values.get("status")
    since = values.get("status_since")
    if not status or (status == inspector.status and (not since or since ==
                                                      inspector.status_since)):
        return False
    InspectorStatusChange.objects.create(inspector=inspector, status=status,
                                         effective_on=since or today,
                                         recorded_by=_user(actor),
                                         note=_("Imported"))
    latest = inspector.status_changes.order_by("-effective_on", "-id").first()
    inspector.status, inspector.status_since = latest.status, latest.effective_on
    inspector.save(update_fields=["status", "status_since"])
    return True


def _certificate(inspector: Inspector, values: dict[str, Any]) -> bool:
    number = values.get("cert_number")
    if not number:
        return False
    issuer = values["cert_issuer"]
    period = {"valid_from": values.get("cert_valid_from"),
              "valid_to": values.get("cert_valid_to")}
    cert = Certificate.objects.filter(inspector=inspector, number=number, issuer=issuer).first()
    if cert is None:
        cert = Certificate(inspector=inspector, number=number, issuer=issuer, **period)
    elif all(getattr(cert, k) == v for k, v in period.items()):
        return False
    else:
        for key, value in period.items():
            setattr(cert, key, value)
    cert.full_clean()
    cert.save()
    return True
