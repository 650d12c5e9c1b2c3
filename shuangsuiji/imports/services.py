"""Import jobs, from upload to commit: check, preview, map the columns, commit in one go.

    import_job_create → (task) import_job_validate → [import_job_remap → validate again]
                      → import_job_request_commit → (task) import_job_commit

The commit is one transaction with one audit entry: on any failure nothing is written.
"""

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import IO, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.accounts.models import Department, User
from shuangsuiji.core.audit import audit_record
from shuangsuiji.core.i18n import reason as rule_reason
from shuangsuiji.rules import inspector_rows, item_rows, target_rows, xlsx_guard
from shuangsuiji.rules.tabular import (
    Column,
    HeaderMap,
    Table,
    TableError,
    known_headers,
    missing_is_fatal,
    open_table,
    resolve_headers,
)

from . import item_list, people, targets
from .choices import ImportKind, ImportMode, ImportStatus
from .models import ImportJob
from .reporting import JobExpired, ProgressCallback, Report

logger = logging.getLogger(__name__)

ALLOWED_EXTENSIONS = (".csv", ".xlsx")
# A million licence rows is about 300 MB of CSV.
MAX_UPLOAD_BYTES: int = getattr(settings, "SHUANGSUIJI_IMPORT_MAX_BYTES", 512 * 1024 * 1024)
_SNIFF_BYTES = 8192
# Checked but uncommitted imports are cancelled after this many days (their staging goes).
STALE_DAYS = 7


@dataclass(frozen=True)
class KindSpec:
    """What differs between the three imports: their columns and how they check and write."""

    columns: tuple[Column, ...]
    required_any: tuple[tuple[str, ...], ...]
    validate: Callable[[ImportJob, Table, HeaderMap, Report], None]
    # (job, header map, actor, the file re-opened if rereads_file else None) → counts
    commit: Callable[[ImportJob, HeaderMap, User | None, Any], dict[str, Any]]
    rereads_file: bool


def _commit_targets(job: ImportJob, header_map: HeaderMap, actor: User | None,
                    _table: Table | None) -> dict[str, Any]:
    return targets.TargetCommit(job, header_map, actor_id=getattr(actor, "pk", None),
                                now=timezone.now(), today=timezone.localdate()).run()


KINDS: dict[str, KindSpec] = {
    ImportKind.TARGETS: KindSpec(target_rows.COLUMNS, target_rows.REQUIRED_ANY,
                                 targets.validate, _commit_targets, rereads_file=False),
    ImportKind.INSPECTORS: KindSpec(inspector_rows.COLUMNS, (), people.validate,
                                    people.commit, rereads_file=True),
    ImportKind.ITEMS: KindSpec(item_rows.COLUMNS, (), item_list.validate, item_list.commit,
                               rereads_file=True),
}


class ImportStateError(ValidationError):
    """The job is not in a state that allows this step."""


def header_map_for(job: ImportJob, headers: list[str] | None = None) -> HeaderMap:
    spec = KINDS[job.kind]
    return resolve_headers(job.headers if headers is None else headers, spec.columns,
                           job.column_map, spec.required_any)


def check_upload(name: str, size: int, head: bytes) -> str:
    """The file's extension if it may be imported; ValidationError naming the problem."""
    extension = PurePath(name).suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(_("Only .csv and .xlsx files can be imported."))
    if size == 0:
        raise ValidationError(_("The file is empty."))
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is larger than {limit} MB.").format(
            limit=MAX_UPLOAD_BYTES // (1024 * 1024)))
    if extension == ".xlsx" and not head.startswith(b"PK\x03\x04"):
        raise ValidationError(_("The file is not an Excel workbook (.xlsx)."))
    if extension == ".csv" and (b"\x00" in head and not head.startswith((b"\xff\xfe",
                                                                         b"\xfe\xff"))):
        raise ValidationError(_("The file is not a text (CSV) file."))
    return extension


def xlsx_limits() -> xlsx_guard.Limits:
    """What a workbook may expand to (settings SHUANGSUIJI_XLSX_*): no zip bombs."""
    return xlsx_guard.Limits(max_bytes=settings.SHUANGSUIJI_XLSX_MAX_BYTES,
                             max_cells=settings.SHUANGSUIJI_XLSX_MAX_CELLS)


def check_workbook(name: str, stream: IO[bytes], *, deep: bool = False) -> None:
    """Refuse a workbook that would expand beyond the limits, naming the file and why."""
    try:
        xlsx_guard.check_archive(stream, xlsx_limits(), deep=deep)
    except xlsx_guard.ArchiveError as exc:
        raise ValidationError(_("“{file}” is refused: {reason}.").format(
            file=name, reason=rule_reason(exc))) from None


def _sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    while block := stream.read(1024 * 1024):
        digest.update(block)
    stream.seek(0)
    return digest.hexdigest()


@transaction.atomic
def import_job_create(*, actor: User | None, kind: str, department: Department, upload: IO[bytes],
                      original_name: str, mode: str = ImportMode.VALID_ROWS,
                      column_map: Mapping[str, str] | None = None,
                      background: bool = True) -> ImportJob:
    """Store the upload privately and create its job; the check starts after the commit."""
    upload.seek(0)
    head = upload.read(_SNIFF_BYTES)
    size = upload.seek(0, 2)
    upload.seek(0)
    extension = check_upload(original_name, size, head)
    if extension == ".xlsx":
        check_workbook(original_name, upload)  # the sizes it declares; the check reads it all
    job = ImportJob(kind=kind, department=department, original_name=original_name[:255],
                    sha256=_sha256(upload), mode=mode, column_map=dict(column_map or {}),
                    created_by=actor if getattr(actor, "pk", None) else None)
    # A random stored name: the user's file name never becomes a path.
    job.file.save(f"{uuid.uuid4().hex}{extension}", File(upload), save=False)
    job.save()
    if background:
        _enqueue_validation(job)
    expire_stale_jobs()
    expire_stuck_jobs()
    return job


def expire_stale_jobs(*, days: int = STALE_DAYS) -> int:
    """Cancel checked imports nobody committed for `days` days; their staged rows go."""
    cutoff = timezone.now() - timedelta(days=days)
    stale = list(ImportJob.objects.filter(status=ImportStatus.VALIDATED, created_at__lt=cutoff))
    for job in stale:
        _clear_staging(job)
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.VALIDATED).update(
            status=ImportStatus.CANCELLED, finished_at=timezone.now(),
            message=_("Cancelled: not imported within {days} days of the check.").format(
                days=days))
    return len(stale)


def stuck_minutes() -> int:
    return int(settings.SHUANGSUIJI_IMPORT_STUCK_MINUTES)


def stuck_jobs(*, now: datetime | None = None, minutes: int | None = None
               ) -> QuerySet[ImportJob]:
    """Jobs checking or committing with no progress for `minutes` (the setting by default)."""
    cutoff = (now or timezone.now()) - timedelta(minutes=minutes or stuck_minutes())
    return (ImportJob.objects
            .filter(status__in=(ImportStatus.VALIDATING, ImportStatus.COMMITTING))
            .alias(beat=Coalesce("heartbeat_at", "created_at")).filter(beat__lt=cutoff))


def expire_stuck_jobs(*, actor: User | None = None, now: datetime | None = None,
                      minutes: int | None = None) -> list[ImportJob]:
    """Mark failed the jobs whose worker stopped (no heartbeat), and drop their staged rows.

    A worker killed while checking a file leaves its job "checking" forever, with its staged
    rows. Each expired job is audited. A commit still running holds its job's row locked
    (PostgreSQL) and is skipped; a check that was only slow stops at its next heartbeat.
    """
    minutes = minutes or stuck_minutes()
    expired = []
    for pk in list(stuck_jobs(now=now, minutes=minutes).values_list("pk", flat=True)):
        with transaction.atomic():
            job = (stuck_jobs(now=now, minutes=minutes).select_for_update(skip_locked=True)
                   .select_related("department").filter(pk=pk).first())
            if job is None:
                continue
            was = job.get_status_display()
            message = _(
                "Stopped: no progress for more than {minutes} minutes while “{status}” (the "
                "background worker was stopped). Nothing was imported; upload the file again."
            ).format(minutes=minutes, status=was)
            # Conditional: a commit that ended meanwhile (SQLite has no row locks) stays done.
            if not ImportJob.objects.filter(pk=job.pk, status=job.status).update(
                    status=ImportStatus.FAILED, finished_at=timezone.now(), message=message):
                continue
            _clear_staging(job)
            job.refresh_from_db()
            audit_record(
                actor=actor, action="import.expire", obj=job,
                organisation_id=job.department.root_id,
                summary=_("Import of {file} expired: no progress for more than {minutes} "
                          "minutes").format(file=job.original_name, minutes=minutes),
                data={"job": job.pk, "kind": job.kind, "file": job.original_name,
                      "status": was, "heartbeat": (job.heartbeat_at or job.created_at
                                                   ).isoformat(),
                      "minutes": minutes})
            expired.append(job)
    return expired


def _enqueue_validation(job: ImportJob) -> None:
    from .tasks import validate_import  # the task module imports this one

    transaction.on_commit(lambda: validate_import.enqueue(job.pk))


@contextmanager
def _open(job: ImportJob) -> Iterator[Table]:
    spec = KINDS[job.kind]
    with job.file.open("rb") as stored:
        # The storage's own file object: Django's File wrapper iterates lines its own way
        # (from the start, splitting at bare CRs too), which byte-level readers must avoid.
        raw: Any = stored
        while isinstance(raw, File):
            raw = raw.file
        with open_table(raw, name=job.original_name, known_headers=known_headers(spec.columns),
                        xlsx_limits=xlsx_limits()) as table:
            yield table


def import_job_validate(*, job_id: int, on_progress: ProgressCallback | None = None
                        ) -> ImportJob:
    """Check the file: every problem recorded with its row and column, good rows staged."""
    job = ImportJob.objects.select_related("department").get(pk=job_id)
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.VALIDATING):
        return job  # cancelled meanwhile, or already checked by another worker
    _reset(job)
    report = Report(job, on_progress)
    status = ImportStatus.VALIDATED
    table_error: TableError | None = None
    try:
        with _open(job) as table:
            job.headers, job.header_row = table.headers, table.header_row
            job.file_format, job.encoding = table.file_format, table.encoding
            job.save(update_fields=["headers", "header_row", "file_format", "encoding"])
            spec = KINDS[job.kind]
            header_map = header_map_for(job)
            for header, error in header_map.problems:
                report.add_error(table.header_row, header, error, file_level=True)
            if not missing_is_fatal(header_map, spec.columns, spec.required_any):
                spec.validate(job, table, header_map, report)
    except TableError as exc:
        report.add_error(int(cast(int, exc.params.get("row", 1)) or 1), "", exc, file_level=True)
        status, table_error = ImportStatus.REJECTED, exc
        _clear_staging(job)
    except JobExpired:
        return _expired_meanwhile(job)
    except Exception as exc:
        _fail(job, exc)
        raise
    if ImportJob.objects.filter(pk=job.pk, status=ImportStatus.FAILED).exists():
        return _expired_meanwhile(job)
    report.flush()
    job.status, job.progress = status, 100
    job.total_rows, job.processed_rows = report.rows, report.rows
    job.rejected, job.file_problems, job.preview = report.rejected, report.file_problems, \
        report.preview
    if status == ImportStatus.REJECTED:
        job.message = _("“{file}” cannot be read: {reason}.").format(
            file=job.original_name, reason=rule_reason(table_error)) if table_error else _(
            "The file cannot be read.")
        job.finished_at = timezone.now()
    job.save()
    return job


def _expired_meanwhile(job: ImportJob) -> ImportJob:
    """The job was expired while this process checked it: leave it failed, staging cleared."""
    _clear_staging(job)
    job.refresh_from_db()
    return job


def _reset(job: ImportJob) -> None:
    job.issues.all().delete()
    job.status, job.progress, job.message = ImportStatus.VALIDATING, 0, ""
    job.heartbeat_at = timezone.now()
    job.total_rows = job.processed_rows = job.rejected = job.file_problems = 0
    job.imported = job.updated = job.unchanged = 0
    job.preview, job.counts = [], {}
    job.save()


def _fail(job: ImportJob, exc: BaseException) -> None:
    logger.exception("import %s failed", job.pk)
    _clear_staging(job)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.FAILED, message=_("The import failed: {error}").format(
            error=str(exc)[:500]), finished_at=timezone.now())
    job.refresh_from_db()


def _clear_staging(job: ImportJob) -> None:
    if job.kind == ImportKind.TARGETS:
        targets.clear_staging(job.pk)


@transaction.atomic
def import_job_remap(*, actor: User, job: ImportJob, column_map: Mapping[str, str],
                     background: bool = True) -> ImportJob:
    """Read the columns differently (the user's mapping) and check the file again."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in (ImportStatus.VALIDATED, ImportStatus.FAILED):
        raise ImportStateError(_("This import cannot be changed any more."))
    job.column_map = {k: v for k, v in column_map.items() if k in job.headers}
    job.status = ImportStatus.UPLOADED
    job.save(update_fields=["column_map", "status"])
    if background:
        _enqueue_validation(job)
    return job


def _check_committable(job: ImportJob) -> None:
    if job.status not in (ImportStatus.VALIDATED, ImportStatus.COMMITTING):
        raise ImportStateError(_("This import has not been checked, or is already finished."))
    if job.file_problems:
        raise ImportStateError(_("Fix the problems with the columns first: map or ignore "
                                 "them, then check the file again."))


@transaction.atomic
def import_job_request_commit(*, actor: User, job: ImportJob, mode: str) -> ImportJob:
    """Queue the commit (the page then follows its progress)."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    _check_committable(job)
    if job.status == ImportStatus.COMMITTING:
        return job
    job.mode, job.status, job.progress = mode, ImportStatus.COMMITTING, 0
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["mode", "status", "progress", "heartbeat_at"])
    from .tasks import commit_import  # the task module imports this one

    actor_id = getattr(actor, "pk", None)
    transaction.on_commit(lambda: commit_import.enqueue(job.pk, actor_id))
    return job


def import_job_commit(*, actor: User | None, job_id: int, mode: str | None = None) -> ImportJob:
    """Write the checked rows in one transaction, with one audit entry for the import.

    In all-or-nothing mode a file with any rejected row writes nothing (status rejected).
    """
    job = ImportJob.objects.select_related("department").get(pk=job_id)
    _check_committable(job)
    if mode:
        job.mode = mode
    if job.mode == ImportMode.ALL_OR_NOTHING and job.rejected:
        return _finish_rejected(job, _(
            "Nothing was imported: {rejected} rows have problems and “all or nothing” was "
            "chosen.").format(rejected=job.rejected))
    if not job.valid_rows:
        return _finish_rejected(job, _("Nothing was imported: no row can be imported."))
    try:
        with transaction.atomic():
            _write(job, actor)
    except Exception as exc:
        _fail(job, exc)
        raise
    _clear_staging(job)
    return job


def _write(job: ImportJob, actor: User | None) -> dict[str, Any]:
    spec = KINDS[job.kind]
    # The job's row stays locked while it commits: expire_stuck_jobs skips it.
    if ImportJob.objects.select_for_update().filter(pk=job.pk, status=ImportStatus.FAILED
                                                    ).exists():
        raise ImportStateError(_("This import has not been checked, or is already finished."))
    # One import at a time into a department's directory.
    Department.objects.select_for_update().get(pk=job.department_id)
    header_map = header_map_for(job)
    if spec.rereads_file:
        with _open(job) as table:
            counts = spec.commit(job, header_map, actor, table)
    else:
        counts = spec.commit(job, header_map, actor, None)
    job.imported, job.updated, job.unchanged = (counts["imported"], counts["updated"],
                                                counts["unchanged"])
    job.counts = {k: v for k, v in counts.items() if not isinstance(v, list)}
    job.status, job.progress, job.finished_at = ImportStatus.DONE, 100, timezone.now()
    job.message = ""
    _audit(job, actor, counts)
    job.save()
    return counts


def _audit(job: ImportJob, actor: User | None, counts: dict[str, Any]) -> None:
    audit_record(
        actor=actor, action=f"import.{job.kind}", obj=job,
        organisation_id=job.department.root_id,
        summary=_("Import of {file} into {department}: {imported} new, {updated} updated, "
                  "{unchanged} unchanged, {rejected} rejected").format(
            file=job.original_name, department=job.department.name, imported=job.imported,
            updated=job.updated, unchanged=job.unchanged, rejected=job.rejected),
        data={"job": job.pk, "kind": job.kind, "file": job.original_name,
              "sha256": job.sha256, "mode": job.mode, "department": job.department.code,
              "rows": job.total_rows, "rejected": job.rejected, "counts": counts})


def _finish_rejected(job: ImportJob, message: str) -> ImportJob:
    _clear_staging(job)
    job.status, job.message, job.finished_at = ImportStatus.REJECTED, message, timezone.now()
    job.progress = 100
    job.save()
    return job


@transaction.atomic
def import_job_cancel(*, actor: User, job: ImportJob) -> ImportJob:
    """Give up a checked import: its staged rows are dropped, nothing is written."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in (ImportStatus.VALIDATED, ImportStatus.FAILED, ImportStatus.UPLOADED):
        raise ImportStateError(_("This import cannot be cancelled now."))
    _clear_staging(job)
    job.status, job.finished_at = ImportStatus.CANCELLED, timezone.now()
    job.save(update_fields=["status", "finished_at"])
    return job

