"""What a check finds: problems written in batches, progress, and the first rows to preview."""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.utils import timezone

from shuangsuiji.rules.errors import RuleError

from .choices import ImportStatus
from .models import ImportIssue, ImportJob

PREVIEW_ROWS = 10
_BATCH = 2000

# Called with (fraction of the file read, rows read so far) after each chunk.
ProgressCallback = Callable[[float, int], None]


class JobExpired(Exception):
    """The job was declared failed (no heartbeat for too long) while this process ran it."""


class Report:
    """Collects the problems of one job's check and keeps its progress up to date."""

    def __init__(self, job: ImportJob, on_progress: ProgressCallback | None = None) -> None:
        self.job = job
        self.on_progress = on_progress
        self.pending: list[ImportIssue] = []
        self.rows = 0
        self.pending_rows = 0  # rows noted since the progress was last saved
        self.rejected = 0
        self.file_problems = 0
        self.preview: list[list[Any]] = []

    def add(self, row: int, column: str, template: str, *, file_level: bool = False,
            **params: Any) -> None:
        """One problem; `template` is an English message with {named} placeholders."""
        self.pending.append(ImportIssue(job=self.job, row=row, column=column[:100],
                                        reason=template, params=params, file_level=file_level))
        if file_level:
            self.file_problems += 1
        if len(self.pending) >= _BATCH:
            self.flush()

    def add_error(self, row: int, column: str, error: RuleError, *,
                  file_level: bool = False) -> None:
        self.add(row, column, error.template, file_level=file_level,
                 **{k: _plain(v) for k, v in error.params.items()})

    def add_rule_problems(self, problems: Sequence[tuple[int, str, RuleError]]) -> None:
        """Problems found in rows (each row counted once as rejected)."""
        for row, column, error in problems:
            self.add_error(row, column, error)
        self.rejected += len({row for row, _column, _error in problems})

    def add_plain_problems(self, problems: Sequence[tuple[int, str, str, dict[str, Any]]]
                           ) -> None:
        """Problems as worker processes send them: (row, column, template, values)."""
        for row, column, template, params in problems:
            self.add(row, column, template, **params)
        self.rejected += len({row for row, _column, _template, _params in problems})

    def count_rejected(self, rows: int) -> None:
        self.rejected += rows

    def count_rows(self, rows: int) -> None:
        self.rows += rows
        self.pending_rows += rows

    def keep_preview(self, rows: Sequence[tuple[int, list[str]]]) -> None:
        for row, cells in rows[:PREVIEW_ROWS - len(self.preview)]:
            self.preview.append([row, *cells])

    def advance(self, chunk: Sequence[tuple[int, list[str]]], fraction: float) -> None:
        """A chunk has been read: keep the first rows for the preview, report progress."""
        self.note(chunk)
        self.save_progress(fraction)

    def note(self, chunk: Sequence[tuple[int, list[str]]]) -> None:
        """Count a chunk's rows and keep the first rows for the preview (no database)."""
        if len(self.preview) < PREVIEW_ROWS:
            for row, cells in chunk[:PREVIEW_ROWS - len(self.preview)]:
                self.preview.append([row, *cells])
        self.rows += len(chunk)
        self.pending_rows += len(chunk)

    def save_progress(self, fraction: float) -> None:
        """Write the pending problems and the progress so far."""
        self.pending_rows = 0
        self.flush()
        percent = min(99, int(fraction * 100))
        # The heartbeat, unless the job was expired meanwhile (services.expire_stuck_jobs):
        # then the check stops here instead of finishing a job already declared failed.
        alive = ImportJob.objects.filter(pk=self.job.pk).exclude(status=ImportStatus.FAILED
                                                                 ).update(
            progress=percent, processed_rows=self.rows, heartbeat_at=timezone.now())
        if not alive:
            raise JobExpired(self.job.pk)
        if self.on_progress is not None:
            self.on_progress(fraction, self.rows)

    def flush(self) -> None:
        if self.pending:
            ImportIssue.objects.bulk_create(self.pending, batch_size=_BATCH)
            self.pending = []


def _plain(value: Any) -> Any:
    """Reason parameters as JSON can hold them."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def report_rows(rows: Iterable[tuple[int, list[str], Any, list[tuple[str, str, dict[str, Any]]]]],
                progress: Callable[[], Any], report: Report) -> None:
    """Record each checked row's problems and the progress, 500 rows at a time."""
    rejected_rows = 0
    chunk: list[tuple[int, list[str]]] = []
    for row, cells, _values, problems in rows:
        for column, template, params in problems:
            report.add(row, column, template, **params)
        rejected_rows += bool(problems)
        chunk.append((row, cells))
        if len(chunk) >= 500:
            report.advance(chunk, progress())
            chunk = []
    report.advance(chunk, progress())
    report.count_rejected(rejected_rows)
