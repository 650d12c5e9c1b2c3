"""Read-only queries of the public portal (一公开). No login, so no `for_user`: each selector
publishes only what is public by design, field by field.

- Items: published and in force, with their published versions.
- Plans: published annual plans.
- Tasks: frozen or later; before the draw the announcement (sizes and digests, never the
  sizes per credit-risk class), after it the public record (no strata when they are risk
  classes).
- Results: `publication.PublishedResult` (the public snapshot; withdrawn ones excluded), never
  the internal tables. Credit files: published results, blacklist entries in force, and the
  责令改正 and 行政处罚 decisions on results published whole (publication.selectors.
  public_decisions, field by field). Risk classes, complaints, contacts and inspectors'
  personal data are never read here.
"""

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shuangsuiji.accounts import selectors as accounts_selectors
from shuangsuiji.accounts.models import Department
from shuangsuiji.catalog.models import InspectionItem, InspectionItemVersion
from shuangsuiji.core import search
from shuangsuiji.credit.models import BlacklistEntry
from shuangsuiji.draws.models import DrawRecord
from shuangsuiji.draws.selectors import announcement, freeze_get, record_parts
from shuangsuiji.draws.services import record_stream
from shuangsuiji.entities.models import Target
from shuangsuiji.plans.choices import (
    PlanStatus,
    Stratification,
    TaskKind,
    TaskState,
    Verification,
)
from shuangsuiji.plans.models import AnnualPlan, InspectionTask, PlanEntry
from shuangsuiji.publication.models import REPAIR_HIDES, PublishedResult, ResultRepair
from shuangsuiji.publication.selectors import PublicDecision, public_decisions
from shuangsuiji.rules import uscc

PUBLIC_TASK_STATES = [TaskState.FROZEN, TaskState.DRAWN, TaskState.IN_PROGRESS,
                      TaskState.FINISHED, TaskState.CLOSED]
DRAWN_STATES = PUBLIC_TASK_STATES[1:]
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

# The fields of a published result anyone may read (the snapshot holds nothing else but the
# bookkeeping of who published and withdrew it, which stays internal).
RESULT_FIELDS = ("id", "entity_name", "uscc", "department_name", "task_code", "task_name",
                 "region_code", "inspected_on", "categories", "category_text", "conduct",
                 "conduct_text", "findings", "withheld_fields", "published_on",
                 "inspection_type")


# -- 抽查事项清单 ----------------------------------------------------------------------------------

def items_by_organisation() -> list[tuple[Department, list[InspectionItem]]]:
    items = (InspectionItem.objects.published().select_related("department__root")
             .order_by("department__root_id", "category", "code"))
    groups: dict[int, tuple[Department, list[InspectionItem]]] = {}
    for item in items:
        department = item.department.root or item.department
        groups.setdefault(department.pk, (department, []))[1].append(item)
    return sorted(groups.values(), key=lambda g: g[0].code)


def item_get(pk: int) -> tuple[InspectionItem, list[InspectionItemVersion]]:
    """An item anyone may see (published once), with its published versions, newest first."""
    item = InspectionItem.objects.select_related("department").filter(pk=pk).first()
    versions = list(InspectionItemVersion.objects.filter(item_id=pk, is_published=True)
                    .order_by("-version"))
    if item is None or not (versions or (item.is_published and item.is_active)):
        raise Http404
    return item, versions


# -- 抽查计划 ------------------------------------------------------------------------------------

def plans() -> QuerySet[AnnualPlan]:
    return (AnnualPlan.objects.filter(status=PlanStatus.PUBLISHED)
            .select_related("organisation").order_by("-year", "organisation__code"))


def plan_get(pk: int) -> AnnualPlan:
    entries = PlanEntry.objects.prefetch_related("items", "participants").order_by("id")
    plan = (plans().prefetch_related(Prefetch("entries", queryset=entries))
            .filter(pk=pk).first())
    if plan is None:
        raise Http404
    return plan


# -- 抽查任务 ------------------------------------------------------------------------------------

def tasks() -> QuerySet[InspectionTask]:
    # A non-random inspection has no announcement or draw to show: its result, once
    # published, is public like any other (marked by its kind).
    return (InspectionTask.objects.filter(state__in=PUBLIC_TASK_STATES, kind=TaskKind.RANDOM)
            .select_related("initiating").order_by("-period_start", "code"))


def task_get(code: str) -> InspectionTask:
    task = tasks().prefetch_related("participants__department").filter(code=code).first()
    if task is None:
        raise Http404
    return task


def is_drawn(task: InspectionTask) -> bool:
    return task.state in DRAWN_STATES and DrawRecord.objects.filter(task=task).exists()


def public_announcement(task: InspectionTask) -> dict[str, Any]:
    """The announcement at freezing, without the sizes per risk class nor who froze it."""
    data = announcement(freeze_get(task), internal=False)
    data.pop("frozen_by", None)
    data["strata"] = [] if task.stratification == Stratification.RISK else data["strata"]
    return data


@dataclass
class DrawnRow:
    id: str
    name: str
    ticket: str | None  # public verification only
    stratum: str | None  # only when the strata are not risk classes (and there are some)


def public_draw(task: InspectionTask) -> dict[str, Any]:
    """A summary of the public record (protocol §9), read key by key (the stored record holds
    the pool's lines, possibly millions): what the public record holds, nothing else.

    Drawn targets in the byte order of their IDs, never in draw order: the order of a
    stratified draw would tell the strata apart. Auditor verification: no secret, seed or
    tickets. Risk classes: no stratum.
    """
    draw = DrawRecord.objects.defer("record").get(task=task)
    parts = record_parts(draw, "commitment", "server_secret", "seed", "ceremony", "pool",
                         "inspector_pool", "drawn", "replacements", "drawn_at",
                         "record_digest", "conflicts")
    mode = task.verification_mode
    shown = mode == Verification.PUBLIC
    stratified = task.stratification != Stratification.NONE
    names = dict(draw.targets.values_list("ident", "target__name"))
    drawn = [DrawnRow(t["id"], names.get(t["id"], ""), t["ticket"] if shown else None,
                      t.get("stratum") if stratified and not task.risk_strata else None)
             for t in sorted(parts["drawn"], key=lambda t: t["id"].encode("utf-8"))]
    pool = parts["pool"] or {}
    return {
        "draw": draw,
        "verification": mode,
        "verification_reason": task.verification_reason,
        "commitment": parts["commitment"],
        "server_secret": parts["server_secret"] if shown else None,
        "seed": parts["seed"] if shown else None,
        "record_digest": parts["record_digest"],
        "ceremony": parts["ceremony"],
        "pool_size": pool.get("size"), "pool_digest": pool.get("digest"),
        "inspector_size": (parts["inspector_pool"] or {}).get("size"),
        "inspector_digest": (parts["inspector_pool"] or {}).get("digest"),
        "conflicts_count": len(parts["conflicts"] or []),
        "drawn": drawn,
        "replacements": [{"out": e["out"], "out_name": names.get(e["out"], ""),
                          "in": e["in"], "in_name": names.get(e["in"], ""),
                          "reason": e["reason"], "at": e["at"]}
                         for e in parts["replacements"] or []],
        "risk_strata": task.risk_strata,
        "show_strata": stratified and not task.risk_strata,
    }


def public_record_stream(task: InspectionTask) -> Iterator[bytes]:
    """The public record as canonical JSON, in pieces (record_stream)."""
    if not is_drawn(task):
        raise Http404
    return record_stream(task, public=True)


# -- 抽查结果 ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ResultQuery:
    q: str = ""  # the one search box: a code if it has a code's shape, else part of the name
    name: str = ""  # any part of the entity's name, two characters or more
    code: str = ""  # 统一社会信用代码, exact once normalised
    organisation: int | None = None
    task: str = ""  # task code, exact
    date_from: date | None = None  # published on or after
    date_to: date | None = None

    def terms(self) -> tuple[str, str]:
        """(code, name part) to search for: the code normalised (full-width folded, spaces
        dropped, upper case), the name part as typed, stripped."""
        code = uscc.normalise(self.code) if self.code.strip() else ""
        name = self.name.strip()
        text = self.q.strip()
        if text:
            as_code = uscc.code_shape(text)
            if as_code:
                code = code or as_code
            else:
                name = name or text
        return code, name


@dataclass
class ResultPage:
    rows: list[PublishedResult]
    next_cursor: str | None


def published_results() -> QuerySet[PublishedResult]:
    return PublishedResult.objects.filter(withdrawn_at__isnull=True)


def with_repairs(rows: list[PublishedResult]) -> list[PublishedResult]:
    """The rows, each with `repaired_on` (信用修复, or None) and, once repaired, without what it
    found (REPAIR_HIDES): the snapshot is kept as published, the public reads it so. One
    query for the page, not a join in the search (the name walk reads an index alone)."""
    repaired = dict(ResultRepair.objects.filter(result_id__in=[r.pk for r in rows])
                    .values_list("result_id", "repaired_on"))
    for row in rows:
        row.repaired_on = repaired.get(row.pk)  # type: ignore[attr-defined]
        if row.repaired_on is not None:  # type: ignore[attr-defined]
            for name in REPAIR_HIDES:
                setattr(row, name, [] if name == "categories" else "")
    return rows


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, ensure_ascii=False).encode()).decode()


def decode_cursor(cursor: str) -> list[Any] | None:
    """[published_on (ISO date), id] of the last row of the previous page, or None."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (ValueError, UnicodeError):
        return None
    if (not isinstance(values, list) or len(values) != 2 or not isinstance(values[0], str)
            or not isinstance(values[1], int) or isinstance(values[1], bool)
            or not 0 < values[1] < 2**63):
        return None
    try:
        date.fromisoformat(values[0])
    except ValueError:
        return None
    return values


def _filtered(query: ResultQuery, *, with_name: bool = True,
              month: date | None = None) -> QuerySet[PublishedResult]:
    """The results the query asks for; with `month`, those of that month only, found by the
    index (PostgreSQL, a name part)."""
    code, name = query.terms()
    qs = published_results().only(*RESULT_FIELDS)
    if code:
        qs = qs.filter(uscc=code)
    if query.task:
        qs = qs.filter(task_code=query.task.strip())
    if query.organisation:
        qs = qs.filter(organisation_id=query.organisation)
    if query.date_from:
        qs = qs.filter(published_on__gte=query.date_from)
    if query.date_to:
        qs = qs.filter(published_on__lte=query.date_to)
    if name and with_name:
        qs = _name_contains(qs, name, month)
    return qs


def _month_term(day: date) -> str:
    """The element of `shuangsuiji_result_terms` that says the month (publication 0005)."""
    return f"#{day.year * 100 + day.month}"


def _name_contains(qs: QuerySet[PublishedResult], name: str,
                   month: date | None) -> QuerySet[PublishedResult]:
    """Results whose name holds `name` (search.name_contains), asking PostgreSQL's index of
    the names' bigrams and months (publication 0005) for the rows holding its rarest bigrams,
    in `month` if given."""
    qs = qs.filter(**{"entity_name__contains" if search.is_caseless(name)
                      else "entity_name__icontains": name})
    if connection.vendor != "postgresql" or len(name) < search.MIN_LENGTH:
        return qs
    terms = search.query_bigrams(name, NAME_INDEX)[0]
    if month is not None:
        terms = [*terms, _month_term(month)]
    table = PublishedResult._meta.db_table
    # The expression is the index's; the elements are a bound parameter.
    return qs.extra(  # noqa: S610
        where=[f'shuangsuiji_result_terms("{table}"."entity_name", "{table}"."published_on") '
               "@> %s::text[]"], params=[terms])


def _after(qs: QuerySet[PublishedResult], after: list[Any] | None) -> QuerySet[PublishedResult]:
    """Newest first, the rows after the cursor: a row comparison, which the index's range scan
    serves (an OR of two conditions would make the database walk every earlier row)."""
    qs = qs.order_by("-published_on", "-id")
    if not after:
        return qs
    table = PublishedResult._meta.db_table
    # The values are bound parameters; the SQL is a constant of this module.
    return qs.extra(  # noqa: S610
        where=[f'("{table}"."published_on", "{table}"."id") < (%s, %s)'], params=after)


# The GIN index over the names' bigrams and months (publication 0005).
NAME_INDEX = "pub_name_month_terms"
# A name search first reads NAME_WALK of the newest results from the index `pub_recent_names`.
# When they hold a few matches but not a page, it reads on from where it stopped as far as
# their share says the page needs, twice over, if that is at most NAME_WALK_MAX entries in
# all. Otherwise, or when the statistics say the rarest bigram is in at most NAME_FEW results,
# it asks the index of bigrams and months: it reads fewer rows than a longer walk would
# (benchmarks/portal.py).
NAME_WALK = 10_000
NAME_WALK_MAX = 60_000
NAME_FEW = 3_000


@dataclass
class Walk:
    ids: list[int]  # the matches, newest first
    # Where the walk stopped, as a cursor ([published_on, id] of the last entry read), when it
    # read its whole window without filling the page; None when it filled the page, or read
    # every result after the cursor (then `ids` are all the matches there are).
    end: list[Any] | None


def _walk_for_name(query: ResultQuery, name: str, after: list[Any] | None,
                   limit: int, window: int) -> Walk:
    """PostgreSQL: the ids of the first `limit` (or fewer) matches among the `window` newest
    results after the cursor, read from the index `pub_recent_names` alone, and where the walk
    stopped, so that a further walk goes on from there instead of reading them again."""
    rows = (_after(_filtered(query, with_name=False), after)
            .values_list("id", "published_on", "entity_name")[:window])
    inner, params = rows.query.sql_with_params()
    like = ("w.entity_name LIKE %s" if search.is_caseless(name)
            else "UPPER(w.entity_name) LIKE UPPER(%s)")
    # The window's entries in its order (an index-only scan, numbered as they come; no ORDER
    # BY outside, which would sort the whole window before the LIMIT): the matches, and the
    # last entry read whether it matches or not. Django's SQL for the window and this
    # module's constants; the values are bound.
    sql = ("SELECT x.id, x.published_on, x.hit, x.n FROM ("  # noqa: S608
           f"SELECT w.id, w.published_on, {like} AS hit, row_number() OVER () AS n "
           f"FROM ({inner}) AS w) AS x WHERE x.hit OR x.n = %s LIMIT %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [search.like_pattern(name), *params, window, limit + 1])
        found = sorted(cursor.fetchall(), key=lambda row: row[3])
    ids = [pk for pk, _day, hit, _n in found if hit][:limit]
    last = found[-1] if found else None
    end = None
    if len(ids) < limit and last is not None and last[3] == window:
        end = [last[1].isoformat(), last[0]]
    return Walk(ids, end)


# The planner settings of the bigram way.
BIGRAM_SETTINGS = {
    "enable_seqscan": "off", "enable_indexscan": "off", "enable_indexonlyscan": "off",
    # Parallel workers cost more to start than the few thousand rows take.
    "max_parallel_workers_per_gather": "0",
    # An exact bitmap: a lossy one would recompute the bigrams of every row on its pages.
    "work_mem": "'32MB'",
}


def _by_bigrams(qs: QuerySet[PublishedResult]) -> list[PublishedResult]:
    """PostgreSQL, a name part found in few results: from the bigram index, then sorted. The
    planner would rather walk the newest-first index, as it takes an infix's bigrams for
    independent and cannot know how rare the infix is: the walk has just shown it is."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("; ".join(f"SET LOCAL {name} = {value}"
                                 for name, value in BIGRAM_SETTINGS.items()))
        rows = list(qs)
        # Within an outer transaction the settings would outlive this query.
        cursor.execute("; ".join(f"SET LOCAL {name} TO DEFAULT" for name in BIGRAM_SETTINGS))
    return rows


# Months asked for one by one, newest first, before the bigram index is asked for all the
# older ones at once.
NAME_MONTHS = 6


def _by_months(query: ResultQuery, after: list[Any] | None,
               limit: int) -> list[PublishedResult]:
    """PostgreSQL, a name part the walk did not find a page of: from the index of the names'
    bigrams and months, the newest month first (after the cursor), so that only the rows of
    the months the page takes are read from the table, not every row holding the part's
    bigrams (5,000 of 10 million rows for 方商贸集, spread over five years and the whole
    table). After NAME_MONTHS months without a page, the part is rare: the rest at once; and
    at once when the statistics say its rarest bigram is in at most NAME_FEW results."""
    _code, name = query.terms()
    if search.query_bigrams(name, NAME_INDEX)[1] <= NAME_FEW:
        return _by_bigrams(_after(_filtered(query), after)[:limit])
    newest = list(_after(_filtered(query, with_name=False), after)
                  .values_list("published_on", flat=True)[:1])
    if not newest:
        return []
    oldest = _filtered(query, with_name=False).order_by("published_on", "id").values_list(
        "published_on", flat=True).first()
    month = newest[0].replace(day=1)
    rows: list[PublishedResult] = []
    for _ in range(NAME_MONTHS):
        if oldest is None or month < oldest.replace(day=1):
            return rows
        rows += _by_bigrams(_after(_filtered(query, month=month), after)[:limit - len(rows)])
        if len(rows) >= limit:
            return rows
        month = (month - timedelta(days=1)).replace(day=1)
    # The months not asked for yet: those before the first day of the month after `month`.
    before = (month + timedelta(days=31)).replace(day=1)
    rest = _after(_filtered(query).filter(published_on__lt=before), after)
    return rows + _by_bigrams(rest[:limit - len(rows)])


def _walked(query: ResultQuery, name: str, after: list[Any] | None,
            limit: int) -> list[int] | None:
    """The ids of the page when walking the newest results finds it; None when the bigram
    index is the way: the rows holding the rarest bigram are few (statistics), or the walk
    found (almost) none. The walk reads about (limit / share of the rows that match)
    entries; the bigram index reads every row holding the query's rarest bigrams, which
    for a part made of common bigrams (晋煤业股: 煤业, 业股) may be many more than match.

    The walk is short: a rare part (州盛世机, in 700 of 10 million results; 方商贸集, 5,300)
    finds a few matches at most and goes to the index of bigrams and months having read
    little; a part found often enough reads on from where the first walk stopped, never the
    same entries twice."""
    _grams, holding = search.query_bigrams(name, NAME_INDEX)
    if holding <= NAME_FEW:
        return None
    walk = _walk_for_name(query, name, after, limit, NAME_WALK)
    if walk.end is None:
        return walk.ids
    window = NAME_WALK * 2 * limit // max(len(walk.ids), 1)
    if window > NAME_WALK_MAX:
        return None
    more = _walk_for_name(query, name, walk.end, limit - len(walk.ids), window - NAME_WALK)
    return walk.ids + more.ids if more.end is None else None


def search_results(query: ResultQuery, *, cursor: str = "",
                   limit: int = PAGE_SIZE) -> ResultPage:
    """One page of published results, newest first, with the cursor of the next page: keyset
    paging, so page 10,000 costs what page 1 does."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    after = decode_cursor(cursor) if cursor else None
    code, name = query.terms()
    if name and not code and not query.task and connection.vendor == "postgresql":
        ids = _walked(query, name, after, limit + 1)
        if ids is not None:
            rows = list(published_results().only(*RESULT_FIELDS).filter(pk__in=ids)
                        .order_by("-published_on", "-id"))
        else:
            rows = _by_months(query, after, limit + 1)
    else:
        rows = list(_after(_filtered(query), after)[:limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([last.published_on.isoformat(), last.pk])
    return ResultPage(with_repairs(rows), next_cursor)


def result_get(pk: int) -> PublishedResult:
    result = published_results().only(*RESULT_FIELDS).filter(pk=pk).first()
    if result is None:
        raise Http404
    return with_repairs([result])[0]


def organisations() -> QuerySet[Department]:
    """The organisations that publish results (the department filter): the top departments.
    Not read from the results themselves: a DISTINCT over millions of rows per page view."""
    return accounts_selectors.organisations()


# -- 信用档案 (public part) ---------------------------------------------------------------------

@dataclass(frozen=True)
class Registration:
    """登记信息 as 国家企业信用信息公示系统 publishes it: copied field by field from the
    directory, so no page can reach the target's risk class or contacts."""

    entity_type: str
    legal_rep: str
    address: str
    founded_on: date | None
    reg_status: str
    registration_authority: str
    region_code: str


@dataclass(frozen=True)
class PublicLicence:
    """A licence as 行政许可 is published: number, matter, decision, authority, validity."""

    number: str
    item: str
    decision_no: str
    authority: str
    decided_on: date | None
    valid_from: date | None
    valid_to: date | None


@dataclass
class EntityFile:
    code: str
    name: str
    results: list[PublishedResult]
    blacklist: list[BlacklistEntry]
    registration: Registration | None = None
    licences: list[PublicLicence] = field(default_factory=list)
    decisions: list[PublicDecision] = field(default_factory=list)


def entity_file(code: str) -> EntityFile:
    """The public part of an entity's credit file: its published results, its blacklist
    entries in force (basis and dates) and the public follow-up decisions on its results.
    No risk class, no complaint, no contact."""
    code = code.strip().upper()
    results = with_repairs(list(published_results().filter(uscc=code).only(*RESULT_FIELDS)
                                .order_by("-published_on", "-id")[:200]))
    targets = Target.objects.filter(uscc=code)
    today = timezone.localdate()
    blacklist = list(BlacklistEntry.objects.filter(target__in=targets, removed_on__isnull=True)
                     .filter(Q(until__isnull=True) | Q(until__gte=today))
                     .select_related("organisation")
                     .only("basis", "listed_on", "until", "organisation__name")
                     .order_by("-listed_on", "-id"))
    if not results and not blacklist:
        raise Http404
    name = results[0].entity_name if results else (
        targets.values_list("name", flat=True).first() or code)
    # The registration facts as the latest directory to hold the code keeps them.
    target = targets.order_by("-updated_at", "-pk").first()
    registration = None if target is None else Registration(
        target.entity_type, target.legal_rep, target.address, target.founded_on,
        target.get_reg_status_display() if target.reg_status else "",
        target.registration_authority, target.region_code)
    licences = [] if target is None else [
        PublicLicence(lic.number, lic.item, lic.decision_no, lic.authority, lic.decided_on,
                      lic.valid_from, lic.valid_to)
        for lic in target.licences.order_by("-decided_on", "number")]
    return EntityFile(code, name, results, blacklist, registration, licences,
                      public_decisions(code))
