"""Reading credit files: what a user (or a partner system) may see of an entity's record."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from shuangsuiji.accounts.scoping import Action, Domain, scope_for
from shuangsuiji.entities.models import Target
from shuangsuiji.entities.selectors import target_list
from shuangsuiji.inspections.choices import FollowUpKind, ResultCategory, ReviewState
from shuangsuiji.inspections.permissions import viewable_results
from shuangsuiji.inspections.selectors import (
    follow_ups_of,
    inspection_days,
    results_on_targets,
)

from .models import BlacklistEntry, Complaint, RiskClassChange


def targets_for(user: Any) -> QuerySet[Target]:
    """Entities whose credit file the user may read: their organisation's directory."""
    if scope_for(user, Domain.CREDIT, Action.VIEW).nothing:
        return Target.objects.none()
    return target_list(user=user)


def search(user: Any, q: str) -> QuerySet[Target]:
    q = (q or "").strip()
    qs = targets_for(user).select_related("department")
    if not q:
        return qs.none()
    return qs.filter(Q(name__icontains=q) | Q(uscc__startswith=q.upper())).order_by("name")


def visible_results(user: Any, target_ids: list[int]) -> QuerySet[Any]:
    """Results on the entities that the user may read (inspections.permissions: the task's
    initiating organisation sees all of its tasks' results, a department its own)."""
    return results_on_targets(target_ids).filter(pk__in=viewable_results(user).values("pk"))


def approved_results(target_ids: list[int]) -> QuerySet[Any]:
    return results_on_targets(target_ids).filter(state=ReviewState.APPROVED)


def follow_ups(results: QuerySet[Any]) -> QuerySet[Any]:
    return follow_ups_of(results)


def penalties(results: QuerySet[Any]) -> QuerySet[Any]:
    return (follow_ups(results).filter(kind=FollowUpKind.PENALTY, decision_date__isnull=False)
            .exclude(decision_number="").order_by("-decision_date", "-pk"))


@dataclass
class RecentInspection:
    day: date
    task_code: str
    days_ago: int


def inspected_recently(target: Target, days: int = 180,
                       today: date | None = None) -> list[RecentInspection]:
    """Inspections of the entity within `days` (国办发〔2024〕54号: no repeated inspections of
    the same entity in a short time): a warning, never a block."""
    today = today or timezone.localdate()
    since = today - timedelta(days=days)
    seen: dict[tuple[int, date], RecentInspection] = {}
    for task_id, code, day in inspection_days(target=target, since=since, until=today):
        seen.setdefault((task_id, day), RecentInspection(day, code, (today - day).days))
    return list(seen.values())


@dataclass
class CreditFile:
    target: Target
    results: list[Any]
    follow_ups: list[Any]
    penalties: list[Any]
    conduct: list[Any]
    complaints: list[Complaint]
    blacklist: list[BlacklistEntry]
    risk_history: list[RiskClassChange] | None  # None: not for this reader
    recent: list[RecentInspection]

    @property
    def on_blacklist(self) -> bool:
        return any(e.in_force for e in self.blacklist)


def credit_file(user: Any, target: Target, recent_days: int = 180) -> CreditFile:
    """The whole file for staff who may read the entity (see views: targets_for)."""
    results = visible_results(user, [target.pk])
    rows = list(results)
    for row in rows:
        row.category_labels = [ResultCategory(c).label for c in row.categories
                               if c in ResultCategory.values]
    today = timezone.localdate()
    blacklist = list(BlacklistEntry.objects.filter(target=target)
                     .select_related("source_follow_up", "created_by"))
    for entry in blacklist:
        entry.in_force = (entry.removed_on is None and entry.listed_on <= today
                          and (entry.until is None or entry.until >= today))
    return CreditFile(
        target=target,
        results=rows,
        follow_ups=list(follow_ups(results)),
        penalties=list(penalties(results)),
        conduct=[r for r in rows if r.conduct],
        complaints=list(Complaint.objects.filter(target=target)),
        blacklist=blacklist,
        risk_history=list(RiskClassChange.objects.filter(target=target)
                          .select_related("rule", "by")),
        recent=inspected_recently(target, recent_days),
    )
