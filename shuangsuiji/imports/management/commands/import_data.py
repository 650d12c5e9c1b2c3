"""`shuangsuiji import targets|inspectors|items FILE`: check and import a file.

Exit status: 0 everything imported; 1 some rows were rejected (the others imported);
2 nothing imported (all-or-nothing with rejected rows, problems with the columns, an
unreadable file, or no good row); 3 the import failed. --dry-run reports what would happen
(the same status) and writes nothing.
"""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from shuangsuiji.accounts.choices import DepartmentKind
from shuangsuiji.accounts.models import Department, User
from shuangsuiji.imports import reports, services
from shuangsuiji.imports.choices import ImportKind, ImportMode, ImportStatus
from shuangsuiji.imports.models import ImportJob
from shuangsuiji.rules.tabular import normalise_header, synonym_index

OK, SOME_REJECTED, NOTHING_IMPORTED, FAILED = 0, 1, 2, 3
_TEXT_ERRORS = 100


class _DryRun(Exception):
    """Raised to roll the dry run's transaction back."""


class Command(BaseCommand):
    help = ("Import licence data into the target directory (targets), the inspector "
            "directory (inspectors) or the item list (items) from CSV or XLSX. "
            "Exit status: 0 all imported, 1 rows rejected, 2 nothing imported, 3 failed.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("file", help="CSV (UTF-8 or GB18030) or XLSX file")
        parser.add_argument("--department", metavar="CODE",
                            help="department whose directory receives the rows")
        parser.add_argument("--all-or-nothing", action="store_true",
                            help="import nothing if any row is rejected")
        parser.add_argument("--dry-run", action="store_true",
                            help="check and report, write nothing")
        parser.add_argument("--json", action="store_true",
                            help="print one JSON object with the counts and every problem")
        parser.add_argument("--map", action="append", default=[], metavar="HEADER=FIELD",
                            help="read a column as a field (repeatable)")
        parser.add_argument("--ignore-column", action="append", default=[], metavar="NAME",
                            help="leave a column out on purpose (repeatable)")
        parser.add_argument("--user", metavar="USERNAME",
                            help="the user the changes are recorded for (default: system)")
        parser.add_argument("--errors-file", metavar="PATH",
                            help="also write the rejected rows to PATH (.csv or .xlsx)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: {path}").format(path=path), returncode=FAILED)
        kind = options["kind"]
        department = _department(options["department"])
        actor = _user(options["user"])
        column_map = _column_map(kind, options["map"], options["ignore_column"])
        mode = ImportMode.ALL_OR_NOTHING if options["all_or_nothing"] else ImportMode.VALID_ROWS
        self.as_json = options["json"]
        self.errors_file = options["errors_file"]
        run = {"kind": kind, "department": department, "actor": actor, "mode": mode,
               "column_map": column_map, "path": path}
        if options["dry_run"]:
            try:
                with transaction.atomic():
                    status = self._run(**run, dry_run=True)
                    raise _DryRun
            except _DryRun:
                pass
        else:
            status = self._run(**run, dry_run=False)
        if status != OK:
            sys.exit(status)

    def _run(self, *, kind: str, department: Department, actor: Any, mode: str,
             column_map: dict[str, str], path: Path, dry_run: bool) -> int:
        with path.open("rb") as stream:
            try:
                job = services.import_job_create(
                    actor=actor, kind=kind, department=department, upload=stream,
                    original_name=path.name, mode=mode, column_map=column_map,
                    background=False)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages), returncode=FAILED) from exc
        try:
            job, error = self._check_and_commit(job, actor, mode)
            status = _exit_status(job, error)
            self._report(job, dry_run=dry_run, error=error)
        finally:
            if dry_run:
                job.file.delete(save=False)
        return status

    def _check_and_commit(self, job: ImportJob, actor: Any, mode: str
                          ) -> tuple[ImportJob, str]:
        bar = self._progress_bar()
        try:
            job = services.import_job_validate(
                job_id=job.pk, on_progress=(lambda fraction, rows: _tick(bar, fraction, rows))
                if bar else None)
        except Exception as exc:  # recorded on the job; reported, not a traceback
            return ImportJob.objects.get(pk=job.pk), str(exc)
        finally:
            if bar:
                bar.close()
        if job.status != ImportStatus.VALIDATED or job.file_problems:
            return job, ""
        if not self.as_json:
            sys.stderr.write(_("Importing…") + "\n")
        try:
            job = services.import_job_commit(actor=actor, job_id=job.pk, mode=mode)
        except Exception as exc:
            return ImportJob.objects.get(pk=job.pk), str(exc)
        return job, ""

    def _progress_bar(self) -> Any:
        if self.as_json:
            return None
        return tqdm(total=100, desc=_("Checking"), unit="%", file=sys.stderr,
                    bar_format="{desc}: {percentage:3.0f}%|{bar}|{postfix}")

    def _report(self, job: ImportJob, *, dry_run: bool, error: str) -> None:
        if self.errors_file:
            _write_errors_file(job, Path(self.errors_file))
        if self.as_json:
            self._report_json(job, dry_run=dry_run, error=error)
        else:
            self._report_text(job, dry_run=dry_run, error=error)

    def _report_json(self, job: ImportJob, *, dry_run: bool, error: str) -> None:
        head = {"imported": job.imported, "updated": job.updated, "unchanged": job.unchanged,
                "rejected": job.rejected, "rows": job.total_rows, "status": job.status,
                "dry_run": dry_run, "job": None if dry_run else job.pk,
                "file_problems": job.file_problems, "details": job.counts,
                "message": error or job.message}
        out = self.stdout
        out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "errors": [', ending="")
        for i, (row, column, reason) in enumerate(reports.issue_rows(job)):
            item = json.dumps({"row": row, "column": column, "reason": reason},
                              ensure_ascii=False)
            out.write(("," if i else "") + item, ending="")
        out.write("]}")

    def _report_text(self, job: ImportJob, *, dry_run: bool, error: str) -> None:
        out = self.stdout
        if dry_run:
            out.write(_("Dry run: nothing was written."))
        out.write(_("{file}: {rows} rows; {imported} new, {updated} updated, {unchanged} "
                    "unchanged, {rejected} rejected").format(
            file=job.original_name, rows=job.total_rows, imported=job.imported,
            updated=job.updated, unchanged=job.unchanged, rejected=job.rejected))
        if error or job.message:
            out.write(error or job.message)
        for shown, (row, column, reason) in enumerate(reports.issue_rows(job)):
            if shown == _TEXT_ERRORS:
                more = job.issues.count() - shown
                out.write(_("… and {count} more problems: use --json or --errors-file for all "
                            "of them.").format(count=more))
                break
            out.write(_("Row {row}, column “{column}”: {reason}").format(
                row=row, column=column, reason=reason))


def _tick(bar: Any, fraction: float, rows: int) -> None:
    bar.n = int(fraction * 100)
    bar.set_postfix_str(_("{rows} rows").format(rows=rows), refresh=False)
    bar.refresh()


def _exit_status(job: ImportJob, error: str) -> int:
    if error or job.status == ImportStatus.FAILED:
        return FAILED
    if job.status != ImportStatus.DONE:
        return NOTHING_IMPORTED
    return SOME_REJECTED if job.rejected else OK


def _department(code: str | None) -> Department:
    if code:
        department = Department.objects.filter(code=code).first()
        if department is None:
            raise CommandError(_("No department with the code {code}.").format(code=code),
                               returncode=FAILED)
        return department
    offices = list(Department.objects.filter(kind=DepartmentKind.OFFICE, parent=None))
    if len(offices) != 1:
        codes = ", ".join(Department.objects.values_list("code", flat=True))
        raise CommandError(_("Say which department with --department (one of: {codes}).")
                           .format(codes=codes), returncode=FAILED)
    return offices[0]


def _user(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(_("No user {username}.").format(username=username),
                           returncode=FAILED)
    return user


def _column_map(kind: str, maps: list[str], ignored: list[str]) -> dict[str, str]:
    """--map 'header=field' and --ignore-column as the job's column mapping."""
    fields = synonym_index(services.KINDS[kind].columns)
    result: dict[str, str] = {}
    for item in maps:
        header, sep, field = item.partition("=")
        if not sep or not header.strip() or not field.strip():
            raise CommandError(_("--map needs HEADER=FIELD, not {value}").format(value=item),
                               returncode=FAILED)
        if normalise_header(field) not in fields:
            choices = ", ".join(sorted({c.field for c in services.KINDS[kind].columns}))
            raise CommandError(_("{field} is not a field of this import (fields: {choices})")
                               .format(field=field.strip(), choices=choices),
                               returncode=FAILED)
        result[header.strip()] = field.strip()
    for name in ignored:
        result[name.strip()] = ""
    return result


def _write_errors_file(job: ImportJob, path: Path) -> None:
    if path.suffix.lower() == ".xlsx":
        with path.open("wb") as out:
            reports.write_xlsx(job, out)
    else:
        with path.open("w", encoding="utf-8", newline="") as text:
            reports.write_csv(job, text)
