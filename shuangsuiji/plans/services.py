"""Plans and tasks: creation, editing while a draft, and forward-only state changes.

Every rule about what may be planned and put on a task is checked here, whoever calls (a
page, the API, the demo): which items a department may take on, which departments and items
a plan's proposals and entries may name, who merges, approves and publishes. Forms and
serializers may narrow their choices for display; the refusal is the service's. An actor of
None is the system itself (the demo's builder), which is not limited by role.
"""

from collections.abc import Collection
from datetime import date
from typing import Any, Required, TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import Department, User
from shuangsuiji.accounts.scoping import Domain, is_admin, may_change_in, organisation_id
from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.core.audit import audit_record
from shuangsuiji.core.i18n import reason as rule_reason
from shuangsuiji.core.snapshots import apply, diff, snapshot
from shuangsuiji.rules.draw.sizes import InvalidRule, StratumRule

from .choices import (
    TASK_STATE_ORDER,
    DepartmentRole,
    Invitation,
    PlanStatus,
    ProposalStatus,
    TaskState,
)
from .models import (
    AnnualPlan,
    CityPolicy,
    InspectionTask,
    PlanEntry,
    PlanProposal,
    TaskDepartment,
    TaskStratum,
)
from .selectors import is_office, task_organisation_id

TASK_FIELDS = ["code", "name", "initiating", "period_start", "period_end", "method_text",
               "requirements_text", "filter_regions", "filter_industries",
               "filter_entity_types", "lookback_days", "stratification", "ratio",
               "verification", "verification_reason", "plan_entry"]


class TaskFields(TypedDict, total=False):
    """The task sheet's fields as task_create and task_update take them; a related record by
    itself or by its id. Departments and stratum rules are set apart."""

    code: str
    name: str
    initiating: Department | int
    plan_entry: PlanEntry | int | None
    period_start: date
    period_end: date
    method_text: str
    requirements_text: str
    filter_regions: list[str]
    filter_industries: list[str]
    filter_entity_types: list[str]
    lookback_days: int
    stratification: str
    ratio: str
    verification: str
    verification_reason: str


class EntryFields(TypedDict, total=False):
    """A plan entry's own fields as plan_add_entry takes them; items and departments apart."""

    name: Required[str]
    is_joint: bool
    batch: str
    starts_on: date | None
    ends_on: date | None
    ratio: str


class StratumFields(TypedDict, total=False):
    """One stratum's rule as task_set_strata takes it: a ratio or a count."""

    ratio: str
    count: int | None


class TaskLocked(ValidationError):
    """The task is no longer a draft: its pools and rules are frozen."""


def _require(actor: User | None, domain: Domain, organisation: int, *,
             office: bool = False) -> None:
    """PermissionDenied unless the actor may change the domain's records of the organisation
    (the matrix in accounts/scoping.py) and, with `office`, is the organising office."""
    if actor is None:  # the system itself
        return
    if not may_change_in(actor, domain, organisation):
        raise PermissionDenied(_("You may not change the records of this organisation."))
    if office and not is_office(actor):
        raise PermissionDenied(_("Only the organising office may do this."))


def _lock_draft(task: InspectionTask) -> InspectionTask:
    task = InspectionTask.objects.select_for_update().get(pk=task.pk)
    if task.state != TaskState.DRAFT:
        raise TaskLocked(_("Task {code} is {state}: it can no longer be edited.").format(
            code=task.code, state=task.get_state_display()))
    return task


def _check_ratio(ratio: str, field: str) -> None:
    try:
        StratumRule(ratio=ratio)
    except InvalidRule as exc:
        raise ValidationError({field: rule_reason(exc)}) from exc


def _items(item_ids: Collection[int]) -> list[InspectionItem]:
    """The items by id; a ValidationError on `items` naming the ids that are none."""
    items = list(InspectionItem.objects.filter(pk__in=item_ids).select_related("department"))
    unknown = sorted(set(item_ids) - {i.pk for i in items})
    if unknown:
        raise ValidationError({"items": _("No such item: {ids}.").format(
            ids=", ".join(map(str, unknown)))})
    return items


def checklist_items(department: Department) -> QuerySet[InspectionItem]:
    """The items a department may put on its checklist in a task: those of its own
    organisation's list (each department inspects by its own 检查单, whoever's task it is,
    "1+X"), published and in force (a task inspects only what the public list names).
    The task form offers exactly these; check_checklist refuses any other."""
    org = organisation_id(department)
    return InspectionItem.objects.published().filter(
        Q(department__root_id=org) | Q(department_id=org))


def check_checklist(department: Department, item_ids: Collection[int]) -> None:
    """Refuse any item not in checklist_items(department), saying why of each."""
    items = _items(item_ids)
    allowed = set(checklist_items(department).filter(pk__in=item_ids)
                  .values_list("pk", flat=True))
    org = organisation_id(department)
    foreign = sorted(i.code for i in items if organisation_id(i.department) != org)
    if foreign:
        raise ValidationError({"items": _(
            "Not on the item list of {department}'s organisation: {codes}.").format(
                department=department.name, codes=", ".join(foreign))})
    unlisted = sorted(i.code for i in items if i.pk not in allowed)
    if unlisted:
        raise ValidationError({"items": _(
            "Not published on the item list, or no longer in force: {codes}. A task inspects "
            "only items the public list names.").format(codes=", ".join(unlisted))})


def _check_task(task: InspectionTask) -> None:
    """A task carries out an entry of an approved or published plan of its own organisation."""
    if task.plan_entry_id is None:
        return
    entry = PlanEntry.objects.select_related("plan__organisation").get(pk=task.plan_entry_id)
    if (entry.plan.status == PlanStatus.DRAFT
            or organisation_id(entry.plan.organisation) != task_organisation_id(task)):
        raise ValidationError({"plan_entry": _(
            "Choose an entry of an approved plan of the task's organisation.")})


@transaction.atomic
def task_create(*, actor: User | None, data: TaskFields) -> InspectionTask:
    """A new draft task; the initiating department takes part first, with no items yet."""
    task = InspectionTask(created_by=actor if getattr(actor, "pk", None) else None)
    apply(task, {k: v for k, v in data.items() if k in TASK_FIELDS})  # never kind or cap
    if task.initiating_id is not None:
        _require(actor, Domain.TASKS, task_organisation_id(task))
    _check_ratio(task.ratio, "ratio")
    task.full_clean()
    _check_task(task)
    task.save()
    TaskDepartment.objects.create(task=task, department=task.initiating,
                                  role=DepartmentRole.INITIATING, order=0)
    audit_record(actor=actor, action="task.create", obj=task,
                 organisation_id=task_organisation_id(task),
                 summary=_("Task {code} created").format(code=task.code),
                 data={"after": snapshot(task, TASK_FIELDS)})
    return task


@transaction.atomic
def task_create_from_entry(*, actor: User | None, data: TaskFields) -> InspectionTask:
    """A new draft task as the task page and the API make it: when it carries out a plan
    entry, the entry's departments take part at once with their items (see
    task_departments_from_entry); they can be changed until the task is frozen."""
    task = task_create(actor=actor, data=data)
    if task.plan_entry is not None:
        task_departments_from_entry(actor=actor, task=task, entry=task.plan_entry)
    return task


@transaction.atomic
def task_update(*, actor: User | None, task: InspectionTask, data: TaskFields) -> InspectionTask:
    """Edit a draft; refused once frozen."""
    _require(actor, Domain.TASKS, task_organisation_id(task))
    task = _lock_draft(task)
    before = snapshot(task, TASK_FIELDS)
    apply(task, {k: v for k, v in data.items() if k in TASK_FIELDS})  # never kind or cap
    _check_ratio(task.ratio, "ratio")
    task.full_clean()
    _check_task(task)
    task.save()
    changes = diff(before, snapshot(task, TASK_FIELDS))
    if changes:
        audit_record(actor=actor, action="task.update", obj=task,
                     organisation_id=task_organisation_id(task),
                     summary=_("Task {code} changed: {fields}").format(
                         code=task.code, fields=", ".join(changes)),
                     data={"changes": changes})
    return task


@transaction.atomic
def task_set_department(*, actor: User | None, task: InspectionTask, department_id: int,
                        item_ids: list[int], officers: int = 2, experts: int = 0,
                        role: str = DepartmentRole.COOPERATING) -> TaskDepartment:
    """Add or change a participating department, its checklist items and its group size.

    The items must be on the department's own organisation's list (check_checklist)."""
    _require(actor, Domain.TASKS, task_organisation_id(task))
    task = _lock_draft(task)
    if officers < 2:
        raise ValidationError({"officers": _("A group needs at least 2 officers.")})
    department = Department.objects.filter(pk=department_id).first()
    taking_part = task.participants.filter(department_id=department_id).exists()
    if department is None or not (department.is_active or taking_part):
        raise ValidationError({"department": _("No such active department.")})
    check_checklist(department, item_ids)
    participant, created = TaskDepartment.objects.get_or_create(
        task=task, department_id=department_id,
        defaults={"role": role, "order": task.participants.count()})
    before = (participant.officers, participant.experts,
              set(participant.items.values_list("pk", flat=True)))
    participant.officers, participant.experts = officers, experts
    if organisation_id(department) != task_organisation_id(task) and (
            created or before != (officers, experts, set(item_ids))):
        # Another organisation's department answers for itself, again after any change.
        participant.invitation = Invitation.INVITED
        participant.answered_by, participant.answered_at = None, None
    participant.save()
    participant.items.set(item_ids)
    audit_record(actor=actor, action="task.department", obj=task,
                 organisation_id=task_organisation_id(task),
                 summary=_("Task {code}: {department} takes part").format(
                     code=task.code, department=participant.department),
                 data={"department": department_id, "items": sorted(item_ids),
                       "officers": officers, "experts": experts, "created": created,
                       "invitation": participant.invitation})
    return participant


def may_answer_invitation(actor: User | Any, participant: TaskDepartment) -> bool:
    """Whether the actor answers for the invited department: its organisation's office or
    staff (a cooperating organisation's partner role), or the system."""
    if actor is None or is_admin(actor):
        return True
    return (getattr(actor, "department_id", None) is not None
            and actor.role in {Role.OFFICE, Role.PARTNER}
            and organisation_id(actor.department) == organisation_id(participant.department))


@transaction.atomic
def task_answer_invitation(*, actor: User | None, task: InspectionTask, department_id: int,
                           accept: bool, item_ids: list[int] | None = None,
                           officers: int | None = None, experts: int | None = None,
                           note: str = "") -> TaskDepartment:
    """The invited department accepts (with its own checklist items and group size, "1+X")
    or declines (saying why). Only while the task is a draft; audited."""
    task = _lock_draft(task)
    participant = (task.participants.select_for_update().select_related("department")
                   .filter(department_id=department_id).first())
    if participant is None:
        raise ValidationError({"department": _("This department does not take part in the "
                                               "task.")})
    if not may_answer_invitation(actor, participant):
        raise PermissionDenied(_("Only the invited department's organisation answers its "
                                 "invitation."))
    if accept:
        item_ids = list(participant.items.values_list("pk", flat=True)) if item_ids is None \
            else item_ids
        officers = participant.officers if officers is None else officers
        if officers < 2:
            raise ValidationError({"officers": _("A group needs at least 2 officers.")})
        if not item_ids:
            raise ValidationError({"items": _("Choose the checklist items your department "
                                              "inspects in this task.")})
        check_checklist(participant.department, item_ids)
        participant.officers = officers
        participant.experts = participant.experts if experts is None else experts
        participant.items.set(item_ids)
    elif not note.strip():
        raise ValidationError({"answer_note": _("Say why the department declines.")})
    participant.invitation = Invitation.ACCEPTED if accept else Invitation.DECLINED
    participant.answered_by = actor if getattr(actor, "pk", None) else None
    participant.answered_at = timezone.now()
    participant.answer_note = note.strip()
    participant.save()
    audit_record(actor=actor, action="task.invitation", obj=task,
                 organisation_id=task_organisation_id(task),
                 summary=(_("Task {code}: {department} accepted the invitation") if accept
                          else _("Task {code}: {department} declined the invitation")).format(
                     code=task.code, department=participant.department),
                 data={"department": department_id, "accepted": accept,
                       "items": sorted(participant.items.values_list("pk", flat=True)),
                       "officers": participant.officers, "experts": participant.experts,
                       "note": participant.answer_note})
    return participant


@transaction.atomic
def task_departments_from_entry(*, actor: User | None, task: InspectionTask,
                                entry: PlanEntry) -> None:
    """The plan entry's items go to the department whose list they are on ("1+X"): the
    initiating department's own, and each participating department's for it."""
    items = list(entry.items.select_related("department"))
    org = task_organisation_id(task)
    task_set_department(actor=actor, task=task, department_id=task.initiating_id,
                        item_ids=[i.pk for i in items if organisation_id(i.department) == org])
    for department in entry.participants.exclude(root_id=org).exclude(pk=org):
        task_set_department(actor=actor, task=task, department_id=department.pk,
                            item_ids=[i.pk for i in items
                                      if organisation_id(i.department)
                                      == organisation_id(department)])


@transaction.atomic
def task_remove_department(*, actor: User | None, task: InspectionTask,
                           department_id: int) -> None:
    _require(actor, Domain.TASKS, task_organisation_id(task))
    task = _lock_draft(task)
    participant = task.participants.get(department_id=department_id)
    if participant.role == DepartmentRole.INITIATING:
        raise ValidationError(_("The initiating department cannot be removed."))
    participant.delete()
    audit_record(actor=actor, action="task.department_remove", obj=task,
                 organisation_id=task_organisation_id(task),
                 summary=_("Task {code}: department removed").format(code=task.code),
                 data={"department": department_id})


@transaction.atomic
def task_set_strata(*, actor: User | None, task: InspectionTask,
                    rules: dict[str, StratumFields]) -> list[TaskStratum]:
    """Replace the stratum rules: {"A": {"ratio": "10"}, "D": {"count": 5}, …}."""
    _require(actor, Domain.TASKS, task_organisation_id(task))
    task = _lock_draft(task)
    for label, rule in rules.items():
        try:
            StratumRule(ratio=rule.get("ratio") or None, count=rule.get("count"))
        except InvalidRule as exc:
            raise ValidationError({label: rule_reason(exc)}) from exc
    task.strata.all().delete()
    strata = [TaskStratum.objects.create(task=task, label=label, ratio=rule.get("ratio") or "",
                                         count=rule.get("count"))
              for label, rule in sorted(rules.items())]
    audit_record(actor=actor, action="task.strata", obj=task,
                 organisation_id=task_organisation_id(task),
                 summary=_("Task {code}: stratum rules set").format(code=task.code),
                 data={"rules": rules})
    return strata


def _advance(*, actor: User | None, task: InspectionTask, to: str,
             allowed_from: set[str]) -> InspectionTask:
    task = InspectionTask.objects.select_for_update().get(pk=task.pk)
    if task.state not in allowed_from:
        raise ValidationError(_("Task {code} is {state} and cannot become {to}.").format(
            code=task.code, state=task.get_state_display(), to=TaskState(to).label))
    if TASK_STATE_ORDER.index(to) <= TASK_STATE_ORDER.index(task.state):
        raise ValidationError(_("A task's state only moves forward."))
    old = task.state
    task.state = to
    task.save(update_fields=["state", "updated_at"])
    audit_record(actor=actor, action=f"task.{to}", obj=task,
                 organisation_id=task_organisation_id(task),
                 summary=_("Task {code}: {old} → {new}").format(
                     code=task.code, old=TaskState(old).label, new=TaskState(to).label),
                 data={"from": old, "to": to})
    return task


@transaction.atomic
def task_start(*, actor: User | None, task: InspectionTask) -> InspectionTask:
    return _advance(actor=actor, task=task, to=TaskState.IN_PROGRESS,
                    allowed_from={TaskState.DRAWN})


@transaction.atomic
def task_finish(*, actor: User | None, task: InspectionTask) -> InspectionTask:
    return _advance(actor=actor, task=task, to=TaskState.FINISHED,
                    allowed_from={TaskState.DRAWN, TaskState.IN_PROGRESS})


@transaction.atomic
def task_close(*, actor: User | None, task: InspectionTask) -> InspectionTask:
    return _advance(actor=actor, task=task, to=TaskState.CLOSED,
                    allowed_from={TaskState.FINISHED})


# -- Annual plans --------------------------------------------------------------------------------

def _check_leading_section(organisation: Department, section_id: int | None) -> None:
    if section_id is None:
        return
    section = Department.objects.filter(pk=section_id).first()
    if section is None or organisation_id(section) != organisation.pk:
        raise ValidationError({"leading_section": _("This section is not part of the office.")})


@transaction.atomic
def plan_create(*, actor: User | None, organisation_id: int, year: int, title: str,
                leading_section_id: int | None = None) -> AnnualPlan:
    """A draft plan of an office (a top-level department); the office starts it."""
    _require(actor, Domain.PLANS, organisation_id, office=True)
    organisation = Department.objects.filter(pk=organisation_id).first()
    if organisation is None or organisation.parent_id is not None:
        raise ValidationError({"organisation": _(
            "A yearly plan belongs to an office: name a top-level department.")})
    _check_leading_section(organisation, leading_section_id)
    plan = AnnualPlan(organisation_id=organisation_id, year=year, title=title,
                      leading_section_id=leading_section_id,
                      filed_by=actor if getattr(actor, "pk", None) else None)
    plan.full_clean()
    plan.save()
    audit_record(actor=actor, action="plan.create", obj=plan, organisation_id=organisation_id,
                 summary=_("Plan {title} created").format(title=title), data={"year": year})
    return plan


@transaction.atomic
def plan_propose(*, actor: User | None, plan: AnnualPlan, section_id: int, text: str,
                 item_ids: list[int]) -> PlanProposal:
    """A section's proposal of items of the office's own list; the office merges it into an
    entry with plan_add_entry. A business section proposes for itself only."""
    org = organisation_id(plan.organisation)
    _require(actor, Domain.PLANS, org)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("The plan is no longer open for proposals."))
    section = Department.objects.filter(pk=section_id).first()
    if section is None or organisation_id(section) != org:
        raise ValidationError({"section": _("This department is not part of the office.")})
    if (actor is not None and actor.role == Role.SECTION and not is_admin(actor)
            and section.pk != actor.department_id):
        raise ValidationError({"section": _("A section proposes for itself only.")})
    foreign = sorted(i.code for i in _items(item_ids) if organisation_id(i.department) != org)
    if foreign:
        raise ValidationError({"items": _("Not on the office's item list: {codes}.").format(
            codes=", ".join(foreign))})
    proposal = PlanProposal.objects.create(plan=plan, section=section, text=text,
                                           submitted_by=actor if getattr(actor, "pk", None)
                                           else None)
    proposal.items.set(item_ids)
    audit_record(actor=actor, action="plan.propose", obj=plan, organisation_id=org,
                 summary=_("Proposal for {title}").format(title=plan.title),
                 data={"proposal": proposal.pk, "items": sorted(item_ids)})
    return proposal


def _check_entry(plan: AnnualPlan, entry: PlanEntry, item_ids: Collection[int],
                 participant_ids: Collection[int], proposal: PlanProposal | None) -> None:
    """An entry plans the office's own items and published items of other departments
    ("1+X"); a joint one names a department from outside the office; it merges a proposal of
    its own plan that was not declined (one proposal may become several entries, one per
    batch). Every field's error at once, each naming its field."""
    org = organisation_id(plan.organisation)
    errors: dict[str, Any] = {}
    try:
        entry.full_clean()
    except ValidationError as exc:
        errors |= exc.message_dict
    if entry.ratio:
        try:
            _check_ratio(entry.ratio, "ratio")
        except ValidationError as exc:
            errors |= exc.message_dict
    if entry.starts_on and entry.ends_on and entry.ends_on < entry.starts_on:
        errors["ends_on"] = _("The end of the period is before its start.")
    try:
        items = _items(item_ids)
    except ValidationError as exc:
        errors |= exc.message_dict
        items = []
    hidden = sorted(i.code for i in items
                    if organisation_id(i.department) != org and not i.is_published)
    if not item_ids:
        errors["items"] = _("An entry plans at least one item.")
    elif hidden:
        errors["items"] = _(
            "Items of other departments must be published to be planned: {codes}.").format(
                codes=", ".join(hidden))
    participants = list(Department.objects.filter(pk__in=participant_ids, is_active=True))
    if len(participants) != len(set(participant_ids)):
        errors["participants"] = _("No such active department.")
    elif entry.is_joint and all(organisation_id(d) == org for d in participants):
        errors["participants"] = _(
            "A joint entry needs at least one department from outside the office.")
    if proposal is not None and proposal.plan_id != plan.pk:
        errors["proposal"] = _("This proposal is for another plan.")
    elif proposal is not None and proposal.status == ProposalStatus.DECLINED:
        errors["proposal"] = _("This proposal is {status} already.").format(
            status=proposal.get_status_display())
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_add_entry(*, actor: User | None, plan: AnnualPlan, data: EntryFields,
                   item_ids: list[int], participant_ids: list[int],
                   proposal: PlanProposal | None = None) -> PlanEntry:
    """An entry of a draft plan (the office), merging a section's proposal if one is given."""
    _require(actor, Domain.PLANS, organisation_id(plan.organisation), office=True)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("An approved plan cannot be changed."))
    if proposal is not None:
        proposal = PlanProposal.objects.select_for_update().get(pk=proposal.pk)
    entry = PlanEntry(plan=plan, proposal=proposal)
    apply(entry, dict(data))
    _check_entry(plan, entry, item_ids, participant_ids, proposal)
    entry.save()
    entry.items.set(item_ids)
    entry.participants.set(participant_ids)
    if proposal is not None:
        proposal.status = ProposalStatus.MERGED
        proposal.save(update_fields=["status"])
    audit_record(actor=actor, action="plan.entry", obj=plan,
                 organisation_id=organisation_id(plan.organisation),
                 summary=_("Plan {title}: entry {name} added").format(
                     title=plan.title, name=entry.name),
                 data={"entry": entry.pk, "items": sorted(item_ids),
                       "participants": sorted(participant_ids)})
    return entry


@transaction.atomic
def plan_set_status(*, actor: User | None, plan: AnnualPlan, status: str) -> AnnualPlan:
    """draft → approved → published, never back; the office's alone."""
    _require(actor, Domain.PLANS, organisation_id(plan.organisation), office=True)
    order = [PlanStatus.DRAFT, PlanStatus.APPROVED, PlanStatus.PUBLISHED]
    plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
    if order.index(PlanStatus(status)) != order.index(PlanStatus(plan.status)) + 1:
        raise ValidationError(_("A plan goes from draft to approved to published."))
    plan.status = status
    now = timezone.now()
    if status == PlanStatus.APPROVED:
        plan.approved_by, plan.approved_at = actor, now
    else:
        plan.published_at = now
    plan.save()
    audit_record(actor=actor, action=f"plan.{status}", obj=plan,
                 organisation_id=organisation_id(plan.organisation),
                 summary=_("Plan {title}: {status}").format(title=plan.title,
                                                            status=plan.get_status_display()),
                 data={"status": status})
    return plan


@transaction.atomic
def plan_file_with_city(*, actor: User | None, plan: AnnualPlan) -> AnnualPlan:
    """备案: the office sends its approved (or published) plan to the city's leading group
    office, once; audited."""
    _require(actor, Domain.PLANS, organisation_id(plan.organisation), office=True)
    plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == PlanStatus.DRAFT:
        raise ValidationError(_("Approve the plan before filing it with the city."))
    if plan.city_filed_at:
        raise ValidationError(_("The plan is already filed with the city."))
    plan.city_filed_at = timezone.now()
    plan.city_filed_by = actor if getattr(actor, "pk", None) else None
    plan.save(update_fields=["city_filed_at", "city_filed_by"])
    audit_record(actor=actor, action="plan.file", obj=plan,
                 organisation_id=organisation_id(plan.organisation),
                 summary=_("Plan {title} filed with the city").format(title=plan.title),
                 data={"status": plan.status})
    return plan


def may_receive_filing(actor: User | Any) -> bool:
    """The city's leading group office (or an administrator) signs for a plan's filing."""
    return actor is None or is_admin(actor) or getattr(actor, "role", None) == Role.CITY


@transaction.atomic
def plan_receive_filing(*, actor: User | None, plan: AnnualPlan) -> AnnualPlan:
    """The city's leading group office signs for a filed plan (签收); audited."""
    if not may_receive_filing(actor):
        raise PermissionDenied(_("Only the city's leading group office signs for a filing."))
    plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
    if not plan.city_filed_at:
        raise ValidationError(_("The plan has not been filed with the city."))
    if plan.city_received_at:
        raise ValidationError(_("The filing has already been signed for."))
    plan.city_received_at = timezone.now()
    plan.city_received_by = actor if getattr(actor, "pk", None) else None
    plan.save(update_fields=["city_received_at", "city_received_by"])
    audit_record(actor=actor, action="plan.filing_received", obj=plan,
                 organisation_id=organisation_id(plan.organisation),
                 summary=_("Plan {title}: filing signed for by the city").format(
                     title=plan.title), data={})
    return plan


@transaction.atomic
def city_policy_set(*, actor: User | None, yearly_cap: int, recent_days: int) -> CityPolicy:
    """The city's frequency rules (国办发〔2024〕54号): set by an administrator (later the
    city's leading group office); every freeze and non-random inspection reads them."""
    if actor is not None and not is_admin(actor):
        raise PermissionDenied
    policy = CityPolicy.current()
    before = {"yearly_cap": policy.yearly_cap, "recent_days": policy.recent_days}
    policy.yearly_cap, policy.recent_days = yearly_cap, recent_days
    policy.updated_by = actor if getattr(actor, "pk", None) else None
    policy.full_clean()
    policy.save()
    audit_record(actor=actor, action="city_policy.set", obj=policy, organisation_id=None,
                 summary=_("City inspection policy: at most {cap} inspections of an entity a "
                           "year, warning within {days} days").format(cap=yearly_cap,
                                                                     days=recent_days),
                 data={"before": before,
                       "after": {"yearly_cap": yearly_cap, "recent_days": recent_days}})
    return policy
