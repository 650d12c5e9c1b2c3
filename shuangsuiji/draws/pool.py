"""Who is in a task's pools: the candidate targets and the eligible inspectors (protocol §1)."""

from collections import Counter
from datetime import date, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, Q, QuerySet, Value

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import organisation_id
from shuangsuiji.entities.choices import DRAWABLE_STATUSES
from shuangsuiji.entities.models import Target
from shuangsuiji.inspectors.models import Conflict, Inspector
from shuangsuiji.plans.choices import Stratification
from shuangsuiji.plans.models import InspectionTask, TaskDepartment
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


def _excluded(task: InspectionTask, on: date) -> dict[str, QuerySet[Any]]:
    """Target ids each exclusion takes out: inspected for the same items within the look-back
    period; drawn `yearly_cap` times this year by the organisation (国办发〔2024〕54号)."""
    org = organisation_id(task.initiating)  # as plans.selectors.task_organisation_id
    earlier = DrawnTarget.objects.filter(task__initiating__root_id=org, replaced_at__isnull=True)
    if task.pk:
        earlier = earlier.exclude(task=task)
    out: dict[str, QuerySet[Any]] = {}
    items = task_items(task)
    if task.lookback_days and items:
        since = on - timedelta(days=task.lookback_days)
        out["lookback"] = earlier.filter(draw__drawn_at__date__gte=since,
                                         task__participants__items__in=items
                                         ).values("target_id")
    if task.yearly_cap:
        out["yearly_cap"] = (earlier.filter(draw__drawn_at__year=on.year).values("target_id")
                             .annotate(times=Count("task", distinct=True))
                             .filter(times__gte=task.yearly_cap).values("target_id"))
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


def _subtree(department: Department) -> list[int]:
    ids, frontier = [department.pk], [department.pk]
    while frontier:
        frontier = list(Department.objects.filter(parent_id__in=frontier)
                        .values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def eligible_inspectors(participant: TaskDepartment, on: date) -> list[Inspector]:
    """In post, certified that day (officers), and allowed to inspect every item they'll check."""
    items = set(participant.items.values_list("pk", flat=True))
    inspectors = (Inspector.objects.filter(department_id__in=_subtree(participant.department))
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
            Assignment.objects.filter(inspector__code__in=inspector_codes,
                                      released_at__isnull=True,
                                      task__draw__drawn_at__date__gte=since,
                                      drawn_target__target__in=pool.values("target_id"))
            .exclude(task=task).annotate(reason=Value("lookback"))
            .values_list("inspector__code", "drawn_target__target_id", "reason"))
    ident_of = dict(pool.filter(target_id__in={target for _i, target, _r in registered})
                    .values_list("target_id", "ident"))
    return [ConflictRule(inspector, ident_of[target], reason)
            for inspector, target, reason in registered]
