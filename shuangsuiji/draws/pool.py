"""Who is in a task's pools: the candidate targets and the eligible inspectors (protocol §1)."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, Q, QuerySet, Value
from django.utils import timezone

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import organisation_id
from shuangsuiji.entities.choices import DRAWABLE_STATUSES
from shuangsuiji.entities.models import Target
from shuangsuiji.inspectors.models import Conflict, Inspector
from shuangsuiji.plans.choices import Stratification, TaskKind
from shuangsuiji.plans.models import CityPolicy, InspectionTask, TaskDepartment
from shuangsuiji.rules.draw.engine import Conflict as ConflictRule
from shuangsuiji.rules.draw.pools import EXPERT, OFFICER, UNSTRATIFIED, PoolInspector
from shuangsuiji.rules.draw.sizes import StratumRule

from .models import Assignment, DrawnTarget, Freeze, FrozenCandidate

# Targets without a credit-risk class form a stratum of their own when drawing by risk.
UNCLASSIFIED = "U"


def _any_prefix(field: str, prefixes: list[str]) -> Q:
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in prefixes))


def task_items(task: InspectionTask) -> set[int]:
    """Every item of the task, from every department ("1+X": one visit covers them all)."""
    return set(task.participants.values_list("items", flat=True)) - {None}


def _matching(task: InspectionTask) -> QuerySet[Target]:
    """The initiating organisation's drawable targets that pass the task's filters."""
    org = organisation_id(task.initiating)  # as plans.selectors.task_organisation_id
    qs = Target.objects.filter(department__root_id=org, reg_status__in=DRAWABLE_STATUSES)
    if task.filter_regions:
        qs = qs.filter(_any_prefix("region_code", task.filter_regions))
    if task.filter_industries:
        qs = qs.filter(_any_prefix("industry_code", task.filter_industries))
    if task.filter_entity_types:
        qs = qs.filter(entity_type__in=task.filter_entity_types)
    return qs


def since_day(since: date, prefix: str = "") -> Q:
    """A target of a task (through `prefix`) drawn on `since` or later, or, without a draw,
    inspected (a non-random task's date) on `since` or later."""
    return (Q(**{f"{prefix}draw__isnull": False, f"{prefix}draw__drawn_at__date__gte": since})
            | Q(**{f"{prefix}draw__isnull": True, f"{prefix}task__period_start__gte": since}))


def inspections_in_year(year: int) -> QuerySet[DrawnTarget]:
    """Every inspection of the year on the platform, random or not, by every organisation: a
    target in force of a task, dated by its draw or, without one, by the inspection date."""
    return DrawnTarget.objects.filter(
        Q(draw__isnull=False, draw__drawn_at__year=year)
        | Q(draw__isnull=True, task__period_start__year=year), replaced_at__isnull=True)


def _over_cap(task: InspectionTask, on: date, cap: int) -> QuerySet[Any]:
    """Ids of targets whose entity has been inspected `cap` times this year on the platform:
    the same 统一社会信用代码 in any organisation's directory; a target without one only
    itself (国办发〔2024〕54号)."""
    counted = inspections_in_year(on.year)
    if task.pk:
        counted = counted.exclude(task=task)
    codes = (counted.filter(target__uscc__isnull=False).values("target__uscc")
             .annotate(times=Count("task", distinct=True)).filter(times__gte=cap)
             .values("target__uscc"))
    loose = (counted.filter(target__uscc__isnull=True).values("target_id")
             .annotate(times=Count("task", distinct=True)).filter(times__gte=cap)
             .values("target_id"))
    # Read first: entities over the cap are few, and as lists PostgreSQL knows it. As nested
    # subqueries it guessed three quarters of a province's 10 million targets, could not
    # hash that for the pool's NOT IN, and compared every candidate with every target
    # (a freeze that never ended: benchmarks/load.py).
    return Target.objects.filter(
        Q(uscc__in=list(codes.values_list("target__uscc", flat=True)))
        | Q(pk__in=list(loose.values_list("target_id", flat=True)))).values("pk")


def yearly_cap(task: InspectionTask) -> int:
    """The cap a freeze applies: the city's now; a frozen task's, as it was applied."""
    if task.yearly_cap and not task.is_editable:
        return task.yearly_cap
    return CityPolicy.current().yearly_cap


def _excluded(task: InspectionTask, on: date) -> dict[str, QuerySet[Any]]:
    """Target ids each exclusion takes out: inspected for the same items within the look-back
    period by the organisation; inspected `yearly_cap` times this year by any organisation of
    the city, at random or not (国办发〔2024〕54号, CityPolicy)."""
    org = organisation_id(task.initiating)  # as plans.selectors.task_organisation_id
    earlier = DrawnTarget.objects.filter(task__initiating__root_id=org, replaced_at__isnull=True)
    if task.pk:
        earlier = earlier.exclude(task=task)
    out: dict[str, QuerySet[Any]] = {}
    items = task_items(task)
    if task.lookback_days and items:
        since = on - timedelta(days=task.lookback_days)
        out["lookback"] = earlier.filter(since_day(since),
                                         task__participants__items__in=items
                                         ).values("target_id")
    out["yearly_cap"] = _over_cap(task, on, yearly_cap(task))
    return out


def candidate_targets(task: InspectionTask, on: date) -> QuerySet[Target]:
    """The task's filters and exclusions applied to the initiating organisation's directory."""
    qs = _matching(task)
    for ids in _excluded(task, on).values():
        qs = qs.exclude(pk__in=ids)
    return qs


def exclusion_counts(task: InspectionTask, on: date) -> dict[str, int]:
    """How many matching targets each exclusion leaves out today (shown when planning: the
    frequency guard at work). A target left out by both counts in both."""
    matching = _matching(task)
    return {name: matching.filter(pk__in=ids).count()
            for name, ids in _excluded(task, on).items()}


@dataclass
class LeftOut:
    """A target the cap leaves out of a pool, and the inspections that count against it."""

    target: Target
    times: int
    departments: list[str]
    kinds: list[str]


def cap_left_out(task: InspectionTask, on: date, limit: int = 200) -> list[LeftOut]:
    """The matching targets the yearly cap leaves out, with how many inspections this year and
    by which organisations (for the office's freeze page; never public)."""
    left = list(_matching(task).filter(pk__in=_over_cap(task, on, yearly_cap(task)))
                .order_by("uscc", "pk")[:limit])
    if not left:
        return []
    codes = {t.uscc for t in left if t.uscc}
    loose = {t.pk for t in left if not t.uscc}
    rows = (inspections_in_year(on.year).exclude(task=task)
            .filter(Q(target__uscc__in=codes) | Q(target_id__in=loose))
            .values_list("target__uscc", "target_id", "task_id", "task__kind",
                         "task__initiating__root__name", "task__initiating__name",
                         "task__initiating__root_id"))
    seen: dict[str, dict[int, tuple[str, str]]] = {}
    for code, target_id, task_id, kind, root_name, name, root_id in rows:
        key = code or f"#{target_id}"
        seen.setdefault(key, {})[task_id] = (root_name if root_id else name, kind)
    out = []
    for target in left:
        tasks = seen.get(target.uscc or f"#{target.pk}", {})
        kinds = [str(TaskKind(k).label) for k in sorted({k for _n, k in tasks.values()})]
        out.append(LeftOut(target, len(tasks), sorted({n for n, _k in tasks.values()}), kinds))
    return out


def recent_inspections(target: Target, on: date, days: int) -> list[dict[str, Any]]:
    """Inspections of the same entity (by code, or the target itself) on the platform within
    `days` before `on` (or planned after it): when, by whom, of which kind."""
    since = on - timedelta(days=days)
    same = Q(target__uscc=target.uscc) if target.uscc else Q(target=target)
    rows = (DrawnTarget.objects.filter(same, since_day(since), replaced_at__isnull=True)
            .select_related("draw", "task__initiating__root").order_by("task_id"))
    out = []
    for drawn in rows:
        initiating = drawn.task.initiating
        day = (timezone.localdate(drawn.draw.drawn_at) if drawn.draw
               else drawn.task.period_start)
        out.append({"task_id": drawn.task_id, "on": day,
                    "organisation": (initiating.root or initiating).name,
                    "kind": drawn.task.kind, "kind_label": str(drawn.task.get_kind_display())})
    return sorted(out, key=lambda r: r["on"])


def stratum_of(task: InspectionTask, risk_class: str) -> str:
    if task.stratification == Stratification.RISK:
        return risk_class or UNCLASSIFIED
    return UNSTRATIFIED


def pool_sizes(task: InspectionTask, on: date) -> dict[str, int]:
    """抽取基数 per stratum, shown before freezing (sizes only: no outcome is previewed)."""
    if task.stratification != Stratification.RISK:
        return {UNSTRATIFIED: candidate_targets(task, on).count()}
    counts = candidate_targets(task, on).values("risk_class").annotate(n=Count("pk"))
    sizes: Counter[str] = Counter()
    for row in counts:
        sizes[stratum_of(task, row["risk_class"])] += row["n"]
    return dict(sorted(sizes.items()))


def rules_of(task: InspectionTask, sizes: dict[str, int]) -> dict[str, StratumRule]:
    """Each stratum's rule; strata without one of their own use the task's ratio."""
    rules = {label: StratumRule(ratio=task.ratio) for label in sizes}
    for stratum in task.strata.all():
        rules[stratum.label] = (StratumRule(count=stratum.count) if stratum.count is not None
                                else StratumRule(ratio=stratum.ratio))
    return rules


def department_subtree(department: Department) -> list[int]:
    ids, frontier = [department.pk], [department.pk]
    while frontier:
        frontier = list(Department.objects.filter(parent_id__in=frontier)
                        .values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def eligible_inspectors(participant: TaskDepartment, on: date) -> list[Inspector]:
    """In post, certified that day (officers), and allowed to inspect every item they'll check."""
    items = set(participant.items.values_list("pk", flat=True))
    inspectors = (Inspector.objects
                  .filter(department_id__in=department_subtree(participant.department))
                  .prefetch_related("certificates", "status_changes", "item_scope"))
    eligible = []
    for inspector in inspectors:
        scope = {item.pk for item in inspector.item_scope.all()}
        if scope and not items <= scope:
            continue
        if inspector.is_eligible_on(on):
            eligible.append(inspector)
    return eligible


def inspector_pool(task: InspectionTask, on: date) -> list[PoolInspector]:
    pool = []
    for participant in task.participants.select_related("department"):
        for inspector in eligible_inspectors(participant, on):
            role = OFFICER if inspector.role == "officer" else EXPERT
            pool.append(PoolInspector(inspector.code, participant.department.code, role))
    return pool


def conflicts_for(task: InspectionTask, inspector_codes: set[str], freeze: Freeze,
                  on: date) -> list[ConflictRule]:
    """Registered 回避 in force on the draw day, and inspections within the look-back period,
    between the pool's inspectors and its targets.

    Matched in the database: the pool can hold millions of targets, the conflicts are few.
    """
    pool = FrozenCandidate.objects.filter(freeze=freeze)
    registered = list(
        Conflict.objects.in_force_on(on).filter(inspector__code__in=inspector_codes,
                                                target__in=pool.values("target_id"))
        .values_list("inspector__code", "target_id", "relation"))
    if task.lookback_days:
        since = on - timedelta(days=task.lookback_days)
        registered += (
            Assignment.objects.filter(since_day(since, "drawn_target__"),
                                      inspector__code__in=inspector_codes,
                                      released_at__isnull=True,
                                      drawn_target__target__in=pool.values("target_id"))
            .exclude(task=task).annotate(reason=Value("lookback"))
            .values_list("inspector__code", "drawn_target__target_id", "reason"))
    ident_of = dict(pool.filter(target_id__in={target for _i, target, _r in registered})
                    .values_list("target_id", "ident"))
    return [ConflictRule(inspector, ident_of[target], reason)
            for inspector, target, reason in registered]
