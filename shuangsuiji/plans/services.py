"""Plans and tasks: creation, editing while a draft, and forward-only state changes."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.core.audit import audit_record
from shuangsuiji.core.i18n import reason as rule_reason
from shuangsuiji.core.snapshots import apply, diff, snapshot
from shuangsuiji.rules.draw.sizes import InvalidRule, StratumRule

from .choices import TASK_STATE_ORDER, DepartmentRole, PlanStatus, TaskState
from .models import AnnualPlan, InspectionTask, PlanEntry, PlanProposal, TaskDepartment, TaskStratum
from .selectors import task_organisation_id

TASK_FIELDS = ["code", "name", "initiating", "period_start", "period_end", "method_text",
               "requirements_text", "filter_regions", "filter_industries",
               "filter_entity_types", "lookback_days", "yearly_cap", "stratification", "ratio",
               "verification", "verification_reason", "plan_entry"]


class TaskLocked(ValidationError):
    """The task is no longer a draft: its pools and rules are frozen."""


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


@transaction.atomic
def task_create(*, actor: Any, data: dict[str, Any]) -> InspectionTask:
    """A new draft task; the initiating department takes part first, with no items yet."""
    task = InspectionTask(created_by=actor if getattr(actor, "pk", None) else None)
    apply(task, data)
    _check_ratio(task.ratio, "ratio")
    task.full_clean()
    task.save()
    TaskDepartment.objects.create(task=task, department=task.initiating,
                                  role=DepartmentRole.INITIATING, order=0)
    audit_record(actor=actor, action="task.create", obj=task,
                 organisation_id=task_organisation_id(task),
                 summary=_("Task {code} created").format(code=task.code),
                 data={"after": snapshot(task, TASK_FIELDS)})
    return task


@transaction.atomic
def task_update(*, actor: Any, task: InspectionTask, data: dict[str, Any]) -> InspectionTask:
    """Edit a draft; refused once frozen."""
    task = _lock_draft(task)
    before = snapshot(task, TASK_FIELDS)
    apply(task, data)
    _check_ratio(task.ratio, "ratio")
    task.full_clean()
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
def task_set_department(*, actor: Any, task: InspectionTask, department_id: int,
                        item_ids: list[int], officers: int = 2, experts: int = 0,
                        role: str = DepartmentRole.COOPERATING) -> TaskDepartment:
    """Add or change a participating department, its checklist items and its group size."""
    task = _lock_draft(task)
    if officers < 2:
        raise ValidationError({"officers": _("A group needs at least 2 officers.")})
    participant, created = TaskDepartment.objects.get_or_create(
        task=task, department_id=department_id,
        defaults={"role": role, "order": task.participants.count()})
    participant.officers, participant.experts = officers, experts
    participant.save()
    participant.items.set(item_ids)
    audit_record(actor=actor, action="task.department", obj=task,
                 organisation_id=task_organisation_id(task),
                 summary=_("Task {code}: {department} takes part").format(
                     code=task.code, department=participant.department),
                 data={"department": department_id, "items": sorted(item_ids),
                       "officers": officers, "experts": experts, "created": created})
    return participant


@transaction.atomic
def task_departments_from_entry(*, actor: Any, task: InspectionTask, entry: PlanEntry) -> None:
    """The plan entry's items go to the department whose list they are on ("1+X"): the
    initiating department's own, and each participating department's for it."""
    items = list(entry.items.select_related("department"))
    org = task_organisation_id(task)

    def organisation(department: Any) -> int:
        return department.root_id or department.pk  # type: ignore[no-any-return]

    task_set_department(actor=actor, task=task, department_id=task.initiating_id,
                        item_ids=[i.pk for i in items if organisation(i.department) == org])
    for department in entry.participants.exclude(root_id=org).exclude(pk=org):
        task_set_department(actor=actor, task=task, department_id=department.pk,
                            item_ids=[i.pk for i in items
                                      if organisation(i.department) == organisation(department)])


@transaction.atomic
def task_remove_department(*, actor: Any, task: InspectionTask, department_id: int) -> None:
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
def task_set_strata(*, actor: Any, task: InspectionTask,
                    rules: dict[str, dict[str, Any]]) -> list[TaskStratum]:
    """Replace the stratum rules: {"A": {"ratio": "10"}, "D": {"count": 5}, …}."""
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


def _advance(*, actor: Any, task: InspectionTask, to: str,
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
def task_start(*, actor: Any, task: InspectionTask) -> InspectionTask:
    return _advance(actor=actor, task=task, to=TaskState.IN_PROGRESS,
                    allowed_from={TaskState.DRAWN})


@transaction.atomic
def task_finish(*, actor: Any, task: InspectionTask) -> InspectionTask:
    return _advance(actor=actor, task=task, to=TaskState.FINISHED,
                    allowed_from={TaskState.DRAWN, TaskState.IN_PROGRESS})


@transaction.atomic
def task_close(*, actor: Any, task: InspectionTask) -> InspectionTask:
    return _advance(actor=actor, task=task, to=TaskState.CLOSED,
                    allowed_from={TaskState.FINISHED})


# -- Annual plans --------------------------------------------------------------------------------

@transaction.atomic
def plan_create(*, actor: Any, organisation_id: int, year: int, title: str,
                leading_section_id: int | None = None) -> AnnualPlan:
    plan = AnnualPlan(organisation_id=organisation_id, year=year, title=title,
                      leading_section_id=leading_section_id,
                      filed_by=actor if getattr(actor, "pk", None) else None)
    plan.full_clean()
    plan.save()
    audit_record(actor=actor, action="plan.create", obj=plan, organisation_id=organisation_id,
                 summary=_("Plan {title} created").format(title=title), data={"year": year})
    return plan


@transaction.atomic
def plan_propose(*, actor: Any, plan: AnnualPlan, section_id: int, text: str,
                 item_ids: list[int]) -> PlanProposal:
    """A section's proposal; the office merges it into entries with plan_merge_proposal."""
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("The plan is no longer open for proposals."))
    proposal = PlanProposal.objects.create(plan=plan, section_id=section_id, text=text,
                                           submitted_by=actor if getattr(actor, "pk", None)
                                           else None)
    proposal.items.set(item_ids)
    audit_record(actor=actor, action="plan.propose", obj=plan,
                 organisation_id=plan.organisation.root_id,
                 summary=_("Proposal for {title}").format(title=plan.title),
                 data={"proposal": proposal.pk, "items": sorted(item_ids)})
    return proposal


@transaction.atomic
def plan_add_entry(*, actor: Any, plan: AnnualPlan, data: dict[str, Any], item_ids: list[int],
                   participant_ids: list[int], proposal: PlanProposal | None = None) -> PlanEntry:
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("An approved plan cannot be changed."))
    entry = PlanEntry(plan=plan, proposal=proposal)
    apply(entry, data)
    if entry.ratio:
        _check_ratio(entry.ratio, "ratio")
    entry.full_clean()
    entry.save()
    entry.items.set(item_ids)
    entry.participants.set(participant_ids)
    if proposal is not None:
        proposal.status = "merged"
        proposal.save(update_fields=["status"])
    audit_record(actor=actor, action="plan.entry", obj=plan,
                 organisation_id=plan.organisation.root_id,
                 summary=_("Plan {title}: entry {name} added").format(
                     title=plan.title, name=entry.name),
                 data={"entry": entry.pk, "items": sorted(item_ids),
                       "participants": sorted(participant_ids)})
    return entry


@transaction.atomic
def plan_set_status(*, actor: Any, plan: AnnualPlan, status: str) -> AnnualPlan:
    """draft → approved → published, never back."""
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
                 organisation_id=plan.organisation.root_id,
                 summary=_("Plan {title}: {status}").format(title=plan.title,
                                                            status=plan.get_status_display()),
                 data={"status": status})
    return plan
