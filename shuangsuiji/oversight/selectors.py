"""The figures of an organisation's year, and the records behind each of them.

Everything is one organisation's own (the root of a department tree): its directory's
targets, the results its departments entered, the tasks it takes part in, its inspectors'
assignments. Another organisation's results in a joint task are never counted, so the office
and the fire rescue each see their own part of the same task.

A result counts in the year it was inspected, or, before it is entered, in the year its task's
inspection period begins (`rules.oversight.year_of`); a task and its assignments in the year its
period begins. Results of a replaced target (no longer inspected) are left out. Every figure
keeps the ids of the records it counted, so a drill-down lists exactly those.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.selectors import organisations
from shuangsuiji.core import codes
from shuangsuiji.draws.models import Assignment
from shuangsuiji.entities.choices import DRAWABLE_STATUSES, RiskClass
from shuangsuiji.entities.models import Target
from shuangsuiji.entityportal.choices import RequestKind, RequestState
from shuangsuiji.entityportal.models import EntityRequest
from shuangsuiji.inspections import deadlines
from shuangsuiji.inspections.choices import PROBLEMS, FollowUpState, ResultCategory, ReviewState
from shuangsuiji.inspections.models import FollowUp, Inspection
from shuangsuiji.plans.choices import DepartmentRole, TaskKind, TaskState
from shuangsuiji.plans.models import InspectionTask, TaskDepartment
from shuangsuiji.rules import code_tables
from shuangsuiji.rules import oversight as rules
from shuangsuiji.rules.oversight import Share
from shuangsuiji.workdays.selectors import calendar

from .labels import industry_label

# metric name → the kind of record it lists
METRICS: dict[str, str] = {
    "targets": "target", "inspected": "target",
    "results": "result", "findings": "result",
    "entry_decided": "result", "entry_on_time": "result", "entry_late": "result",
    "publication_decided": "result", "publication_on_time": "result",
    "publication_late": "result",
    "overdue_entry": "result", "overdue_publication": "result",
    "overdue_follow_ups": "follow_up",
    "assignments": "assignment", "entered": "result",
    "tasks": "task", "joint_tasks": "task", "drawn_results": "result",
    "follow_ups": "follow_up", "follow_ups_open": "follow_up", "follow_ups_closed": "follow_up",
    "year_results": "result", "complaints": "request",
}
# Metrics also kept per department of the organisation ("metric|department:<id>"): a result by
# the department that enters it, a task by its initiating department, a complaint by the
# department of the result it is about. The 考评 table reads its sections' figures from them.
PER_DEPARTMENT = {"year_results", "results", "findings", "entry_decided", "entry_on_time",
                  "entry_late", "publication_decided", "publication_on_time",
                  "publication_late", "tasks", "joint_tasks", "complaints"}


def years_with_tasks(organisation_id: int, up_to: int) -> list[int]:
    """The years, newest first and none after `up_to`, in which a task the organisation takes
    part in (drafts left out) begins its period: the years whose figures say something."""
    years = (InspectionTask.objects
             .filter(Q(initiating__root_id=organisation_id)
                     | Q(participants__department__root_id=organisation_id),
                     period_start__year__lte=up_to)
             .exclude(state=TaskState.DRAFT)
             .dates("period_start", "year", order="DESC"))
    return [day.year for day in years]


def year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year + 1, 1, 1)


def year_results(organisation_id: int, year: int) -> QuerySet[Inspection]:
    """The organisation's own results of the year (see the module's note), in force."""
    start, end = year_range(year)
    return Inspection.objects.filter(
        Q(inspected_on__gte=start, inspected_on__lt=end)
        | Q(inspected_on__isnull=True, visit__task__period_start__gte=start,
            visit__task__period_start__lt=end),
        department__root_id=organisation_id,
        visit__drawn_target__replaced_at__isnull=True)


def directory(organisation_id: int) -> QuerySet[Target]:
    """The organisation's targets that can be inspected (existing or suspended)."""
    return Target.objects.filter(department__root_id=organisation_id,
                                 reg_status__in=DRAWABLE_STATUSES)


def inspected(organisation_id: int, year: int) -> QuerySet[Target]:
    """Targets of the directory with a result of the organisation inspected in the year."""
    start, end = year_range(year)
    results = Inspection.objects.filter(
        visit__drawn_target__target=OuterRef("pk"), department__root_id=organisation_id,
        visit__drawn_target__replaced_at__isnull=True, entered_at__isnull=False,
        inspected_on__gte=start, inspected_on__lt=end)
    return directory(organisation_id).filter(Exists(results))


@dataclass
class Group:
    """A row of a coverage table: one region, industry section or risk class."""

    key: str  # drill-down key, e.g. "region:140502"
    label: str
    share: Share
    codes: list[str] = field(default_factory=list)  # the raw codes it folds

    @property
    def chart_label(self) -> str:
        """A region by its own name (沁水县): the chart has little room, the table beside it
        the whole label (晋城市 沁水县 140521)."""
        kind, _sep, code = self.key.partition(":")
        return code_tables.region_name(code) or self.label if kind == "region" else self.label


@dataclass
class WorkRow:
    key: str  # "inspector:12", "department:3"
    label: str
    detail: str
    assignments: int
    entered: int


@dataclass
class Figures:
    organisation: Department
    year: int
    today: date
    coverage: Share
    by_region: list[Group]
    by_industry: list[Group]
    by_risk: list[Group]
    findings: Share
    entry: Share
    publication: Share
    overdue: dict[str, int]
    inspectors: list[WorkRow]
    departments: list[WorkRow]
    joint: Share
    follow_ups: dict[str, int]
    ids: dict[str, list[int]] = field(default_factory=dict)  # "metric|key" → record ids
    # The organisation and its sections, each a row of the 考评 table ("department:<id>").
    units: list[Department] = field(default_factory=list)
    # 逢查必抽: the results entered that came from a random draw, of all entered (random
    # or not: 重点检查, 专项检查, 投诉举报核查, 上级交办).
    drawn: Share = field(default_factory=lambda: Share(0, 0))

    @property
    def overdue_total(self) -> int:
        return sum(self.overdue.values())

    def groups(self) -> dict[str, Group]:
        return {g.key: g for g in [*self.by_region, *self.by_industry, *self.by_risk]}


# -- Coverage ------------------------------------------------------------------------------------

def _grouped(targets: QuerySet[Target], name: str) -> dict[str, int]:
    rows = targets.order_by().values(name).annotate(n=Count("pk"))
    return {row[name] or "": row["n"] for row in rows}


def _groups(prefix: str, totals: dict[str, int], hits: dict[str, int], *, by: Any,
            label: Any, order: Any) -> list[Group]:
    folded_totals = rules.fold(totals, by)
    folded_hits = rules.fold(hits, by)
    codes: dict[str, list[str]] = defaultdict(list)
    for code in totals:
        codes[by(code)].append(code)
    return [Group(f"{prefix}:{key}", label(key), Share(folded_hits.get(key, 0), n),
                  sorted(codes[key]))
            for key, n in sorted(folded_totals.items(), key=lambda kv: order(kv[0]))]


def region_label(key: str) -> str:
    """晋城市 城区 140502 (the code kept: a drill-down and a chart are read by code too)."""
    return f"{codes.region_label(key)} {key}" if key else str(_("Region not recorded"))


def _risk_label(key: str) -> str:
    return str(dict(RiskClass.choices).get(key, _("Not classified")))


def _coverage(organisation_id: int, year: int) -> tuple[Share, list[Group], list[Group],
                                                        list[Group]]:
    targets, hits = directory(organisation_id), inspected(organisation_id, year)
    coverage = Share(hits.count(), targets.count())
    by_region = _groups("region", _grouped(targets, "region_code"),
                        _grouped(hits, "region_code"), by=rules.region_key,
                        label=region_label, order=lambda k: (k == "", k))
    by_industry = _groups("industry", _grouped(targets, "industry_code"),
                          _grouped(hits, "industry_code"), by=rules.industry_section,
                          label=industry_label, order=lambda k: (k == rules.UNKNOWN, k))
    by_risk = _groups("risk", _grouped(targets, "risk_class"), _grouped(hits, "risk_class"),
                      by=lambda c: c or "", label=_risk_label, order=lambda k: (k == "", k))
    return coverage, by_region, by_industry, by_risk


# -- Results -------------------------------------------------------------------------------------

def _local_day(moment: Any) -> date | None:
    return timezone.localtime(moment).date() if moment else None


def _results(org: int, year: int, today: date, ids: dict[str, list[int]]) -> None:
    """Findings, entry and publication on time, overdue results: ids into `ids`."""
    cal = calendar()
    rows = list(year_results(org, year).order_by("visit__task__code",
                                                  "visit__drawn_target__ticket", "pk")
                .values("pk", "department_id", "state", "entered_at", "submitted_at",
                        "inspected_on",
                        "categories", "visit__task_id", "visit__task__kind",
                        "publication__published_on",
                        "publication__on_time", "publication__withdrawn_at"))
    tasks = InspectionTask.objects.in_bulk({r["visit__task_id"] for r in rows})
    entry_due = {pk: deadlines.entry_deadline(task, today=today, cal=cal).due
                 for pk, task in tasks.items()}
    publication_due: dict[date, date] = {}
    # Withheld as a whole by an approved redaction: never published, so never late.
    withheld = set(year_results(org, year).filter(
        redactions__whole=True, redactions__revoked_at__isnull=True).values_list("pk", flat=True))
    for r in rows:
        pk = r["pk"]
        unit = f"department:{r['department_id']}"

        def add(metric: str, pk: int = pk, unit: str = unit) -> None:
            ids[f"{metric}|all"].append(pk)
            ids[f"{metric}|{unit}"].append(pk)

        add("year_results")
        entered = r["entered_at"] is not None
        if entered:
            add("results")
            if r["visit__task__kind"] == TaskKind.RANDOM:
                ids["drawn_results|all"].append(pk)
            if set(r["categories"] or []) & set(PROBLEMS):
                add("findings")
        # Entered on time: submitted by the task's entry deadline.
        due = entry_due[r["visit__task_id"]]
        verdict = rules.on_time(_local_day(r["submitted_at"]), due, today)
        if verdict is not None:
            add("entry_decided")
            add("entry_on_time" if verdict else "entry_late")
        if r["state"] != ReviewState.APPROVED and rules.is_overdue(False, due, today):
            ids["overdue_entry|all"].append(pk)
        # Published on time: within 20 working days of the inspection.
        day = r["inspected_on"]
        if not entered or day is None or pk in withheld:
            continue
        if day not in publication_due:
            publication_due[day] = deadlines.publication_deadline(
                Inspection(inspected_on=day), today=today, cal=cal).due
        pub_due = publication_due[day]
        live = r["publication__published_on"] is not None and not r["publication__withdrawn_at"]
        verdict = rules.on_time(r["publication__published_on"] if live else None, pub_due, today)
        if live and r["publication__on_time"] is not None:
            verdict = r["publication__on_time"]
        if verdict is not None:
            add("publication_decided")
            add("publication_on_time" if verdict else "publication_late")
        if r["state"] == ReviewState.APPROVED and rules.is_overdue(live, pub_due, today):
            ids["overdue_publication|all"].append(pk)


def compute(organisation: Department, year: int, today: date) -> Figures:
    """Every figure of the dashboard for one organisation and year, as of `today`."""
    org = organisation.pk
    ids: dict[str, list[int]] = defaultdict(list)

    coverage, by_region, by_industry, by_risk = _coverage(org, year)

    _results(org, year, today, ids)

    # Follow-ups of the year's results.
    follow_ups = (FollowUp.objects.filter(inspection__in=year_results(org, year).values("pk"))
                  .order_by("due_on", "pk").values_list("pk", "state", "due_on"))
    for pk, state, due_on in follow_ups:
        ids["follow_ups|all"].append(pk)
        if state == FollowUpState.OPEN:
            ids["follow_ups_open|all"].append(pk)
            if rules.is_overdue(False, due_on, today):
                ids["overdue_follow_ups|all"].append(pk)
        else:
            ids["follow_ups_closed|all"].append(pk)

    inspectors, departments = _workload(org, year, ids)

    # Tasks the organisation takes part in; joint ones have a cooperating department.
    start, end = year_range(year)
    cooperating = TaskDepartment.objects.filter(task=OuterRef("pk"),
                                                role=DepartmentRole.COOPERATING)
    task_rows = (InspectionTask.objects
                 .filter(Q(initiating__root_id=org) | Q(participants__department__root_id=org),
                         period_start__gte=start, period_start__lt=end,
                         kind=TaskKind.RANDOM)  # the others are in the drawn share
                 .exclude(state=TaskState.DRAFT).distinct()
                 .annotate(joint=Exists(cooperating)).order_by("period_start", "code")
                 .values_list("pk", "joint", "initiating_id", "initiating__root_id"))
    for pk, joint, initiating, initiating_root in task_rows:
        # A task another organisation initiates counts for the organisation, not a section.
        units = ["all"] + ([f"department:{initiating}"] if initiating_root == org else [])
        for unit in units:
            ids[f"tasks|{unit}"].append(pk)
            if joint:
                ids[f"joint_tasks|{unit}"].append(pk)

    _complaints(org, year, ids)

    n = {key: len(value) for key, value in ids.items()}
    return Figures(
        organisation=organisation, year=year, today=today, coverage=coverage,
        by_region=by_region, by_industry=by_industry, by_risk=by_risk,
        findings=Share(n.get("findings|all", 0), n.get("results|all", 0)),
        entry=Share(n.get("entry_on_time|all", 0), n.get("entry_decided|all", 0)),
        publication=Share(n.get("publication_on_time|all", 0),
                          n.get("publication_decided|all", 0)),
        overdue={"entry": n.get("overdue_entry|all", 0),
                 "publication": n.get("overdue_publication|all", 0),
                 "follow_ups": n.get("overdue_follow_ups|all", 0)},
        inspectors=inspectors, departments=departments,
        joint=Share(n.get("joint_tasks|all", 0), n.get("tasks|all", 0)),
        drawn=Share(n.get("drawn_results|all", 0), n.get("results|all", 0)),
        follow_ups={"all": n.get("follow_ups|all", 0), "open": n.get("follow_ups_open|all", 0),
                    "closed": n.get("follow_ups_closed|all", 0),
                    "overdue": n.get("overdue_follow_ups|all", 0)},
        ids=dict(ids),
        units=list(Department.objects.filter(root_id=org).order_by("parent_id", "code")))


def complaints_about_inspections(organisation_id: int, year: int) -> QuerySet[EntityRequest]:
    """What an entity said against an inspection of the organisation in the year (filed in
    it): an integrity rating of 1 or 2 (dissatisfied, 廉洁评价) and an objection to a result
    the office upheld. A complaint about the entity itself (credit.Complaint) is not one."""
    start, end = year_range(year)
    tz = timezone.get_current_timezone()
    return EntityRequest.objects.filter(
        Q(kind=RequestKind.INTEGRITY, rating__lte=2)
        | Q(kind=RequestKind.OBJECTION, state=RequestState.ACCEPTED),
        organisation_id=organisation_id,
        created_at__gte=datetime.combine(start, time.min, tz),
        created_at__lt=datetime.combine(end, time.min, tz))


def _complaints(org: int, year: int, ids: dict[str, list[int]]) -> None:
    rows = (complaints_about_inspections(org, year).order_by("created_at", "pk")
            .values_list("pk", "inspection__department_id"))
    for pk, department in rows:
        ids["complaints|all"].append(pk)
        if department is not None:
            ids[f"complaints|department:{department}"].append(pk)


def _workload(org: int, year: int, ids: dict[str, list[int]]) -> tuple[list[WorkRow],
                                                                      list[WorkRow]]:
    """Assignments in force of the organisation's inspectors in the year's tasks, and the
    results of their groups that have been entered."""
    start, end = year_range(year)
    assignments = Assignment.objects.filter(
        inspector__department__root_id=org, released_at__isnull=True,
        drawn_target__replaced_at__isnull=True, task__period_start__gte=start,
        task__period_start__lt=end)
    rows = list(assignments.order_by("task__code", "drawn_target__ticket", "position", "pk")
                .values("pk", "inspector_id", "inspector__name", "inspector__code",
                        "inspector__department_id", "inspector__department__name",
                        "drawn_target_id", "department_id"))
    entered = {(d, dept): pk for pk, d, dept in Inspection.objects.filter(
        visit__drawn_target__in=assignments.values("drawn_target_id"),
        entered_at__isnull=False).values_list("pk", "visit__drawn_target_id", "department_id")}
    people: dict[int, WorkRow] = {}
    units: dict[int, WorkRow] = {}
    unit_results: dict[int, set[int]] = defaultdict(set)
    for r in rows:
        person = people.setdefault(r["inspector_id"], WorkRow(
            f"inspector:{r['inspector_id']}", r["inspector__name"], r["inspector__code"], 0, 0))
        unit_id = r["inspector__department_id"]
        unit = units.setdefault(unit_id, WorkRow(f"department:{unit_id}",
                                                 r["inspector__department__name"], "", 0, 0))
        person.assignments += 1
        unit.assignments += 1
        ids[f"assignments|{person.key}"].append(r["pk"])
        ids[f"assignments|{unit.key}"].append(r["pk"])
        ids["assignments|all"].append(r["pk"])
        result = entered.get((r["drawn_target_id"], r["department_id"]))
        if result is not None:
            person.entered += 1
            ids[f"entered|{person.key}"].append(result)
            if result not in unit_results[unit_id]:
                unit_results[unit_id].add(result)
                unit.entered += 1
                ids[f"entered|{unit.key}"].append(result)
    return (sorted(people.values(), key=lambda w: (-w.assignments, w.detail)),
            sorted(units.values(), key=lambda w: (-w.assignments, w.label)))


# -- Drill-down ----------------------------------------------------------------------------------

class UnknownMetric(LookupError):
    pass


def records(figures: Figures, metric: str, key: str) -> tuple[str, Any]:
    """The records behind a figure: (kind, a queryset of targets or a list of ids)."""
    kind = METRICS.get(metric)
    if kind is None:
        raise UnknownMetric(metric)
    org = figures.organisation.pk
    if kind == "target":
        targets = (directory(org) if metric == "targets"
                   else inspected(org, figures.year))
        if key != "all":
            group = figures.groups().get(key)
            if group is None:
                raise UnknownMetric(key)
            field_name = {"region": "region_code", "industry": "industry_code",
                          "risk": "risk_class"}[key.split(":", 1)[0]]
            targets = targets.filter(**{f"{field_name}__in": group.codes})
        return kind, targets.order_by("name", "pk")
    name = f"{metric}|{key}"
    if name not in figures.ids and not _known_empty(figures, metric, key):
        raise UnknownMetric(name)
    return kind, figures.ids.get(name, [])


def _known_empty(figures: Figures, metric: str, key: str) -> bool:
    if key == "all":
        return True
    if metric in PER_DEPARTMENT:
        return key in {f"department:{d.pk}" for d in figures.units}
    keys = {w.key for w in [*figures.inspectors, *figures.departments]}
    return metric in {"assignments", "entered"} and key in keys


def fetch(kind: str, ids: list[int]) -> list[Any]:
    """The records of a page of ids, in the order of the ids."""
    if kind == "result":
        qs: QuerySet[Any] = Inspection.objects.select_related(
            "department", "visit__task", "visit__drawn_target__target", "publication")
    elif kind == "task":
        qs = InspectionTask.objects.select_related("initiating").prefetch_related(
            "participants__department")
    elif kind == "request":
        qs = EntityRequest.objects.select_related("target", "inspection__department",
                                                  "inspection__visit__task")
    elif kind == "assignment":
        qs = Assignment.objects.select_related("inspector__department", "task", "department",
                                               "drawn_target__target")
    else:
        qs = FollowUp.objects.select_related("owner", "inspection__department",
                                             "inspection__visit__task",
                                             "inspection__visit__drawn_target__target")
    found = qs.in_bulk(list(ids))
    rows = [found[i] for i in ids if i in found]
    if kind == "result":
        labels = dict(ResultCategory.choices)
        for r in rows:
            r.category_labels = [labels.get(c, c) for c in r.categories or []]
    return rows


@dataclass
class CityRow:
    """One organisation's headline figures in the city's table (联席会议办公室)."""

    organisation: Department
    coverage: Share
    findings: Share
    entry: Share
    publication: Share
    joint: Share
    overdue: int


def city_overview(year: int, today: date) -> list[CityRow]:
    """Every organisation's headline figures for the year, side by side: the leading group
    office's view, each row linking to that organisation's dashboard."""
    rows = []
    for organisation in organisations():
        f = compute(organisation, year, today)
        rows.append(CityRow(organisation, f.coverage, f.findings, f.entry, f.publication,
                            f.joint, f.overdue_total))
    return rows
