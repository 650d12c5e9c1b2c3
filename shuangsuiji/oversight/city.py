"""The city's view (联席会议办公室): every organisation's figures side by side, by department
(each organisation and its sections), region and industry; how often each entity was inspected
in the year (the burden 国办发〔2024〕54号 limits); and the 考评 table against the criteria the
city sets. Everything is summed from each organisation's own `selectors.compute`, so a figure
here is the sum of the figures its organisations' dashboards show, and links to the same
records; credit-risk classes are never part of it (they stay with their organisation).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.selectors import organisations
from shuangsuiji.draws.models import DrawnTarget
from shuangsuiji.draws.pool import inspections_in_year
from shuangsuiji.entities.models import Target
from shuangsuiji.plans.models import CityPolicy
from shuangsuiji.rules import evaluation
from shuangsuiji.rules import oversight as rules
from shuangsuiji.rules.oversight import UNKNOWN, Share

from . import selectors
from .labels import industry_label
from .models import EvaluationCriteria

# metric of a city records page → the kind of record it lists
CITY_METRICS = {"targets": "target", "inspected": "target", "inspections": "inspection"}


@dataclass
class CityGroup:
    """A region or industry section across every organisation, with each one's part."""

    key: str
    label: str
    share: Share
    parts: list[tuple[Department, Share]] = field(default_factory=list)


# A department figure → the metrics of its part and its whole, for the drill-down links.
UNIT_METRICS = {"plan": ("results", "year_results"), "findings": ("findings", "results"),
                "entry": ("entry_on_time", "entry_decided"),
                "publication": ("publication_on_time", "publication_decided"),
                "joint": ("joint_tasks", "tasks"), "complaints": ("complaints", "results")}
SHARES = ("plan", "findings", "entry", "publication", "joint")


@dataclass
class Unit:
    """A row of the department and 考评 tables: an organisation (key "all") or one of its
    sections ("department:<id>"), with the organisation whose records its figures link to."""

    organisation: Department
    department: Department
    key: str
    figures: dict[str, Share]
    card: evaluation.Card

    @property
    def is_organisation(self) -> bool:
        return self.key == "all"

    @property
    def cells(self) -> list[tuple[Share, str, str]]:
        """The department table's figures in column order, each with its metrics."""
        return [(self.figures[name], *UNIT_METRICS[name]) for name in SHARES]

    @property
    def score_cells(self) -> list[tuple[evaluation.Score, str, str]]:
        return [(score, *UNIT_METRICS[score.criterion]) for score in self.card.scores]


@dataclass
class Burden:
    """Entities inspected `times` times in the year, every organisation, random or not."""

    times: int
    entities: int
    over_cap: bool


@dataclass
class CityFigures:
    year: int
    today: date
    organisations: list[selectors.Figures]
    totals: dict[str, Share]
    by_region: list[CityGroup]
    by_industry: list[CityGroup]
    units: list[Unit]
    burden: list[Burden]
    burden_by: dict[str, list["BurdenGroup"]]
    cap: int
    criteria: EvaluationCriteria


def _n(f: selectors.Figures, metric: str, key: str) -> int:
    return len(f.ids.get(f"{metric}|{key}", []))


def unit_figures(f: selectors.Figures, key: str) -> dict[str, Share]:
    """A department's figures from its organisation's ids: results entered of those due,
    findings, entered and published on time, joint tasks. (Complaints per result are a count
    over a count, not a share: more complaints than results is possible; see `_card`.)"""
    def share(part: str, whole: str) -> Share:
        return Share(_n(f, part, key), _n(f, whole, key))

    return {"plan": share("results", "year_results"),
            "findings": share("findings", "results"),
            "entry": share("entry_on_time", "entry_decided"),
            "publication": share("publication_on_time", "publication_decided"),
            "joint": share("joint_tasks", "tasks")}


def _card(f: selectors.Figures, key: str, criteria: EvaluationCriteria) -> evaluation.Card:
    figures = unit_figures(f, key)
    measures = {name: evaluation.Measure(figures[name].part, figures[name].whole)
                for name in ("plan", "publication", "joint")}
    measures["complaints"] = evaluation.Measure(_n(f, "complaints", key), _n(f, "results", key))
    return evaluation.card(criteria.rules(), measures)


def units(all_figures: list[selectors.Figures], criteria: EvaluationCriteria) -> list[Unit]:
    rows = []
    for f in all_figures:
        org = f.organisation
        for department in [org, *[d for d in f.units if d.pk != org.pk]]:
            key = "all" if department.pk == org.pk else f"department:{department.pk}"
            rows.append(Unit(org, department, key, unit_figures(f, key),
                             _card(f, key, criteria)))
    return rows


def _across(all_figures: list[selectors.Figures],
            pick: Callable[[selectors.Figures], list[selectors.Group]],
            order: Callable[[str], Any]) -> list[CityGroup]:
    groups: dict[str, CityGroup] = {}
    for f in all_figures:
        for g in pick(f):
            row = groups.setdefault(g.key, CityGroup(g.key, g.label, Share(0, 0)))
            row.share = row.share + g.share
            row.parts.append((f.organisation, g.share))
    return sorted(groups.values(), key=lambda g: order(g.key.partition(":")[2]))


def entity_times(year: int) -> dict[str, int]:
    """How many times each entity was inspected in the year on the platform: every
    organisation, random or not, an entity being its 统一社会信用代码 (a target without one
    only itself), counted as draws/pool.py counts towards the cap (its tasks)."""
    counted = inspections_in_year(year)
    times: dict[str, int] = {}
    for code, n in (counted.filter(target__uscc__isnull=False).values("target__uscc")
                    .annotate(n=Count("task", distinct=True)).values_list("target__uscc", "n")):
        times[f"uscc:{code}"] = n
    for pk, n in (counted.filter(target__uscc__isnull=True).values("target_id")
                  .annotate(n=Count("task", distinct=True)).values_list("target_id", "n")):
        times[f"target:{pk}"] = n
    return times


def burden(year: int, cap: int) -> list[Burden]:
    counts: dict[int, int] = defaultdict(int)
    for n in entity_times(year).values():
        counts[n] += 1
    return [Burden(times, entities, times > cap) for times, entities in sorted(counts.items())]


@dataclass
class BurdenGroup:
    """The burden within one organisation, region or industry section: the entities it
    holds that were inspected in the year, their inspections there, and how many of those
    entities are over the cap counting every organisation's inspections."""

    key: str  # "org:<pk>", "region:<code>", "industry:<section>"
    label: str
    entities: int
    inspections: int
    over_cap: int

    @property
    def per_entity(self) -> str:
        return f"{self.inspections / self.entities:.2f}" if self.entities else "—"


BURDEN_BY = ("org", "region", "industry")


def _entity_key(code: str | None, target_id: int) -> str:
    return f"uscc:{code}" if code else f"target:{target_id}"


def _burden_keys(org_id: int | None, region: str, industry: str) -> list[str]:
    return [f"org:{org_id}", f"region:{rules.region_key(region)}",
            f"industry:{rules.industry_section(industry)}"]


def burden_by(year: int, cap: int) -> dict[str, list[BurdenGroup]]:
    """The burden by organisation (whose task), region and industry (of the inspected row),
    from one pass over the year's inspections; an inspection is a task of an entity."""
    times = entity_times(year)
    entities: dict[str, set[str]] = defaultdict(set)
    inspections: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for task_id, target_id, code, region, industry, org_id in (
            inspections_in_year(year).values_list(
                "task_id", "target_id", "target__uscc", "target__region_code",
                "target__industry_code", "task__initiating__root_id")):
        entity = _entity_key(code, target_id)
        for key in _burden_keys(org_id, region, industry):
            entities[key].add(entity)
            inspections[key].add((entity, task_id))
    names = dict(organisations().values_list("pk", "name"))
    labels = {"org": lambda k: names.get(int(k), k) if k.isdigit() else k,
              "region": selectors.region_label, "industry": industry_label}
    out: dict[str, list[BurdenGroup]] = {dim: [] for dim in BURDEN_BY}
    for key in sorted(entities):
        dim, _sep, value = key.partition(":")
        out[dim].append(BurdenGroup(
            key, str(labels[dim](value)), len(entities[key]), len(inspections[key]),
            sum(1 for e in entities[key] if times.get(e, 0) > cap)))
    return out


def burden_inspections(year: int, key: str) -> QuerySet[DrawnTarget]:
    """The year's inspections counted in one row of burden_by: the records behind it."""
    dim, _sep, value = key.partition(":")
    rows = inspections_in_year(year)
    if dim == "org" and value.isdigit():
        rows = rows.filter(task__initiating__root_id=int(value))
    elif dim == "region":
        rows = (rows.filter(target__region_code__startswith=value) if value
                else rows.filter(Q(target__region_code="") | Q(target__region_code__isnull=True)))
    elif dim == "industry":
        wanted = [pk for pk, code in rows.values_list("pk", "target__industry_code")
                  if rules.industry_section(code) == value]
        rows = rows.filter(pk__in=wanted)
    else:
        raise UnknownMetric(key)
    return (rows.select_related("target", "task__initiating__root", "draw")
            .order_by("target__uscc", "target__name", "task__period_start", "pk"))


def inspections_of(year: int, times: int) -> QuerySet[DrawnTarget]:
    """The year's inspections of the entities inspected `times` times: the records behind a
    row of the burden table."""
    keys = [k for k, n in entity_times(year).items() if n == times]
    codes = [k.partition(":")[2] for k in keys if k.startswith("uscc:")]
    loose = [int(k.partition(":")[2]) for k in keys if k.startswith("target:")]
    return (inspections_in_year(year)
            .filter(Q(target__uscc__in=codes) | Q(target_id__in=loose, target__uscc__isnull=True))
            .select_related("target", "task__initiating__root", "draw")
            .order_by("target__uscc", "target__name", "task__period_start", "pk"))


def compute(year: int, today: date) -> CityFigures:
    all_figures = [selectors.compute(org, year, today) for org in organisations()]
    totals: dict[str, Share] = defaultdict(lambda: Share(0, 0))
    for f in all_figures:
        for name, share in (("coverage", f.coverage), ("findings", f.findings),
                            ("entry", f.entry), ("publication", f.publication),
                            ("joint", f.joint), ("drawn", f.drawn)):
            totals[name] = totals[name] + share
    criteria = EvaluationCriteria.for_year(year)
    cap = CityPolicy.current().yearly_cap
    return CityFigures(
        year=year, today=today, organisations=all_figures, totals=dict(totals),
        by_region=_across(all_figures, lambda f: f.by_region, lambda k: (k == "", k)),
        by_industry=_across(all_figures, lambda f: f.by_industry,
                            lambda k: (k == UNKNOWN, k)),
        units=units(all_figures, criteria), burden=burden(year, cap),
        burden_by=burden_by(year, cap), cap=cap,
        criteria=criteria)


class UnknownMetric(LookupError):
    pass


def records(city: CityFigures, metric: str, key: str) -> tuple[str, Any, str]:
    """The records behind a city figure: (kind, a queryset, a title's group label)."""
    kind = CITY_METRICS.get(metric)
    if kind is None:
        raise UnknownMetric(metric)
    if kind == "inspection" and key.partition(":")[0] in BURDEN_BY:
        groups = {g.key: g for rows in city.burden_by.values() for g in rows}
        if key not in groups:
            raise UnknownMetric(key)
        return kind, burden_inspections(city.year, key), groups[key].label
    if kind == "inspection":
        prefix, _sep, times = key.partition(":")
        if prefix != "times" or not times.isdigit() or not any(
                b.times == int(times) for b in city.burden):
            raise UnknownMetric(key)
        return kind, inspections_of(city.year, int(times)), times
    group = {g.key: g for g in [*city.by_region, *city.by_industry]}.get(key)
    if key != "all" and group is None:
        raise UnknownMetric(key)
    wanted = Q(pk__in=[])
    for f in city.organisations:
        if key == "all" or key in {g.key for g in [*f.by_region, *f.by_industry]}:
            _kind, targets = selectors.records(f, metric, key)
            wanted |= Q(pk__in=targets.values("pk"))
    label = group.label if group else ""
    return kind, (Target.objects.filter(wanted).select_related("department__root")
                  .order_by("name", "pk")), label

