"""Who is in a task's pools: the candidate targets and the eligible inspectors (protocol §1)."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import organisation_id
from shuangsuiji.entities.choices import DRAWABLE_STATUSES
from shuangsuiji.entities.models import Target
from shuangsuiji.inspectors.models import Conflict, Inspector
from shuangsuiji.plans.choices import Invitation, Stratification, TaskKind
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


def pool_organisations(task: InspectionTask) -> list[int]:
    """The organisations whose directories make the task's pool, in the order that chooses
    the row standing for an entity several of them know: the initiating organisation first,
    then each organisation of an accepted invitation in the task's order of departments
    (TaskDepartment order, then id). A pending or declined invitation adds no directory."""
    orgs = [organisation_id(task.initiating)]  # as plans.selectors.task_organisation_id
    for participant in task.participants.select_related("department").order_by("order", "pk"):
        org = organisation_id(participant.department)
        if participant.invitation == Invitation.ACCEPTED and org not in orgs:
            orgs.append(org)
    return orgs


def _rank(orgs: list[int]) -> Case:
    """A row's place by its organisation in `orgs` (0: the initiator's)."""
    return Case(*(When(department__root_id=org, then=Value(i)) for i, org in enumerate(orgs)),
                default=Value(len(orgs)), output_field=IntegerField())


def _filtered(task: InspectionTask, orgs: list[int]) -> QuerySet[Target]:
    """These organisations' drawable targets that pass the task's filters, each row on its
    own organisation's view (its status, region, industry, type)."""
    qs = Target.objects.filter(department__root_id__in=orgs, reg_status__in=DRAWABLE_STATUSES)
    if task.filter_regions:
        qs = qs.filter(_any_prefix("region_code", task.filter_regions))
    if task.filter_industries:
        qs = qs.filter(_any_prefix("industry_code", task.filter_industries))
    if task.filter_entity_types:
        qs = qs.filter(entity_type__in=task.filter_entity_types)
    return qs


def one_row_per_entity(rows: QuerySet[Target], orgs: list[int]) -> QuerySet[Target]:
    """`rows` with one row per 统一社会信用代码: the row of the first organisation of `orgs`
    that has one (the initiator's where it has one), and of two rows of one organisation the
    older (lower id). A row without a code is an entity of its own (its ID is X-id): it is
    never matched with another. So no ID reaches the pool twice (protocol §1)."""
    rank = _rank(orgs)
    earlier = (rows.annotate(_rank=rank)
               .filter(uscc=OuterRef("uscc"))
               .filter(Q(_rank__lt=OuterRef("_rank"))
                       | Q(_rank=OuterRef("_rank"), pk__lt=OuterRef("pk"))))
    return rows.annotate(_rank=rank).exclude(Q(uscc__isnull=False) & Exists(earlier))


def _matching(task: InspectionTask) -> QuerySet[Target]:
    """The drawable targets of the pool's organisations that pass the task's filters, one
    row per entity (one_row_per_entity). A task of one organisation reads its directory
    alone; a joint task with another organisation's accepted department reads theirs too."""
    orgs = pool_organisations(task)
    qs = _filtered(task, orgs)
    if len(orgs) > 1:
        qs = one_row_per_entity(qs, orgs)
    return qs


def pool_stratum(task: InspectionTask) -> Value | Case | Coalesce:
    """As stratum_of, in SQL over a pool's rows: the initiating organisation's credit-risk
    class of the entity, U when it has none or does not know the entity (a row of another
    organisation stands for an entity the initiator has no row of, or only one its filters
    left out: the initiator's row, the oldest of its rows with that code, still gives the
    class); ALL when the task is not stratified. Another organisation's class never
    stratifies: it is that organisation's alone."""
    if task.stratification != Stratification.RISK:
        return Value(UNSTRATIFIED)
    org = organisation_id(task.initiating)
    own = NullIf(F("risk_class"), Value(""))
    theirs = Subquery(Target.objects.filter(department__root_id=org, uscc=OuterRef("uscc"))
                      .exclude(risk_class="").order_by("pk").values("risk_class")[:1])
    return Case(When(department__root_id=org, then=Coalesce(own, Value(UNCLASSIFIED))),
                When(uscc__isnull=True, then=Value(UNCLASSIFIED)),
                default=Coalesce(theirs, Value(UNCLASSIFIED)), output_field=CharField())


def initiator_rows(task: InspectionTask, targets: QuerySet[Target]) -> QuerySet[Target]:
    """The rows of `targets` in the initiating organisation's own directory: what its
    internal notes on a pool (complaints) may read; another organisation's are not its."""
    return targets.filter(department__root_id=organisation_id(task.initiating))


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
        recent = earlier.filter(since_day(since), task__participants__items__in=items)
        # By entity: an earlier joint task may have drawn another organisation's row of it.
        out["lookback"] = Target.objects.filter(
            Q(uscc__in=recent.filter(target__uscc__isnull=False).values("target__uscc"))
            | Q(pk__in=recent.values("target_id"))).values("pk")
    out["yearly_cap"] = _over_cap(task, on, yearly_cap(task))
    return out


def candidate_targets(task: InspectionTask, on: date) -> QuerySet[Target]:
    """The task's filters and exclusions applied to the pool's directories, one row per
    entity, each annotated with its stratum (`pool_stratum`, as frozen)."""
    qs = _matching(task)
    for ids in _excluded(task, on).values():
        qs = qs.exclude(pk__in=ids)
    return qs.annotate(pool_stratum=pool_stratum(task))


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
    counts = (candidate_targets(task, on).order_by().values("pool_stratum")
              .annotate(n=Count("pk")))
    sizes: Counter[str] = Counter()
    for row in counts:
        sizes[row["pool_stratum"]] += row["n"]
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


def _by_entity(rows: QuerySet[Any], path: str, pool: QuerySet[FrozenCandidate],
               reason: str | None) -> list[ConflictRule]:
    """ConflictRules of `rows` (an inspector and a target through `path`) whose entity is in
    the pool: by its code, whichever organisation's row `path` reaches (a joint task's pool
    has one row per code, maybe not that one), or, without a code, the row itself. `reason`
    None: the row's relation."""
    rows = rows.annotate(_why=F("relation") if reason is None else Value(reason))
    coded = (rows.filter(**{f"{path}__uscc__in": pool.values("ident")})
             .values_list("inspector__code", f"{path}__uscc", "_why"))
    loose = (rows.filter(**{f"{path}__uscc__isnull": True, f"{path}__in": pool.values("target_id")})
             .values_list("inspector__code", f"{path}_id", "_why"))
    return ([ConflictRule(inspector, code, why) for inspector, code, why in coded]
            + [ConflictRule(inspector, f"X-{target}", why) for inspector, target, why in loose])


def conflicts_for(task: InspectionTask, inspector_codes: set[str], freeze: Freeze,
                  on: date) -> list[ConflictRule]:
    """Registered 回避 in force on the draw day, and inspections within the look-back period,
    between the pool's inspectors and its entities (by code: a 回避 recorded on any
    organisation's row of an entity holds; the record keeps the inspector, the entity's ID
    and the kind of relation, never the reason written down).

    Matched in the database: the pool can hold millions of targets, the conflicts are few.
    """
    pool = FrozenCandidate.objects.filter(freeze=freeze)
    found = _by_entity(Conflict.objects.in_force_on(on).filter(inspector__code__in=inspector_codes),
                       "target", pool, None)
    if task.lookback_days:
        since = on - timedelta(days=task.lookback_days)
        earlier = (Assignment.objects.filter(since_day(since, "drawn_target__"),
                                             inspector__code__in=inspector_codes,
                                             released_at__isnull=True).exclude(task=task))
        found += _by_entity(earlier, "drawn_target__target", pool, "lookback")
    return found
