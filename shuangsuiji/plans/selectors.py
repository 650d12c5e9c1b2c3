"""Reads of yearly plans and tasks for pages: scoped lists, one object, the task sheet."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.scoping import (
    Action,
    Domain,
    get_for_user,
    is_admin,
    organisation_id,
    scope_for,
)
from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.draws.pool import UNCLASSIFIED, exclusion_counts, pool_sizes, rules_of
from shuangsuiji.entities.choices import RiskClass
from shuangsuiji.rules.draw.pools import UNSTRATIFIED
from shuangsuiji.rules.draw.sizes import StratumRule, sample_size

from .choices import PlanStatus, ProposalStatus, Stratification, TaskState
from .models import AnnualPlan, InspectionTask, PlanEntry, PlanProposal, TaskDepartment

# CSS badge class per task state: drafts plain, frozen waiting, drawn and running good.
STATE_BADGES = {TaskState.DRAFT: "", TaskState.FROZEN: "warn", TaskState.DRAWN: "ok",
                TaskState.IN_PROGRESS: "ok", TaskState.FINISHED: "", TaskState.CLOSED: ""}


def is_office(user: Any) -> bool:
    """The organising office (法宣科) merges, approves and publishes plans and runs draws."""
    return is_admin(user) or getattr(user, "role", None) == Role.OFFICE


def task_organisation_id(task: InspectionTask) -> int:
    """The organisation a task belongs to: its initiating department's."""
    return organisation_id(task.initiating)


def sees_internal(*, user: Any, task: InspectionTask) -> bool:
    """Staff of the initiating organisation (and administrators): risk classes, full records.

    The same rule as the target directory: whoever may read the organisation's directory
    (with its internal credit-risk classes) may read the task's internal data.
    """
    scope = scope_for(user, Domain.TARGETS)
    if scope.everything or task_organisation_id(task) in scope.organisation_ids:
        return True
    # Auditors (protocol §9) check the full record of the organisations they audit; an
    # evaluator of the tasks of the periods it is granted.
    if getattr(user, "role", None) == Role.EVALUATOR:
        return InspectionTask.objects.for_user(user).filter(pk=task.pk).exists()
    return (getattr(user, "role", None) == Role.AUDITOR
            and task_organisation_id(task) in scope_for(user, Domain.DRAWS).organisation_ids)


# -- Plans ---------------------------------------------------------------------------------------

def plan_list(*, user: Any) -> QuerySet[AnnualPlan]:
    return AnnualPlan.objects.for_user(user).select_related("organisation", "leading_section")


def plan_get(*, user: Any, pk: int, action: Action = Action.VIEW) -> AnnualPlan:
    return get_for_user(AnnualPlan.objects.select_related("organisation", "leading_section",
                                                          "approved_by"), user, action, pk=pk)


def plan_detail_data(*, plan: AnnualPlan) -> dict[str, Any]:
    """The plan's entries (with items, participants, tasks) and the sections' proposals."""
    items = InspectionItem.objects.select_related("department").order_by("code")
    entries = (PlanEntry.objects.filter(plan=plan)
               .prefetch_related(Prefetch("items", queryset=items), "participants", "tasks")
               .select_related("proposal__section"))
    proposals = (PlanProposal.objects.filter(plan=plan)
                 .select_related("section", "submitted_by")
                 .prefetch_related(Prefetch("items", queryset=items)))
    return {"entries": list(entries), "proposals": list(proposals)}


def proposal_get(*, plan: AnnualPlan, pk: int) -> PlanProposal:
    return plan.proposals.select_related("section").prefetch_related("items").get(pk=pk)


# -- Tasks ---------------------------------------------------------------------------------------

def task_list(*, user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[InspectionTask]:
    """Tasks the user may see: their organisation's, the joint ones they take part in, or
    (inspectors) the ones they are assigned to."""
    filters = filters or {}
    participants = TaskDepartment.objects.select_related("department").order_by("order", "id")
    tasks = (InspectionTask.objects.for_user(user).select_related("initiating")
             .prefetch_related(Prefetch("participants", queryset=participants)))
    if filters.get("state"):
        tasks = tasks.filter(state=filters["state"])
    if filters.get("year"):
        tasks = tasks.filter(period_start__year=filters["year"])
    text = (filters.get("q") or "").strip()
    if text:
        tasks = tasks.filter(Q(code__icontains=text) | Q(name__icontains=text))
    return tasks.order_by("-period_start", "code")


def task_initial(*, entry: PlanEntry) -> dict[str, Any]:
    """A new task's sheet as a plan entry fills it in (the page's form offers these values;
    services.task_create_from_entry adds the entry's departments)."""
    return {"name": entry.name, "plan_entry": entry, "period_start": entry.starts_on,
            "period_end": entry.ends_on, "ratio": entry.ratio or "15"}


def task_get(*, user: Any, pk: int, action: Action = Action.VIEW) -> InspectionTask:
    """One task: 404 if the user may not see it, 403 if they may see but not change it."""
    return get_for_user(InspectionTask.objects.select_related("initiating", "plan_entry__plan"),
                        user, action, pk=pk)


@dataclass(frozen=True)
class PoolRow:
    """One stratum of the pool: its size (抽取基数), its rule and the resulting sample size."""

    label: str
    name: str
    n: int
    rule: str
    k: int


def stratum_name(label: str) -> str:
    if label == UNSTRATIFIED:
        return _("All candidates (not stratified)")
    if label == UNCLASSIFIED:
        return _("Not yet classified")
    return str(dict(RiskClass.choices).get(label, label))


def rule_text(rule: StratumRule) -> str:
    if rule.count is not None:
        return _("{count} (fixed count)").format(count=rule.count)
    return f"{rule.ratio}%"


def pool_rows(sizes: Mapping[str, int], rules: Mapping[str, StratumRule]) -> list[PoolRow]:
    """Sizes and rules only: k follows from them by arithmetic, no outcome is computed."""
    return [PoolRow(label, stratum_name(label), sizes.get(label, 0), rule_text(rules[label]),
                    sample_size(sizes.get(label, 0), rules[label]))
            for label in sorted(set(sizes) | set(rules)) if label in rules]


def task_pool(*, task: InspectionTask, today: date) -> list[PoolRow]:
    """The pool as it stands (a draft: counted now) or as frozen (afterwards)."""
    if task.state == TaskState.DRAFT:
        sizes = pool_sizes(task, today)
        return pool_rows(sizes, rules_of(task, sizes))
    freeze = task.freeze
    return pool_rows(freeze.pool_strata,
                     {label: StratumRule.from_json(r) for label, r in freeze.rules.items()})


def task_participants(*, task: InspectionTask) -> list[TaskDepartment]:
    items = InspectionItem.objects.select_related("department").order_by("code")
    return list(task.participants.select_related("department")
                .prefetch_related(Prefetch("items", queryset=items)).order_by("order", "id"))


def task_sheet(*, user: Any, task: InspectionTask, today: date) -> dict[str, Any]:
    """Everything the task page shows of the sheet (抽查任务单), the pool and its rules."""
    participants = task_participants(task=task)
    covered = {item.pk: item for p in participants for item in p.items.all()}
    internal = sees_internal(user=user, task=task)
    rows = task_pool(task=task, today=today)
    hide_strata = task.stratification == Stratification.RISK and not internal
    return {
        "participants": participants,
        "initiating_participant": next((p for p in participants
                                        if p.department_id == task.initiating_id), None),
        "cooperating": [p for p in participants if p.department_id != task.initiating_id],
        "covered_items": sorted(covered.values(), key=lambda i: i.code),
        "strata": list(task.strata.all()),
        "pool_rows": [] if hide_strata else rows,
        "pool_total": sum(r.n for r in rows),
        # What the look-back and the yearly cap leave out now (a draft: counted now).
        "exclusions": exclusion_counts(task, today) if task.state == TaskState.DRAFT else {},
        "sample_total": sum(r.k for r in rows),
        "internal": internal,
    }


@dataclass(frozen=True)
class Waiting:
    """Something waiting for the user on the home page: what to do, on what, by when."""

    what: str
    subject: str
    url_name: str
    pk: int
    due: date | None


def waiting(*, user: Any) -> list[Waiting]:
    """The office's next steps, soonest first: tasks to freeze (by the start of their period),
    frozen tasks whose draw is due (at the announced time), plans to approve or publish, and
    sections' proposals to merge. Only what this user may change."""
    found: list[Waiting] = []
    tasks = (InspectionTask.objects.for_user(user, Action.CHANGE)
             .filter(state__in=[TaskState.DRAFT, TaskState.FROZEN])
             .select_related("freeze").order_by("code"))
    for task in tasks:
        if task.state == TaskState.DRAFT:
            found.append(Waiting(_("Freeze the pools"), f"{task.code} {task.name}",
                                 "plans:task_detail", task.pk, task.period_start))
        else:
            found.append(Waiting(_("Hold the draw"), f"{task.code} {task.name}",
                                 "plans:task_detail", task.pk,
                                 timezone.localtime(task.freeze.planned_draw_at).date()))
    steps = {PlanStatus.DRAFT: _("Approve the plan"), PlanStatus.APPROVED: _("Publish the plan")}
    for plan in (AnnualPlan.objects.for_user(user, Action.CHANGE)
                 .filter(status__in=list(steps)).order_by("year")):
        if is_office(user):
            found.append(Waiting(steps[PlanStatus(plan.status)], plan.title, "plans:detail",
                                 plan.pk, None))
            for proposal in plan.proposals.filter(status=ProposalStatus.SUBMITTED):
                found.append(Waiting(_("Merge a section's proposal"),
                                     f"{plan.title} · {proposal.section}", "plans:detail",
                                     plan.pk, None))
    return sorted(found, key=lambda w: (w.due is None, w.due or date.min, w.subject))
