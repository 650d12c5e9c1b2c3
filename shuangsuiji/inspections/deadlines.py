"""Deadlines of results and follow-ups, with their traffic lights, and the overdue lists.

- entering a task's results: 20 working days after the task's period ends (在本次抽查任务完成后
  20个工作日内…录入);
- publishing a result: 20 working days after the inspection (the result exists that day);
- a follow-up: its own due date.

Counting is the working-day calendar's (workdays.deadlines); a page builds the calendar once
and passes it on. The lists are scoped like the result pages: the initiating organisation sees
its tasks, a cooperating organisation its own department's results, inspectors their own.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.scoping import Domain, scope_for
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.rules.workdays import Light, WorkdayCalendar
from shuangsuiji.workdays import deadlines as workdays
from shuangsuiji.workdays.selectors import calendar

from .choices import FollowUpState, ReviewState
from .models import FollowUp, Inspection

ENTRY_WORKDAYS = 20
PUBLICATION_WORKDAYS = 20
# Pending results listed under one task and department of the overdue list; the rest counted.
LISTED_PER_ROW = 20

BADGES = {Light.GREEN: "ok", Light.YELLOW: "warn", Light.RED: "bad"}


@dataclass(frozen=True)
class Deadline:
    due: date
    days_left: int  # working days from today: 0 on the day, negative once passed
    light: Light
    provisional: bool  # the count rests on a year whose official schedule is not known
    overdue: bool

    @property
    def badge(self) -> str:
        """The site.css badge class of the light."""
        return BADGES[self.light]

    @property
    def days_late(self) -> int:
        return max(0, -self.days_left)

    @property
    def attention(self) -> bool:
        """Near or past: what the overdue list shows."""
        return self.light != Light.GREEN


def deadline_on(due: date, *, today: date, cal: WorkdayCalendar,
                provisional: bool = False) -> Deadline:
    left = workdays.days_left(due, today, cal=cal)
    return Deadline(due=due, days_left=left.days,
                    light=Light(workdays.traffic_light(due, today, cal=cal)),
                    provisional=provisional or left.provisional, overdue=today > due)


def _after(start: date, n: int, *, today: date, cal: WorkdayCalendar) -> Deadline:
    due = workdays.deadline_after(start, n, cal=cal)
    return deadline_on(due.date, today=today, cal=cal, provisional=due.provisional)


def entry_deadline(task: InspectionTask, *, today: date,
                   cal: WorkdayCalendar | None = None) -> Deadline:
    """Results of the task are due 20 working days after its inspection period ends."""
    return _after(task.period_end, ENTRY_WORKDAYS, today=today, cal=cal or calendar())


def publication_deadline(inspection: Inspection, *, today: date,
                         cal: WorkdayCalendar | None = None) -> Deadline | None:
    """A result is published within 20 working days of the inspection; None without a date."""
    if inspection.inspected_on is None:
        return None
    return _after(inspection.inspected_on, PUBLICATION_WORKDAYS, today=today,
                  cal=cal or calendar())


def follow_up_deadline(follow_up: FollowUp, *, today: date,
                       cal: WorkdayCalendar | None = None) -> Deadline:
    return deadline_on(follow_up.due_on, today=today, cal=cal or calendar())


# -- Scoping -------------------------------------------------------------------------------------

def visible_results(user: Any) -> QuerySet[Inspection]:
    """Results on the user's lists: the initiating organisation's tasks, the user's own
    organisation's results in anyone's task; an inspector's or expert's own group's results."""
    scope = scope_for(user, Domain.INSPECTIONS)
    results = Inspection.objects.all()
    if scope.everything:
        return results
    if scope.nothing:
        return results.none()
    if user.role in {Role.INSPECTOR, Role.EXPERT}:
        # One filter() call: the assignment must be in force and of the result's department.
        # As a subquery, so counts over the result are not multiplied by the join.
        own = Inspection.objects.filter(
            visit__drawn_target__assignments__inspector__user=user,
            visit__drawn_target__assignments__released_at__isnull=True,
            visit__drawn_target__assignments__department=F("department")).values("pk")
        return results.filter(pk__in=own)
    orgs = scope.organisation_ids
    return results.filter(Q(visit__task__initiating__root_id__in=orgs)
                          | Q(department__root_id__in=orgs))


def visible_follow_ups(user: Any) -> QuerySet[FollowUp]:
    """Follow-ups of the visible results, and any the user owns."""
    return FollowUp.objects.filter(Q(inspection__in=visible_results(user).values("pk"))
                                   | Q(owner=user))


def _in_force(results: QuerySet[Inspection]) -> QuerySet[Inspection]:
    # A replaced target's visit is no longer inspected: its sheet is not late.
    return results.filter(visit__drawn_target__replaced_at__isnull=True)


def unpublished(results: QuerySet[Inspection]) -> QuerySet[Inspection]:
    """Approved results not published now (never, or withdrawn since), and not withheld as a
    whole by an approved redaction (publication.Redaction)."""
    return results.filter(state=ReviewState.APPROVED).filter(
        Q(publication__isnull=True) | Q(publication__withdrawn_at__isnull=False)).exclude(
        pk__in=Inspection.objects.filter(redactions__whole=True,
                                         redactions__revoked_at__isnull=True).values("pk"))


# -- The overdue lists ---------------------------------------------------------------------------

@dataclass
class EntryRow:
    """Results of one department in one task not yet approved, against the entry deadline."""

    task: InspectionTask
    department: Any
    deadline: Deadline
    unsubmitted: int  # entered or returned
    awaiting_review: int  # submitted
    results: list[Inspection] = field(default_factory=list)

    @property
    def pending(self) -> int:
        return self.unsubmitted + self.awaiting_review

    @property
    def more(self) -> int:
        return self.pending - len(self.results)


@dataclass
class ResultRow:
    inspection: Inspection
    deadline: Deadline


@dataclass
class FollowUpRow:
    follow_up: FollowUp
    deadline: Deadline


def late_entries(*, user: Any, today: date, cal: WorkdayCalendar) -> list[EntryRow]:
    """Per task and department: results not yet approved whose entry deadline is near or past."""
    pending = _in_force(visible_results(user)).exclude(state=ReviewState.APPROVED)
    groups = (pending.order_by().values("visit__task_id", "department_id")
              .annotate(unsubmitted=Count("pk", filter=Q(state__in=[ReviewState.ENTERED,
                                                                   ReviewState.RETURNED])),
                        submitted=Count("pk", filter=Q(state=ReviewState.SUBMITTED))))
    groups = list(groups)
    tasks = InspectionTask.objects.select_related("initiating").in_bulk(
        {g["visit__task_id"] for g in groups})
    rows: dict[tuple[int, int], EntryRow] = {}
    by_end: dict[date, Deadline] = {}
    for g in groups:
        task = tasks[g["visit__task_id"]]
        if task.period_end not in by_end:
            by_end[task.period_end] = entry_deadline(task, today=today, cal=cal)
        deadline = by_end[task.period_end]
        if deadline.attention:
            rows[(task.pk, g["department_id"])] = EntryRow(task, None, deadline,
                                                           g["unsubmitted"], g["submitted"])
    if not rows:
        return []
    flagged = Q()
    for task_id, department_id in rows:
        flagged |= Q(visit__task_id=task_id, department_id=department_id)
    listed = (pending.filter(flagged)
              .select_related("department", "visit__drawn_target__target")
              .order_by("visit__task_id", "department_id", "visit__drawn_target__ticket", "pk"))
    for inspection in listed:
        row = rows[(inspection.visit.task_id, inspection.department_id)]
        row.department = inspection.department
        if len(row.results) < LISTED_PER_ROW:
            row.results.append(inspection)
    return sorted(rows.values(), key=lambda r: (r.deadline.days_left, r.task.code,
                                                r.department.code))


def late_publications(*, user: Any, today: date, cal: WorkdayCalendar) -> list[ResultRow]:
    """Approved, unpublished results whose publication deadline is near or past."""
    results = unpublished(visible_results(user)).filter(inspected_on__isnull=False)
    # Few distinct inspection days: compute each day's deadline once, then fetch those rows.
    by_day: dict[date, Deadline] = {}
    for day in results.order_by().values_list("inspected_on", flat=True).distinct():
        deadline = _after(day, PUBLICATION_WORKDAYS, today=today, cal=cal)
        if deadline.attention:
            by_day[day] = deadline
    if not by_day:
        return []
    rows = (results.filter(inspected_on__in=list(by_day))
            .select_related("department", "visit__task", "visit__drawn_target__target")
            .order_by("inspected_on", "visit__task__code", "pk"))
    return [ResultRow(r, by_day[r.inspected_on]) for r in rows]


def late_follow_ups(*, user: Any, today: date, cal: WorkdayCalendar) -> list[FollowUpRow]:
    """Open follow-ups past their due date."""
    rows = (visible_follow_ups(user).filter(state=FollowUpState.OPEN, due_on__lt=today)
            .select_related("owner", "inspection__department", "inspection__visit__task",
                            "inspection__visit__drawn_target__target")
            .order_by("due_on", "pk"))
    return [FollowUpRow(f, follow_up_deadline(f, today=today, cal=cal)) for f in rows]


def overdue_lists(*, user: Any, today: date) -> dict[str, Any]:
    cal = calendar()
    return {"entries": late_entries(user=user, today=today, cal=cal),
            "publications": late_publications(user=user, today=today, cal=cal),
            "follow_ups": late_follow_ups(user=user, today=today, cal=cal)}


def with_deadlines(follow_ups: Any, *, today: date) -> list[FollowUpRow]:
    """Each follow-up of a page with its deadline (the calendar read once)."""
    cal = calendar()
    return [FollowUpRow(f, follow_up_deadline(f, today=today, cal=cal)) for f in follow_ups]

