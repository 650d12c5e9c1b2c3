"""Pages of the follow-up (后续处置) of a result, and the overdue lists of results and follow-ups.

Whoever sees the visit gets a 403 rather than a 404 for a result they may not follow up (the
groups of a joint visit know each other's results exist); anyone else gets a 404.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shuangsuiji.accounts.scoping import Domain
from shuangsuiji.core.web import add_service_errors, paginate, require
from shuangsuiji.workdays.deadlines import deadline_after

from . import deadlines, permissions, services
from .choices import FollowUpKind, FollowUpState
from .forms_followups import CloseForm, FollowUpFilterForm, FollowUpForm, PenaltyForm, RecheckForm
from .models import FollowUp, Inspection, Visit

_RESULT_RELATED = ("visit__task__initiating", "visit__drawn_target__target", "department")


def _result(request: HttpRequest, pk: int) -> Inspection:
    """404 unless the user sees the result's visit; 403 unless they may follow the result up."""
    inspection = (Inspection.objects.select_related(*_RESULT_RELATED)
                  .filter(pk=pk, visit__in=Visit.objects.for_user(request.user)).first())
    if inspection is None:
        raise Http404
    if not permissions.can_follow_up(request.user, inspection):
        raise PermissionDenied
    return inspection


def _follow_up(request: HttpRequest, pk: int, *, change: bool) -> FollowUp:
    """404 unless the user sees the visit; 403 unless they may read (or, `change`, record on)
    the follow-up: the result's readers and the owner read it."""
    follow_up = (FollowUp.objects.select_related(
        "owner__department", "created_by", *(f"inspection__{r}" for r in _RESULT_RELATED))
        .filter(pk=pk).first())
    if follow_up is None:
        raise Http404
    user, inspection = request.user, follow_up.inspection
    if follow_up.owner_id != user.pk and not Visit.objects.for_user(user).filter(
            pk=inspection.visit_id).exists():
        raise Http404
    if change:
        allowed = permissions.can_follow_up(user, inspection)
    else:
        allowed = (follow_up.owner_id == user.pk
                   or permissions.can_view_result(user, inspection)
                   or permissions.can_follow_up(user, inspection))
    if not allowed:
        raise PermissionDenied
    return follow_up


# -- Recording a follow-up -----------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def followup_new(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _result(request, pk)
    today = timezone.localdate()
    form = FollowUpForm(request.POST or None, inspection=inspection, today=today, initial={
        "owner": request.user.pk, "due_on": deadline_after(today).date})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                follow_up = services.follow_up_create(
                    actor=request.user, inspection=inspection, kind=data["kind"],
                    owner=data["owner"], due_on=data["due_on"], notes=data["notes"],
                    rectify_by=data["rectify_by"], referred_to=data["referred_to"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Follow-up recorded: {kind}.").format(
                    kind=follow_up.get_kind_display()))
                return redirect("inspections:followup", pk=follow_up.pk)
        status = 400
    return render(request, "inspections/followups/new.html", {
        "inspection": inspection, "task": inspection.visit.task,
        "target": inspection.visit.drawn_target.target, "form": form,
        "existing": inspection.follow_ups.select_related("owner")}, status=status)


# -- One follow-up and its actions ---------------------------------------------------------------

def _detail(request: HttpRequest, follow_up: FollowUp, *, status: int = 200,
            **forms: Any) -> HttpResponse:
    today = timezone.localdate()
    inspection = follow_up.inspection
    is_open = follow_up.state == FollowUpState.OPEN
    can_act = is_open and permissions.can_follow_up(request.user, inspection)
    kind = follow_up.kind
    context: dict[str, Any] = {
        "follow_up": follow_up, "inspection": inspection, "task": inspection.visit.task,
        "target": inspection.visit.drawn_target.target, "can_act": can_act,
        "deadline": deadlines.follow_up_deadline(follow_up, today=today) if is_open else None,
    }
    if can_act:
        # A passed re-check settles the order: what is left is closing it.
        if kind == FollowUpKind.RECTIFY and not follow_up.recheck_passed:
            context["recheck_form"] = forms.get("recheck_form") or RecheckForm(
                initial={"recheck_on": today})
        if kind == FollowUpKind.PENALTY:
            context["penalty_form"] = forms.get("penalty_form") or PenaltyForm(initial={
                "decision_number": follow_up.decision_number,
                "penalty_amount": follow_up.penalty_amount,
                "decision_date": follow_up.decision_date})
        context["close_form"] = forms.get("close_form") or CloseForm(
            initial={"closed_on": today})
    return render(request, "inspections/followups/detail.html", context, status=status)


@require_http_methods(["GET"])
def followup_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _follow_up(request, pk, change=False))


@require_POST
def followup_recheck(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = _follow_up(request, pk, change=True)
    form = RecheckForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.follow_up_recheck(actor=request.user, follow_up=follow_up,
                                       day=data["recheck_on"], passed=data["passed"],
                                       note=data["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Re-check recorded."))
            return redirect("inspections:followup", pk=follow_up.pk)
    return _detail(request, follow_up, recheck_form=form, status=400)


@require_POST
def followup_penalty(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = _follow_up(request, pk, change=True)
    form = PenaltyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.follow_up_penalty(actor=request.user, follow_up=follow_up,
                                       decision_number=data["decision_number"],
                                       amount=data["penalty_amount"],
                                       decision_date=data["decision_date"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Penalty decision recorded."))
            return redirect("inspections:followup", pk=follow_up.pk)
    return _detail(request, follow_up, penalty_form=form, status=400)


@require_POST
def followup_close(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = _follow_up(request, pk, change=True)
    form = CloseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.follow_up_close(actor=request.user, follow_up=follow_up,
                                     closed_on=data["closed_on"], note=data["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Follow-up closed."))
            return redirect("inspections:followup", pk=follow_up.pk)
    return _detail(request, follow_up, close_form=form, status=400)


# -- Lists ---------------------------------------------------------------------------------------

@require_http_methods(["GET"])
def followup_list(request: HttpRequest) -> HttpResponse:
    """The follow-ups the user may see, their own first."""
    require(request.user, Domain.INSPECTIONS)
    today = timezone.localdate()
    form = FollowUpFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = deadlines.visible_follow_ups(request.user).select_related(
        "owner", "inspection__department", "inspection__visit__task",
        "inspection__visit__drawn_target__target")
    if filters.get("state"):
        rows = rows.filter(state=filters["state"])
    if filters.get("overdue"):
        rows = rows.filter(state=FollowUpState.OPEN, due_on__lt=today)
    if filters.get("mine"):
        rows = rows.filter(owner=request.user)
    rows = rows.annotate(mine=Case(When(Q(owner=request.user), then=Value(0)), default=Value(1),
                                   output_field=IntegerField())
                         ).order_by("mine", "state", "due_on", "pk")
    page = paginate(request, rows)
    return render(request, "inspections/followups/list.html", {
        "form": form, "page": page, "rows": deadlines.with_deadlines(page, today=today),
        "today": today})


@require_http_methods(["GET"])
def overdue(request: HttpRequest) -> HttpResponse:
    """Results late for entry or publication, and follow-ups past due, in the user's scope."""
    require(request.user, Domain.INSPECTIONS)
    today = timezone.localdate()
    return render(request, "inspections/overdue/list.html",
                  deadlines.overdue_lists(user=request.user, today=today) | {"today": today})
