"""Reads for the inspection pages: my visits, a task's progress, a visit with its groups."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.scoping import (
    Domain,
    can,
    is_admin,
    organisation_id,
    user_organisation_id,
)
from shuangsuiji.draws import selectors as draw_selectors
from shuangsuiji.entities.models import Contact, Target
from shuangsuiji.entities.selectors import same_entity, view_of
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.plans.selectors import Waiting
from shuangsuiji.workdays.selectors import calendar

from . import deadlines, permissions
from .choices import FollowUpState, ReviewState
from .models import Claim, FollowUp, Inspection, Visit


def visit_get(*, user: Any, pk: int) -> Visit:
    visit = (Visit.objects.for_user(user)
             .select_related("task__initiating", "drawn_target__target", "agreed_by")
             .filter(pk=pk).first())
    if visit is None:
        raise Http404
    return visit


def result_get(*, user: Any, pk: int) -> Inspection:
    inspection = (Inspection.objects.select_related(
        "visit__task__initiating", "visit__drawn_target__target", "department", "entered_by",
        "reviewed_by").filter(pk=pk, visit__in=Visit.objects.for_user(user)).first())
    if inspection is None or not permissions.can_view_result(user, inspection):
        raise Http404
    return inspection


@dataclass
class VisitView:
    visit: Visit
    groups: list[Any] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    results: list[Inspection] = field(default_factory=list)


def visit_view(*, user: Any, visit: Visit) -> VisitView:
    """The visit with every group in force (names, certificate numbers) and the results this
    user may see, initiating department first."""
    task = visit.task
    drawn = visit.drawn_target
    # A non-random inspection has no draw: its group is as on the inspection date.
    day = timezone.localdate(drawn.draw.drawn_at) if drawn.draw else task.period_start
    groups = draw_selectors._groups(task, [drawn], day).get(drawn.pk, [])
    order = {p.department_id: p.order for p in task.participants.all()}
    results = sorted((r for r in visit.inspections.select_related("department")
                      if permissions.can_view_result(user, r)),
                     key=lambda r: order.get(r.department_id, 99))
    return VisitView(visit, groups, visit_contacts(user=user, target=drawn.target), results)


def visit_contacts(*, user: Any, target: Target) -> list[Contact]:
    """The entity's contacts as the user's organisation keeps them: personal data stays in
    the directory that recorded it, so a joint visit shows each organisation its own row's
    contacts (none when it does not know the entity); administrators see the drawn row's."""
    if is_admin(user):
        return list(target.contacts.order_by("id"))
    view = view_of(target=target, organisation_id=user_organisation_id(user))
    return list(view.contacts.order_by("id")) if view is not None else []


def my_claims(user: Any) -> set[int]:
    return set(Claim.objects.filter(inspector__user=user).values_list("task_id", flat=True))


def my_visits(user: Any) -> dict[int, Visit]:
    """Drawn target id → its visit, for the targets the user is assigned to."""
    mine = draw_selectors.assignments_in_force(user=user)
    return {v.drawn_target_id: v for v in Visit.objects.filter(
        drawn_target_id__in=mine.values("drawn_target_id")).prefetch_related(
        "inspections__department", "inspections__publication")}


def task_visits(task: InspectionTask, *, user: Any = None) -> QuerySet[Visit]:
    """In draw order, or, for those who may not see credit-risk classes, in the order of the
    codes (the draw order, stratum by stratum, tells the classes apart)."""
    order = (("drawn_target__ident",) if user is not None
             and draw_selectors.hides_positions(user=user, task=task)
             else ("drawn_target__stratum", "drawn_target__position"))
    return (Visit.objects.filter(task=task, drawn_target__replaced_at__isnull=True)
            .select_related("drawn_target__target")
            .prefetch_related("inspections__department", "inspections__publication")
            .order_by(*order, "pk"))


def task_counts(task: InspectionTask) -> dict[str, int]:
    """Results of the task by review state (targets in force only)."""
    qs = Inspection.objects.filter(visit__task=task,
                                   visit__drawn_target__replaced_at__isnull=True)
    # "entered" counts results someone has saved; untouched sheets are "not_entered".
    return qs.aggregate(
        total=Count("pk"), not_entered=Count("pk", filter=Q(entered_at__isnull=True)),
        entered=Count("pk", filter=Q(state=ReviewState.ENTERED, entered_at__isnull=False)),
        **{state: Count("pk", filter=Q(state=state)) for state in ReviewState.values
           if state != ReviewState.ENTERED})


def on_views(targets: Iterable[Target], prefix: str = "") -> Q:
    """Results (through `prefix`) that belong to these organisations' rows: a department's
    result on the entity a row stands for (the same code, whichever organisation's row was
    drawn), of a department of the row's organisation. Another organisation's result on the
    same entity is in that organisation's view, not this one's. Q(pk=None) for no rows."""
    match = Q(pk__in=[])
    for target in targets:
        match |= (same_entity(target, f"{prefix}visit__drawn_target__target__")
                  & Q(**{f"{prefix}department__root_id": organisation_id(target.department)}))
    return match


def results_on_targets(target_ids: Iterable[int]) -> QuerySet[Inspection]:
    """Every result in these rows' views (on_views), unscoped, latest inspection first
    (callers scope them)."""
    targets = Target.objects.filter(pk__in=list(target_ids)).select_related("department")
    return (Inspection.objects.filter(on_views(targets))
            .select_related("visit__task__initiating", "department", "visit__drawn_target")
            .order_by(F("inspected_on").desc(nulls_last=True), "-pk"))


def result_view(inspection: Inspection) -> Target | None:
    """The inspecting organisation's own row of the visited entity: where its result
    belongs (its credit file, its risk loop); None when it does not know the entity."""
    return view_of(target=inspection.visit.drawn_target.target,
                   organisation_id=organisation_id(inspection.department))


def follow_ups_of(results: QuerySet[Inspection]) -> QuerySet[FollowUp]:
    """The follow-ups of these results, newest first."""
    return (FollowUp.objects.filter(inspection__in=results)
            .select_related("inspection__department", "inspection__visit__task", "owner")
            .order_by("-created_at", "-pk"))


def inspection_days(*, target: Target, since: date, until: date) -> QuerySet[Any]:
    """(task id, task code, day) of each inspection of the entity in [since, until], by any
    organisation and whichever organisation's row was drawn, latest first."""
    return (Inspection.objects.filter(same_entity(target, "visit__drawn_target__target__"),
                                      inspected_on__gte=since, inspected_on__lte=until)
            .values_list("visit__task_id", "visit__task__code", "inspected_on")
            .order_by("-inspected_on"))


def review_queue(user: Any) -> QuerySet[Inspection]:
    """Submitted results this user may approve or return, oldest first.

    The queryset form of permissions.can_review: a province's queue holds thousands of
    results, so it is filtered, counted and paged in the database, never row by row."""
    return (permissions.reviewable_results(user)
            .filter(state=ReviewState.SUBMITTED, visit__in=Visit.objects.for_user(user))
            .select_related("visit__task", "visit__drawn_target__target", "department")
            .order_by("submitted_at", "pk"))


def results_due(*, user: Any, today: date) -> list[Waiting]:
    """The home page's next steps of results: those near or past their entry deadline (20
    working days after the task's period, deadlines.late_entries, on the user's lists).

    An inspector or expert gets each of their own results still to enter or correct; anyone
    else a line per task and department, with how many results are not yet approved."""
    if not can(user, Domain.INSPECTIONS):
        return []
    own = getattr(user, "role", None) in {Role.INSPECTOR, Role.EXPERT}
    steps = []
    for row in deadlines.late_entries(user=user, today=today, cal=calendar()):
        task = row.task
        if not own:
            pending = _("{n} not approved").format(n=row.pending)
            steps.append(Waiting(_("Results due"),
                                 f"{task.code} {task.name} · {row.department} · {pending}",
                                 "inspections:task", task.pk, row.deadline.due))
            continue
        steps.extend(Waiting(_("Enter the result"),
                             f"{task.code} · {r.visit.drawn_target.target.name}",
                             "inspections:result", r.pk, row.deadline.due)
                     for r in row.results
                     if r.state in {ReviewState.ENTERED, ReviewState.RETURNED})
    return steps


def todo(user: Any, today: Any) -> dict[str, int]:
    """What waits for this user, for the home page: counts only, each a link to its list
    (the results to publish are counted by `publication.selectors.to_publish`)."""
    out: dict[str, int] = {}
    if getattr(user, "role", None) in {Role.INSPECTOR, Role.EXPERT}:
        mine = draw_selectors.assignments_in_force(user=user)
        out["my_targets"] = mine.values("drawn_target").distinct().count()
        out["to_enter"] = Inspection.objects.filter(
            visit__drawn_target__in=mine.values("drawn_target"),
            department_id__in=mine.values("department"),
            state__in=[ReviewState.ENTERED, ReviewState.RETURNED]).count()
    if can(user, Domain.INSPECTIONS):
        out["to_review"] = review_queue(user).count()
        out["follow_ups_late"] = deadlines.visible_follow_ups(user).filter(
            state=FollowUpState.OPEN, due_on__lt=today).count()
    return out
