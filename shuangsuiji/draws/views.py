"""Pages of the draw: freeze, the public ceremony (公开摇号), the result, replacements (替补),
the record (JSON, printable, PDF) and an inspector's own tasks (我的任务)."""

from collections import Counter
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.scoping import Action, Domain
from shuangsuiji.core.i18n import reason as rule_reason
from shuangsuiji.core.web import (
    add_service_errors,
    json_bytes_response,
    may_change,
    paginate,
    require,
)
from shuangsuiji.entities.models import Target
from shuangsuiji.inspectors.models import Inspector
from shuangsuiji.plans import selectors as plan_selectors
from shuangsuiji.plans import services as plan_services
from shuangsuiji.plans.choices import NONRANDOM_KINDS, TaskState
from shuangsuiji.plans.models import CityPolicy, InspectionTask
from shuangsuiji.rules.draw.engine import DrawFailed
from shuangsuiji.rules.draw.pools import OFFICER
from shuangsuiji.workdays.selectors import calendar

from . import document, jobs, selectors, services
from .forms import CeremonyForm, FreezeForm, NonRandomForm, ReplaceForm
from .models import DrawJob
from .pool import (
    candidate_targets,
    cap_left_out,
    department_subtree,
    initiator_rows,
    inspector_pool,
    yearly_cap,
)
from .signals import send_freeze_notes

# Targets per page of the result: a draw of a large directory has thousands.
RESULT_PAGE = 100


def _task_to_run(request: HttpRequest, pk: int) -> InspectionTask:
    """404 if the user cannot see the task; 403 unless they may run its draw (the office)."""
    task = plan_selectors.task_get(user=request.user, pk=pk, action=Action.CHANGE)
    require(request.user, Domain.DRAWS, Action.CHANGE)
    return task


def _drawn_task(request: HttpRequest, pk: int, *, internal: bool) -> tuple[InspectionTask, Any]:
    task = plan_selectors.task_get(user=request.user, pk=pk)
    if internal and not plan_selectors.sees_internal(user=request.user, task=task):
        raise PermissionDenied
    draw = selectors.draw_get(task)
    if draw is None:
        raise Http404(_("Task {code} has not been drawn yet.").format(code=task.code))
    return task, draw


# -- Freeze --------------------------------------------------------------------------------------

def _eligible_now(task: InspectionTask) -> list[dict[str, Any]]:
    """Eligible inspectors per department today against the group size: a draw that cannot form
    its groups fails, so the office sees it before freezing. Counts only, no outcome."""
    pool = inspector_pool(task, timezone.localdate())
    counts = Counter((i.department, i.role) for i in pool)
    return [{"participant": p, "officers": counts[(p.department.code, OFFICER)],
             "experts": sum(n for (d, r), n in counts.items()
                            if d == p.department.code and r != OFFICER)}
            for p in plan_selectors.task_participants(task=task)]


def _next_workday_morning() -> datetime:
    """What the freeze page proposes as the planned draw time: 9:00 on the next working day
    (by the working-day calendar: a draw is announced for office hours)."""
    day = calendar().add_workdays(timezone.localdate(), 1).date
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


@require_http_methods(["GET", "POST"])
def task_freeze(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_to_run(request, pk)
    if request.method == "GET" and task.state != TaskState.DRAFT:
        messages.info(request, _("Task {code} is already frozen.").format(code=task.code))
        return redirect("plans:task_detail", pk=task.pk)
    form = FreezeForm(request.POST or None, initial={"planned_draw_at": _next_workday_morning()})
    if request.method == "POST" and form.is_valid():
        try:
            freeze = jobs.freeze_or_queue(actor=request.user, task=task,
                                          planned_draw_at=form.cleaned_data["planned_draw_at"])
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):  # the planned time: shown next to the field
                add_service_errors(form, exc)
            else:
                for message in exc.messages:
                    messages.error(request, message)
                return redirect("plans:task_detail", pk=task.pk)
        else:
            return _frozen(request, task, freeze)
    today = timezone.localdate()
    return render(request, "draws/freeze.html", {
        "task": task, "form": form, "pool_rows": plan_selectors.task_pool(task=task, today=today),
        "departments": _eligible_now(task), "today": today,
        # Office only (_task_to_run): who the city's cap leaves out, and why.
        "cap": yearly_cap(task), "left_out": cap_left_out(task, today),
        # The initiator's own rows only: another organisation's complaints are its own.
        "notes": send_freeze_notes(task, initiator_rows(task, candidate_targets(task, today)))})


def _frozen(request: HttpRequest, task: InspectionTask, freeze: Any) -> HttpResponse:
    if isinstance(freeze, DrawJob):
        return redirect("draws:job", pk=task.pk, job=freeze.pk)
    messages.success(request, _("Task {code} frozen: {n} candidates. The commitment is "
                                "published; the draw can be held.").format(
                                    code=task.code, n=freeze.pool_size))
    return redirect("plans:task_detail", pk=task.pk)


# -- Jobs (large pools) ---------------------------------------------------------------------------

def _job(request: HttpRequest, pk: int, job: int) -> tuple[InspectionTask, DrawJob]:
    """A job of a task, for those who may ask for it: the office runs freezes and draws; the
    initiating organisation's staff print the record."""
    found = get_object_or_404(DrawJob.objects.select_related("task"), pk=job, task_id=pk)
    if found.kind == DrawJob.Kind.RECORD_PDF:
        task, _draw = _drawn_task(request, pk, internal=True)
    else:
        task = _task_to_run(request, pk)
    return task, found


@require_GET
def job(request: HttpRequest, pk: int, job: int) -> HttpResponse:
    """A freeze, draw or record PDF made in the background: its progress, then what next."""
    task, found = _job(request, pk, job)
    return render(request, "draws/job.html", {"task": task, "job": found,
                                              "running": found.active})


@require_GET
def job_status(request: HttpRequest, pk: int, job: int) -> JsonResponse:
    """Polled by progress.js; no percentage: the job's steps are one transaction."""
    _task, found = _job(request, pk, job)
    return JsonResponse({"status": found.status, "label": found.get_status_display(),
                         "running": found.active, "progress": None})


# -- Ceremony ------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def ceremony(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_to_run(request, pk)
    form = CeremonyForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = jobs.draw_or_queue(actor=request.user, task=task,
                                      ceremony_input=data["ceremony_input"],
                                      witnesses=data["witnesses"], source=data["source"],
                                      present=data["present"], place=data["place"])
        except DrawFailed as exc:
            form.add_error(None, _("The draw failed and nothing was drawn: {reason}. The "
                                   "attempt is in the audit log.").format(reason=rule_reason(exc)))
            status = 409
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 400 if hasattr(exc, "error_dict") else 409
        else:
            if isinstance(done, DrawJob):
                return redirect("draws:job", pk=task.pk, job=done.pk)
            messages.success(request, _("Task {code} drawn.").format(code=task.code))
            return redirect("draws:result", pk=task.pk)
    task.refresh_from_db(fields=["state"])
    frozen = task.state == TaskState.FROZEN
    internal = plan_selectors.sees_internal(user=request.user, task=task)
    announcement = (selectors.announcement(selectors.freeze_get(task), internal=internal)
                    if task.state != TaskState.DRAFT else None)
    return render(request, "draws/ceremony.html", {
        "task": task, "form": form, "frozen": frozen, "announcement": announcement,
        "early": announcement is not None
        and timezone.now() < announcement["planned_draw_at"] - timedelta(minutes=5),
        "drawn": selectors.draw_get(task) is not None}, status=status)


# -- Result and replacements ---------------------------------------------------------------------

def _result_context(request: HttpRequest, task: InspectionTask, draw: Any, *,
                    paginated: bool) -> dict[str, Any]:
    return document.result_context(
        user=request.user, task=task, draw=draw,
        page=(lambda rows: paginate(request, rows, per_page=RESULT_PAGE)) if paginated else None)


@require_http_methods(["GET"])
def result(request: HttpRequest, pk: int) -> HttpResponse:
    task, draw = _drawn_task(request, pk, internal=False)
    if request.user.role == Role.EVALUATOR:
        # A third party sees the draw as the office does (tickets, risk classes): each read
        # of it is in the audit log, as the full record's is.
        services.record_read(actor=request.user, task=task, via="result")
    context = _result_context(request, task, draw, paginated=True)
    can_replace = (may_change(InspectionTask.objects, request.user, task)
                   and task.state in {TaskState.DRAWN, TaskState.IN_PROGRESS})
    if can_replace:
        context["replace_form"] = ReplaceForm(choices=[
            (v.drawn.ident, f"{v.target.name} · {v.drawn.ident}") for v in context["in_force"]])
    context["highlight"] = request.GET.get("new", "")
    return render(request, "draws/result.html", context)


@require_POST
def replace(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_to_run(request, pk)
    draw = selectors.draw_get(task)
    if draw is None:
        raise Http404
    current = selectors.targets_in_force(
        draw, selectors.record_parts(draw, "replacements")["replacements"])
    form = ReplaceForm(request.POST, choices=[(v.drawn.ident, v.drawn.ident) for v in current])
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect("draws:result", pk=task.pk)
    try:
        incoming = services.draw_replace(actor=request.user, task=task,
                                         ident=form.cleaned_data["ident"],
                                         reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("draws:result", pk=task.pk)
    out = next(v.target for v in current if v.drawn.ident == form.cleaned_data["ident"])
    messages.success(request, _("{out} replaced by {incoming} ({ident}), the next on the standby "
                                "list; its groups are below.").format(
                                    out=out.name, incoming=incoming.target.name,
                                    ident=incoming.ident))
    url = reverse("draws:result", args=[task.pk])
    return redirect(f"{url}?new={incoming.ident}#target-{incoming.ident}")


# -- Records -------------------------------------------------------------------------------------

def _json(task: InspectionTask, *, public: bool, actor: Any = None) -> HttpResponseBase:
    chunks = (services.record_stream(task, public=True) if public
              else services.record_download(actor=actor, task=task, via="page"))
    response = json_bytes_response(chunks)
    name = f"{task.code}-{'public' if public else 'full'}-record.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET"])
def record_json(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The full record (pool lines, risk classes): staff of the initiating organisation only."""
    task, _draw = _drawn_task(request, pk, internal=True)
    return _json(task, public=False, actor=request.user)


@require_http_methods(["GET"])
def public_json(request: HttpRequest, pk: int) -> HttpResponseBase:
    task, _draw = _drawn_task(request, pk, internal=False)
    return _json(task, public=True)


@require_http_methods(["GET"])
def record_print(request: HttpRequest, pk: int) -> HttpResponse:
    task, draw = _drawn_task(request, pk, internal=True)
    services.record_read(actor=request.user, task=task, via="print")
    return HttpResponse(document.record_document(user=request.user, task=task, draw=draw,
                                                 for_pdf=False))


@require_http_methods(["GET"])
def record_pdf(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The record as a PDF: made at once for a small draw; for a large one by the worker,
    kept, and served again until a replacement changes the record."""
    task, draw = _drawn_task(request, pk, internal=True)
    services.record_read(actor=request.user, task=task, via="pdf")
    made = jobs.record_pdf_or_queue(actor=request.user, task=task, draw=draw)
    if isinstance(made, DrawJob) and made.status != DrawJob.Status.DONE:
        return redirect("draws:job", pk=task.pk, job=made.pk)
    name = f"{task.code}-draw-record.pdf"
    if isinstance(made, DrawJob):
        return FileResponse(made.output.open("rb"), content_type="application/pdf",
                            filename=name, as_attachment=False)
    response = HttpResponse(made, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


# -- My tasks ------------------------------------------------------------------------------------

@require_http_methods(["GET"])
def my_tasks(request: HttpRequest) -> HttpResponse:
    """我的任务: the targets I am assigned to, with every group for them and their contacts."""
    has_record = hasattr(request.user, "inspector")
    return render(request, "draws/my_tasks.html", {
        "has_record": has_record,
        "blocks": selectors.my_tasks(user=request.user) if has_record else []})


# -- Non-random inspections -------------------------------------------------------------------

def _find_target(organisation_id: int, code: str) -> Target | None:
    code = code.strip().upper()
    own = Target.objects.filter(department__root_id=organisation_id)
    if code.startswith("X-") and code[2:].isdigit():
        return own.filter(pk=int(code[2:]), uscc__isnull=True).first()
    return own.filter(uscc=code).first()


@require_http_methods(["GET", "POST"])
def nonrandom_new(request: HttpRequest) -> HttpResponse:
    """Record a 重点检查, 专项检查, 投诉举报核查 or 上级交办 of a target of the office's directory.
    If the entity was inspected within the city's recent window, the page names those
    inspections and asks for a confirmation, which the audit entry keeps."""
    require(request.user, Domain.DRAWS, Action.CHANGE)
    department = request.user.department  # type: ignore[union-attr]
    if department is None:  # an administrator belongs to no organisation's directory
        raise PermissionDenied
    organisation = department.root or department
    kinds = [(k.value, k.label) for k in NONRANDOM_KINDS]
    items = [(i.pk, f"{i.code} {i.matter}") for i in
             plan_services.checklist_items(organisation).order_by("code")]
    today = timezone.localdate()
    # Those in post (and certified, for officers) today; the service checks the chosen day.
    inspectors = [(i.pk, f"{i.name} ({i.code}, {i.get_role_display()})") for i in
                  Inspector.objects.filter(department_id__in=department_subtree(organisation))
                  .prefetch_related("certificates", "status_changes")
                  .order_by("role", "code") if i.is_eligible_on(today)]
    initial: dict[str, Any] = {"day": today}
    if request.GET.get("target", "").isdigit():
        chosen = Target.objects.filter(department__root_id=organisation.pk,
                                       pk=int(request.GET["target"])).first()
        if chosen is not None:
            initial["target"] = chosen.draw_id
    # From a complaint's page: 投诉举报核查 of its entity, naming it.
    if request.GET.get("kind") in {k.value for k in NONRANDOM_KINDS}:
        initial["kind"] = request.GET["kind"]
    if request.GET.get("reference"):
        initial["reference"] = request.GET["reference"][:100]
    form = NonRandomForm(request.POST or None, initial=initial, kinds=kinds, items=items,
                         inspectors=inspectors)
    recent: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = _find_target(organisation.pk, data["target"])
        if target is None:
            form.add_error("target", _("No such target in your organisation's directory."))
        else:
            try:
                task = services.nonrandom_create(
                    actor=request.user, target=target, kind=data["kind"],  # type: ignore[arg-type]
                    basis=data["basis"], reference=data["reference"], day=data["day"],
                    item_ids=data["items"], inspector_ids=data["inspectors"],
                    confirm_recent=data["confirm_recent"] == target.draw_id)
            except services.RecentInspections as exc:
                recent = exc.recent
                form.data = form.data.copy()
                form.data["confirm_recent"] = target.draw_id
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Inspection {code} recorded: enter its result as "
                                            "for a drawn one.").format(code=task.code))
                return redirect("inspections:task", pk=task.pk)
    return render(request, "draws/nonrandom.html", {
        "form": form, "recent": recent,
        "recent_days": CityPolicy.current().recent_days})
