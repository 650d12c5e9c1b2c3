"""Pages of the inspectors' work: my tasks, claiming, the visit, entering, signing, submitting
and reviewing a result, and the evidence files (served only to those who may see them)."""


from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shuangsuiji.accounts.scoping import Action, Domain, can
from shuangsuiji.core.web import add_service_errors, paginate, private_file, viewable_ids
from shuangsuiji.draws import selectors as draw_selectors
from shuangsuiji.entities.models import Target
from shuangsuiji.plans import selectors as plan_selectors
from shuangsuiji.workdays.selectors import calendar as workday_calendar

from . import deadlines, permissions, selectors, services
from .choices import NOT_INSPECTABLE, ReviewState
from .forms import EvidenceForm, InformForm, ResultForm, ReviewForm, ScheduleForm, SignatureForm
from .models import Evidence, Inspection, Signature


def _error_message(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# -- My tasks and claiming -----------------------------------------------------------------------

@require_http_methods(["GET"])
def my_tasks(request: HttpRequest) -> HttpResponse:
    """我的任务: every target I was drawn for, its groups and contacts, the visit and results."""
    has_record = hasattr(request.user, "inspector")
    blocks = draw_selectors.my_tasks(user=request.user) if has_record else []
    visits = selectors.my_visits(request.user) if has_record else {}
    for block in blocks:
        for view in block.targets:
            view.visit = visits.get(view.drawn.pk)
    return render(request, "inspections/my_tasks.html", {
        "has_record": has_record, "blocks": blocks,
        "claimed": selectors.my_claims(request.user)})


@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    task = plan_selectors.task_get(user=request.user, pk=pk)
    try:
        services.task_claim(actor=request.user, task=task)
    except ValidationError as exc:
        _error_message(request, exc)
    else:
        messages.success(request, _("Task {code} claimed.").format(code=task.code))
    return redirect("inspections:mine")


@require_http_methods(["GET"])
def task_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The task's visits and each department's result, for those who may see the task."""
    task = plan_selectors.task_get(user=request.user, pk=pk)
    visits = list(selectors.task_visits(task, user=request.user))
    allowed = {v.pk for v in selectors.Visit.objects.for_user(request.user).filter(task=task)}
    visits = [v for v in visits if v.pk in allowed]
    readable = set(permissions.viewable_results(request.user).filter(visit__task=task)
                   .values_list("pk", flat=True))
    for visit in visits:
        visit.visible_results = [r for r in visit.inspections.all() if r.pk in readable]
    return render(request, "inspections/task_progress.html", {
        "task": task, "visits": visits, "counts": selectors.task_counts(task),
        "entry_deadline": deadlines.entry_deadline(task, today=timezone.localdate())})


# -- The visit -----------------------------------------------------------------------------------

@require_http_methods(["GET"])
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get(user=request.user, pk=pk)
    view = selectors.visit_view(user=request.user, visit=visit)
    can_schedule = permissions.can_schedule(request.user, visit)
    return render(request, "inspections/visit.html", {
        "view": view, "visit": visit, "task": visit.task, "target": visit.drawn_target.target,
        "can_schedule": can_schedule,
        "schedule_form": ScheduleForm(initial={"agreed_date": visit.agreed_date,
                                               "materials": visit.materials}),
        "inform_form": InformForm(), "scans": visit.scans.count(),
        "entry_deadline": deadlines.entry_deadline(visit.task, today=timezone.localdate())})


@require_POST
def visit_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get(user=request.user, pk=pk)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            services.visit_schedule(actor=request.user, visit=visit,
                                    day=form.cleaned_data["agreed_date"],
                                    materials=form.cleaned_data["materials"])
        except ValidationError as exc:
            _error_message(request, exc)
        else:
            messages.success(request, _("Inspection date agreed."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("inspections:visit", pk=visit.pk)


@require_POST
def visit_inform(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get(user=request.user, pk=pk)
    form = InformForm(request.POST)
    if form.is_valid():
        try:
            services.visit_inform(actor=request.user, visit=visit, how=form.cleaned_data["how"])
        except ValidationError as exc:
            _error_message(request, exc)
        else:
            messages.success(request, _("Recorded that the entity was told the outcome."))
    return redirect("inspections:visit", pk=visit.pk)


# -- A department's result -----------------------------------------------------------------------

def _group_inspectors(inspection: Inspection) -> list[tuple[int, str]]:
    return [(a.inspector_id, a.inspector.name) for a in draw_selectors.group_in_force(
        drawn_target_id=inspection.visit.drawn_target_id, department_id=inspection.department_id)]


def _result_page(request: HttpRequest, inspection: Inspection, *,
                 form: ResultForm | None = None, evidence_form: EvidenceForm | None = None,
                 signature_form: SignatureForm | None = None,
                 review_form: ReviewForm | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    can_enter = permissions.can_enter(user, inspection) and inspection.is_editable
    inspectors = _group_inspectors(inspection)
    today, cal = timezone.localdate(), workday_calendar()
    return render(request, "inspections/result.html", {
        "entry_deadline": deadlines.entry_deadline(inspection.visit.task, today=today, cal=cal),
        "publication_deadline": deadlines.publication_deadline(inspection, today=today, cal=cal),
        "inspection": inspection, "visit": inspection.visit, "task": inspection.visit.task,
        "target": inspection.visit.drawn_target.target,
        # A cooperating department's staff: the target is in the office's directory, not theirs.
        "may_open_credit": can(user, Domain.CREDIT) and bool(viewable_ids(
            Target.objects, user, [inspection.visit.drawn_target.target_id])),
        "can_enter": can_enter,
        "can_review": permissions.can_review(user, inspection)
        and inspection.state == ReviewState.SUBMITTED,
        "can_follow_up": permissions.can_follow_up(user, inspection),
        # Not inspectable (closed, moved, unreachable…): the office may replace it (替补).
        "not_inspectable": bool(set(inspection.categories) & NOT_INSPECTABLE),
        "can_replace": can(user, Domain.DRAWS, Action.CHANGE)
        and inspection.state != ReviewState.APPROVED
        and inspection.visit.task.is_random,  # a chosen target has no standby list
        "form": form or ResultForm(inspection=inspection),
        "findings": inspection.findings.select_related("item"),
        "evidence": inspection.evidence.select_related("uploaded_by"),
        "signatures": inspection.signatures.all(),
        "evidence_form": evidence_form or EvidenceForm(),
        "signature_form": signature_form or SignatureForm(inspectors=inspectors),
        "review_form": review_form or ReviewForm(),
        "missing": services.missing_for_submission(inspection) if can_enter else [],
        "history": inspection.review_events.select_related("by"),
        "follow_ups": inspection.follow_ups.select_related("owner"),
    }, status=status)


@require_http_methods(["GET", "POST"])
def result_edit(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.result_get(user=request.user, pk=pk)
    if request.method == "GET":
        return _result_page(request, inspection)
    if not permissions.can_enter(request.user, inspection):
        raise PermissionDenied
    form = ResultForm(request.POST, inspection=inspection)
    if form.is_valid():
        try:
            services.inspection_save(actor=request.user, inspection=inspection,
                                     **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Result saved."))
            return redirect("inspections:result", pk=inspection.pk)
    return _result_page(request, inspection, form=form, status=400)


@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.result_get(user=request.user, pk=pk)
    if not permissions.can_enter(request.user, inspection):
        raise PermissionDenied
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.evidence_add(actor=request.user, inspection=inspection,
                                  upload=form.cleaned_data["file"],
                                  kind=form.cleaned_data["kind"],
                                  description=form.cleaned_data["description"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("File added."))
            return redirect("inspections:result", pk=inspection.pk)
    return _result_page(request, inspection, evidence_form=form, status=400)


@require_POST
def signature_add(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.result_get(user=request.user, pk=pk)
    if not permissions.can_enter(request.user, inspection):
        raise PermissionDenied
    form = SignatureForm(request.POST, request.FILES, inspectors=_group_inspectors(inspection))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.signature_add(actor=request.user, inspection=inspection, role=data["role"],
                                   name=data["name"], png=data["png"],
                                   inspector_id=data["inspector"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Signature recorded."))
            return redirect("inspections:result", pk=inspection.pk)
    return _result_page(request, inspection, signature_form=form, status=400)


@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.result_get(user=request.user, pk=pk)
    try:
        services.inspection_submit(actor=request.user, inspection=inspection)
    except ValidationError as exc:
        _error_message(request, exc)
    else:
        messages.success(request, _("Result submitted for review."))
    return redirect("inspections:result", pk=inspection.pk)


@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.result_get(user=request.user, pk=pk)
    if not permissions.can_review(request.user, inspection):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.inspection_review(actor=request.user, inspection=inspection,
                                       approve=approve, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Result approved.") if approve
                             else _("Result returned."))
            return redirect("inspections:result", pk=inspection.pk)
    return _result_page(request, inspection, review_form=form, status=400)


@require_http_methods(["GET"])
def review_queue(request: HttpRequest) -> HttpResponse:
    return render(request, "inspections/review_queue.html",
                  {"page": paginate(request, selectors.review_queue(request.user))})


# -- Files ---------------------------------------------------------------------------------------

def _visible(request: HttpRequest, inspection: Inspection) -> None:
    """404, not 403: a file's existence is not disclosed to those who may not see it."""
    if not permissions.can_view_result(request.user, inspection):
        raise Http404


@require_http_methods(["GET"])
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    evidence = Evidence.objects.select_related("inspection__visit__task").filter(pk=pk).first()
    if evidence is None:
        raise Http404
    _visible(request, evidence.inspection)
    return private_file(evidence.file, evidence.content_type, evidence.original_name,
                        images=True)


@require_http_methods(["GET"])
def signature_file(request: HttpRequest, pk: int) -> FileResponse:
    signature = Signature.objects.select_related("inspection__visit__task").filter(pk=pk).first()
    if signature is None:
        raise Http404
    _visible(request, signature.inspection)
    return private_file(signature.image, "image/png", f"signature-{signature.pk}.png",
                        images=True)
