"""Pages of the yearly plans (年度抽查计划) and the inspection tasks (抽查任务)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.scoping import Action, Domain, can, is_admin, user_organisation_id
from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.core.web import (
    add_service_errors,
    may_change,
    paginate,
    require,
    service_data,
    viewable_ids,
)
from shuangsuiji.draws import selectors as draw_selectors
from shuangsuiji.draws.pool import yearly_cap

from . import proposals, selectors, services
from .choices import PlanStatus, TaskState
from .forms import (
    EntryForm,
    InvitationForm,
    ParticipantForm,
    PlanForm,
    PlanStatusForm,
    ProposalForm,
    StrataForm,
    TaskFilterForm,
    TaskForm,
)
from .models import AnnualPlan, InspectionTask, PlanEntry

_TASK_FIELDS = list(TaskForm.Meta.fields)


def _require_office(user: Any) -> None:
    """Merging, approving, publishing and everything about a task's draw: the office only."""
    if not selectors.is_office(user):
        raise PermissionDenied


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# -- Yearly plans --------------------------------------------------------------------------------

@require_http_methods(["GET"])
def plan_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.PLANS)
    page = paginate(request, selectors.plan_list(user=request.user))
    return render(request, "plans/plan_list.html", {
        "page": page, "can_create": selectors.is_office(request.user)
        and can(request.user, Domain.PLANS, Action.CHANGE)})


@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.PLANS, Action.CHANGE)
    _require_office(request.user)
    year = timezone.localdate().year
    form = PlanForm(request.POST or None, user=request.user, initial={
        "year": year, "title": _("{year} random inspection plan").format(year=year)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        org = (data["organisation"].pk if "organisation" in data
               else user_organisation_id(request.user))
        try:
            plan = services.plan_create(
                actor=request.user, organisation_id=org, year=data["year"], title=data["title"],
                leading_section_id=data["leading_section"].pk if data["leading_section"] else None)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Plan {title} created.").format(title=plan.title))
            return redirect("plans:detail", pk=plan.pk)
    return render(request, "plans/form.html", {"form": form, "title": _("New yearly plan")})


@require_http_methods(["GET"])
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, pk=pk)
    may_edit = may_change(AnnualPlan.objects, request.user, plan)
    office = may_edit and selectors.is_office(request.user)
    draft = plan.status == PlanStatus.DRAFT
    return render(request, "plans/plan_detail.html", selectors.plan_detail_data(plan=plan) | {
        "plan": plan, "can_propose": may_edit and draft, "can_merge": office and draft,
        "next_status": _next_status(plan) if office else None,
        "can_file": office and not draft and not plan.city_filed_at,
        "can_receive": bool(plan.city_filed_at and not plan.city_received_at
                            and request.user.role == Role.CITY),
        "can_create_task": can(request.user, Domain.TASKS, Action.CHANGE)
        and plan.status != PlanStatus.DRAFT})


@require_POST
def plan_filing(request: HttpRequest, pk: int) -> HttpResponse:
    """备案: the office files its plan with the city; the city's office signs for it."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    receive = request.POST.get("step") == "receive"
    try:
        if receive:
            services.plan_receive_filing(actor=request.user, plan=plan)
        else:
            services.plan_file_with_city(actor=request.user, plan=plan)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Filing signed for.") if receive
                         else _("The plan is filed with the city's leading group office."))
    return redirect("plans:detail", pk=plan.pk)


def _next_status(plan: AnnualPlan) -> str | None:
    return {PlanStatus.DRAFT: PlanStatus.APPROVED,
            PlanStatus.APPROVED: PlanStatus.PUBLISHED}.get(PlanStatus(plan.status))


@require_http_methods(["GET", "POST"])
def plan_propose(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, pk=pk, action=Action.CHANGE)
    form = ProposalForm(request.POST or None, user=request.user, plan=plan)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.plan_propose(actor=request.user, plan=plan, section_id=data["section"].pk,
                                  text=data["text"], item_ids=[i.pk for i in data["items"]])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Proposal submitted."))
            return redirect("plans:detail", pk=plan.pk)
    return render(request, "plans/form.html", {
        "form": form, "plan": plan, "title": _("Propose for {title}").format(title=plan.title),
        "intro": _("Business sections propose what to inspect (提出年度随机抽查工作意见建议); "
                   "the office merges the proposals into the plan.")})


@require_http_methods(["GET", "POST"])
def plan_entry_create(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, pk=pk, action=Action.CHANGE)
    _require_office(request.user)
    proposal_id = request.POST.get("proposal") or request.GET.get("proposal")
    proposal = None
    if proposal_id:
        proposal = get_object_or_404(plan.proposals, pk=proposal_id)
    initial: dict[str, Any] = {}
    if proposal is not None:
        first_line = proposal.text.strip().splitlines()[0] if proposal.text.strip() else ""
        initial = {"name": first_line[:200], "items": list(proposal.items.all()),
                   "participants": [proposal.section]}
    form = EntryForm(request.POST or None, plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.plan_add_entry(
                actor=request.user, plan=plan, proposal=proposal,
                data=service_data(data, ["name", "is_joint", "batch", "starts_on", "ends_on",
                                         "ratio"]),
                item_ids=[i.pk for i in data["items"]],
                participant_ids=[d.pk for d in data["participants"]])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Entry added to the plan."))
            return redirect("plans:detail", pk=plan.pk)
    return render(request, "plans/form.html", {
        "form": form, "plan": plan, "proposal": proposal,
        "title": _("Merge a proposal into {title}").format(title=plan.title) if proposal
        else _("Add an entry to {title}").format(title=plan.title)})


@require_POST
def plan_status(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, pk=pk, action=Action.CHANGE)
    _require_office(request.user)
    form = PlanStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown plan status."))
        return redirect("plans:detail", pk=plan.pk)
    try:
        plan = services.plan_set_status(actor=request.user, plan=plan,
                                        status=form.cleaned_data["status"])
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Plan {title} is now {status}.").format(
            title=plan.title, status=plan.get_status_display()))
    return redirect("plans:detail", pk=plan.pk)


# -- Tasks ---------------------------------------------------------------------------------------

@require_http_methods(["GET"])
def task_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.TASKS)
    form = TaskFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = paginate(request, selectors.task_list(user=request.user, filters=filters))
    for task in page:
        task.badge = selectors.STATE_BADGES[TaskState(task.state)]
    return render(request, "plans/task_list.html", {
        "form": form, "page": page, "can_create": can(request.user, Domain.TASKS, Action.CHANGE),
        "may_list_proposals": proposals.may_list(request.user),
        # draws.views.nonrandom_new: the office of an organisation (not an administrator,
        # who belongs to none).
        "can_record": can(request.user, Domain.DRAWS, Action.CHANGE)
        and request.user.department_id is not None})


@require_http_methods(["GET"])
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(user=request.user, pk=pk)
    can_change = may_change(InspectionTask.objects, request.user, task)
    if not task.is_random:  # chosen by the office: no pool, no draw
        return render(request, "plans/nonrandom_detail.html", {
            "task": task, "badge": selectors.STATE_BADGES[TaskState(task.state)],
            "targets": task.targets.select_related("target").filter(replaced_at__isnull=True),
            "group": task.assignments.filter(released_at__isnull=True)
            .select_related("inspector", "department").order_by("position"),
            "items": InspectionItem.objects.filter(
                pk__in=task.participants.values("items")).order_by("code"),
            "next_states": _next_states(task) if can_change else []})
    context = selectors.task_sheet(user=request.user, task=task, today=timezone.localdate())
    frozen = task.state != TaskState.DRAFT
    return render(request, "plans/task_detail.html", context | {
        "task": task, "badge": selectors.STATE_BADGES[TaskState(task.state)],
        "can_change": can_change, "can_edit": can_change and task.is_editable,
        "announcement": draw_selectors.announcement(draw_selectors.freeze_get(task),
                                                    internal=context["internal"])
        if frozen else None,
        "draw": draw_selectors.draw_summary(task) if frozen else None,
        "city_cap": yearly_cap(task),
        "next_states": _next_states(task) if can_change else [],
        "answerable": {p.department_id for p in context["participants"]
                       if p.role != "initiating" and task.is_editable
                       and services.may_answer_invitation(request.user, p)
                       and not is_admin(request.user)},
        # A cooperating organisation's staff see the joint task, not the office's plan.
        "may_open_plan": bool(task.plan_entry_id and viewable_ids(
            AnnualPlan.objects, request.user, [task.plan_entry.plan_id]))})


def _next_states(task: InspectionTask) -> list[tuple[str, str]]:
    allowed = {TaskState.DRAWN: [TaskState.IN_PROGRESS, TaskState.FINISHED],
               TaskState.IN_PROGRESS: [TaskState.FINISHED],
               TaskState.FINISHED: [TaskState.CLOSED]}
    return [(s.value, s.label) for s in allowed.get(TaskState(task.state), [])]


def _entry_initial(request: HttpRequest) -> tuple[PlanEntry | None, dict[str, Any]]:
    entry_id = request.GET.get("entry") or request.POST.get("entry")
    if not entry_id:
        return None, {}
    entry = get_object_or_404(
        PlanEntry.objects.filter(plan__in=selectors.plan_list(user=request.user)), pk=entry_id)
    return entry, selectors.task_initial(entry=entry)


@require_http_methods(["GET", "POST"])
def task_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.TASKS, Action.CHANGE)
    entry, initial = _entry_initial(request)
    form = TaskForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_create_from_entry(
                actor=request.user, data=service_data(form.cleaned_data, _TASK_FIELDS))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Task {code} created. Check each department's checklist "
                                        "items and group size before freezing.").format(
                                            code=task.code))
            return redirect("plans:task_detail", pk=task.pk)
    return render(request, "plans/task_form.html", {
        "form": form, "entry": entry, "title": _("New inspection task")})


@require_http_methods(["GET", "POST"])
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(user=request.user, pk=pk, action=Action.CHANGE)
    if request.method == "GET" and not task.is_editable:
        messages.error(request, _("Task {code} is {state}: it can no longer be edited.").format(
            code=task.code, state=task.get_state_display()))
        return redirect("plans:task_detail", pk=task.pk)
    form = TaskForm(request.POST or None, instance=selectors.task_get(user=request.user, pk=pk),
                    user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = [f for f in _TASK_FIELDS if f in form.fields]
        try:
            services.task_update(actor=request.user, task=task,
                                 data=service_data(form.cleaned_data, fields))
        except services.TaskLocked as exc:
            _refused(request, exc)
            return redirect("plans:task_detail", pk=task.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("plans:task_detail", pk=task.pk)
    return render(request, "plans/task_form.html", {
        "form": form, "task": task, "title": _("Edit task {code}").format(code=task.code)})


@require_http_methods(["GET", "POST"])
def task_participant(request: HttpRequest, pk: int, department_id: int | None = None
                     ) -> HttpResponse:
    """Add a cooperating department, or change a department's items and group size."""
    task = selectors.task_get(user=request.user, pk=pk, action=Action.CHANGE)
    participant = (get_object_or_404(task.participants.select_related("department"),
                                     department_id=department_id) if department_id else None)
    if request.method == "GET" and not task.is_editable:
        return redirect("plans:task_detail", pk=task.pk)
    initial = ({"department": participant.department_id, "items": list(participant.items.all()),
                "officers": participant.officers, "experts": participant.experts}
               if participant else {"department": request.GET.get("department")})
    form = ParticipantForm(request.POST or None, task=task, initial=initial,
                           fixed=participant.department if participant else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.task_set_department(
                actor=request.user, task=task, department_id=data["department"].pk,
                item_ids=[i.pk for i in data["items"]], officers=data["officers"],
                experts=data["experts"])
        except services.TaskLocked as exc:
            _refused(request, exc)
            return redirect("plans:task_detail", pk=task.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("{department} takes part with {n} items.").format(
                department=data["department"], n=len(data["items"])))
            return redirect("plans:task_detail", pk=task.pk)
    title = (_("{department} in task {code}").format(department=participant.department,
                                                      code=task.code)
             if participant else _("Add a cooperating department to {code}").format(
                 code=task.code))
    return render(request, "plans/task_form.html", {
        "form": form, "task": task, "title": title,
        "choose_department": participant is None and form.chosen is None, "item_picker": True})


@require_http_methods(["GET", "POST"])
def task_invitation(request: HttpRequest, pk: int, department_id: int) -> HttpResponse:
    """The invited department's answer to a joint task: accept with its own checklist items
    and group size, or decline. Its organisation's staff see the task (TaskQuerySet) and the
    service says whether they answer for the department."""
    task = selectors.task_get(user=request.user, pk=pk)
    participant = get_object_or_404(task.participants.select_related("department"),
                                    department_id=department_id)
    if not services.may_answer_invitation(request.user, participant):
        raise PermissionDenied
    if request.method == "GET" and not task.is_editable:
        return redirect("plans:task_detail", pk=task.pk)
    form = InvitationForm(request.POST or None, task=task, fixed=participant.department,
                          initial={"items": list(participant.items.all()),
                                   "officers": participant.officers,
                                   "experts": participant.experts})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.task_answer_invitation(
                actor=request.user, task=task, department_id=department_id,
                accept=data["accept"], item_ids=[i.pk for i in data["items"] or []],
                officers=data["officers"], experts=data["experts"] or 0,
                note=data["answer_note"])
        except services.TaskLocked as exc:
            _refused(request, exc)
            return redirect("plans:task_detail", pk=task.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your answer is recorded; the initiating office sees "
                                        "it on the task."))
            return redirect("plans:task_detail", pk=task.pk)
    return render(request, "plans/task_form.html", {
        "form": form, "task": task, "item_picker": True,
        "title": _("Invitation to joint task {code}").format(code=task.code)})


@require_POST
def task_participant_remove(request: HttpRequest, pk: int, department_id: int) -> HttpResponse:
    task = selectors.task_get(user=request.user, pk=pk, action=Action.CHANGE)
    try:
        services.task_remove_department(actor=request.user, task=task,
                                        department_id=department_id)
    except ValidationError as exc:
        _refused(request, exc)
    except task.participants.model.DoesNotExist:
        messages.error(request, _("This department does not take part in the task."))
    else:
        messages.success(request, _("Department removed from the task."))
    return redirect("plans:task_detail", pk=task.pk)


@require_http_methods(["GET", "POST"])
def task_strata(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(user=request.user, pk=pk, action=Action.CHANGE)
    if request.method == "GET" and not task.is_editable:
        return redirect("plans:task_detail", pk=task.pk)
    form = StrataForm(request.POST or None, task=task)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_set_strata(actor=request.user, task=task, rules=form.rules())
        except services.TaskLocked as exc:
            _refused(request, exc)
            return redirect("plans:task_detail", pk=task.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Stratum rules saved."))
            return redirect("plans:task_detail", pk=task.pk)
    return render(request, "plans/strata_form.html", {"form": form, "task": task})


@require_POST
def task_advance(request: HttpRequest, pk: int) -> HttpResponse:
    """In progress → finished → closed: forward only (plans.services)."""
    task = selectors.task_get(user=request.user, pk=pk, action=Action.CHANGE)
    moves = {TaskState.IN_PROGRESS: services.task_start, TaskState.FINISHED: services.task_finish,
             TaskState.CLOSED: services.task_close}
    move = moves.get(request.POST.get("to", ""))
    if move is None:
        messages.error(request, _("Unknown task state."))
        return redirect("plans:task_detail", pk=task.pk)
    try:
        task = move(actor=request.user, task=task)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Task {code} is now {state}.").format(
            code=task.code, state=task.get_state_display()))
    return redirect("plans:task_detail", pk=task.pk)
