"""Freezes and draws of large pools, run by the background worker (long work).

A pool of millions takes longer than a web request may last. Below
settings.SHUANGSUIJI_BACKGROUND_DRAW_FROM candidates the services run at once, as the
witnesses watch; from there the request is queued as a DrawJob and the worker runs the very
same service with the same inputs, while the page shows the job's progress. Refusals that
need no pool (a short ceremony input, no witness, a task in the wrong state, a job already
under way) are given at once, not later.
"""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.accounts.models import User
from shuangsuiji.core.audit import audit_record
from shuangsuiji.core.i18n import reason as rule_reason
from shuangsuiji.plans.choices import TaskState
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.plans.selectors import task_organisation_id
from shuangsuiji.rules.draw.engine import DrawFailed

from . import document, records, services
from .models import DrawJob, DrawRecord, Freeze
from .pdf import html_to_pdf
from .pool import candidate_targets

log = logging.getLogger(__name__)

# Longer than any freeze or draw takes (a 10-million pool: minutes).
ABANDONED_AFTER = timedelta(hours=2)


def _background_from() -> int:
    return settings.SHUANGSUIJI_BACKGROUND_DRAW_FROM


def freeze_or_queue(*, actor: User | None, task: InspectionTask,
                    planned_draw_at: datetime) -> Freeze | DrawJob:
    """services.task_freeze now, or a queued job for a large pool; a time in the past or more
    than a year ahead is refused first."""
    services.check_planned_draw_at(planned_draw_at)
    if candidate_targets(task, timezone.localdate(planned_draw_at)).count() < _background_from():
        return services.task_freeze(actor=actor, task=task, planned_draw_at=planned_draw_at)
    return _queue(actor, task, DrawJob.Kind.FREEZE, TaskState.DRAFT,
                  {"planned_draw_at": planned_draw_at.isoformat()})


def draw_or_queue(*, actor: User | None, task: InspectionTask, ceremony_input: str,
                  witnesses: Sequence[str], source: str,
                  present: Sequence[str] = (), place: str = "") -> DrawRecord | DrawJob:
    """services.draw_execute now, or a queued job for a large pool."""
    ceremony_input, witnesses = services.clean_ceremony(ceremony_input, witnesses)
    freeze = Freeze.objects.filter(task=task).only("pool_size").first()
    if freeze is None or freeze.pool_size < _background_from():
        return services.draw_execute(actor=actor, task=task, ceremony_input=ceremony_input,
                                     witnesses=witnesses, source=source, present=present,
                                     place=place)
    return _queue(actor, task, DrawJob.Kind.DRAW, TaskState.FROZEN,
                  {"ceremony_input": ceremony_input, "witnesses": witnesses,
                   "source": source.strip(), "present": list(present),
                   "place": place.strip()})


@transaction.atomic
def _queue(actor: User | None, task: InspectionTask, kind: str, state: str,
           inputs: dict[str, Any]) -> DrawJob:
    services.require_runner(actor, task)
    task = services._lock(task, state)
    _give_up_lost(task)
    try:
        with transaction.atomic():
            job = DrawJob.objects.create(task=task, kind=kind, inputs=inputs,
                                         created_by=_user(actor))
    except IntegrityError as exc:  # one_active_draw_job_per_task
        raise services.DrawRefused(_("A freeze or draw of task {code} is already under way.")
                                   .format(code=task.code)) from exc
    audit_record(actor=actor, action=f"{kind}.queue", obj=task,
                 organisation_id=task_organisation_id(task),
                 summary=_("Task {code}: {kind} queued for the background worker").format(
                     code=task.code, kind=job.get_kind_display()),
                 data={"job": job.pk, "inputs": inputs})
    transaction.on_commit(lambda: _enqueue(job))
    return job


def _give_up_lost(task: InspectionTask) -> None:
    """A job that has waited or run this long was lost (no worker, or one stopped mid-way:
    its transaction, and so its work, went with it); it no longer blocks the task."""
    DrawJob.objects.filter(task=task, status__in=DrawJob.ACTIVE,
                           created_at__lt=timezone.now() - ABANDONED_AFTER).update(
        status=DrawJob.Status.FAILED, finished_at=timezone.now(),
        message=_("Given up: no worker finished it in time. Nothing was saved."))


def _enqueue(job: DrawJob) -> None:
    from .tasks import run_draw_job  # the task module imports this one

    run_draw_job.enqueue(job.pk)


def _user(actor: User | None) -> User | None:
    return actor if getattr(actor, "pk", None) else None


def record_pdf_or_queue(*, actor: User | None, task: InspectionTask,
                        draw: DrawRecord) -> bytes | DrawJob:
    """The written record as a PDF: made now for a small draw; for a large one the PDF a job
    made of the record as it stands, or the job making it (queued if there is none)."""
    in_force = draw.targets.filter(replaced_at__isnull=True).count()
    if in_force <= settings.SHUANGSUIJI_PDF_AT_ONCE_MAX:
        return html_to_pdf(document.record_document(user=actor, task=task, draw=draw,
                                                    for_pdf=True))
    _give_up_lost(task)
    state = document.record_state(draw)
    made = (DrawJob.objects.filter(task=task, kind=DrawJob.Kind.RECORD_PDF, inputs=state)
            .exclude(status=DrawJob.Status.FAILED).order_by("-created_at").first())
    if made is not None:
        return made
    with transaction.atomic():
        try:
            with transaction.atomic():
                job = DrawJob.objects.create(task=task, kind=DrawJob.Kind.RECORD_PDF,
                                             inputs=state, created_by=_user(actor))
        except IntegrityError:  # another job of the task is under way: follow that one
            return DrawJob.objects.get(task=task, status__in=DrawJob.ACTIVE)
        transaction.on_commit(lambda: _enqueue(job))
    return job


def draw_job_run(job_id: int) -> None:
    """Run a queued job once; its outcome (or the reason it failed) stays on the job."""
    with transaction.atomic():
        job = (DrawJob.objects.select_for_update(of=("self",))
               .select_related("task", "created_by").get(pk=job_id))
        if job.status != DrawJob.Status.QUEUED:
            return  # run already (a worker retried it), or given up
        job.status, job.started_at = DrawJob.Status.RUNNING, timezone.now()
        job.save(update_fields=["status", "started_at"])
    try:
        if job.kind == DrawJob.Kind.FREEZE:
            services.task_freeze(actor=job.created_by, task=job.task,
                                 planned_draw_at=datetime.fromisoformat(
                                     job.inputs["planned_draw_at"]))
        elif job.kind == DrawJob.Kind.RECORD_PDF:
            _print_record(job)
        else:
            draw = services.draw_execute(actor=job.created_by, task=job.task, **job.inputs)
            _keep_record_file(draw)
    except DrawFailed as exc:  # in the audit log already
        _finish(job, DrawJob.Status.FAILED, rule_reason(exc))
    except ValidationError as exc:
        _finish(job, DrawJob.Status.FAILED, " ".join(exc.messages))
    except Exception:
        log.exception("draw job %s failed", job.pk)
        _finish(job, DrawJob.Status.FAILED, _("An unexpected error stopped the job; nothing "
                                               "was saved. The administrators can see why."))
        raise
    else:
        _finish(job, DrawJob.Status.DONE, "")


def _keep_record_file(draw: DrawRecord) -> None:
    """Make a large draw's record file now, after the draw is saved, so that its first
    export need not; should it fail, the draw stands and the first export tries again."""
    try:
        records.ensure_file(draw)
    except Exception:
        log.exception("the record file of %s could not be made", draw)


def _print_record(job: DrawJob) -> None:
    draw = DrawRecord.objects.get(task=job.task)
    if document.record_state(draw) != job.inputs:
        raise services.DrawRefused(_("The record changed (a replacement) before it was "
                                     "printed: ask for the PDF again."))
    pdf = html_to_pdf(document.record_document(user=job.created_by, task=job.task, draw=draw,
                                               for_pdf=True))
    job.output.save(f"{job.task.code}-{draw.record_digest[:16]}-{job.pk}.pdf",
                    ContentFile(pdf), save=False)
    job.save(update_fields=["output"])


def _finish(job: DrawJob, status: str, message: str) -> None:
    job.status, job.message, job.finished_at = status, message, timezone.now()
    job.save(update_fields=["status", "message", "finished_at"])
