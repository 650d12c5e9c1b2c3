"""Reads of freezes and draws for pages: the announcement, the result, my assignments.

The stored record can be large (it holds the pool's lines), so pages read only the keys they
need from it, in the database, and never load `Freeze.server_secret` into a template.
"""

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import is_admin, user_organisation_id
from shuangsuiji.entities.models import Contact, Target
from shuangsuiji.inspectors.models import Certificate, Inspector
from shuangsuiji.plans.choices import Stratification, TaskState, Verification
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.plans.selectors import sees_internal, stratum_name, task_organisation_id
from shuangsuiji.rules.draw.pools import OFFICER

from .models import Assignment, DrawnTarget, DrawRecord, Freeze

INTERNAL, PARTNER, INSPECTOR = "internal", "partner", "inspector"


def view_mode(*, user: Any, task: InspectionTask) -> str:
    """What of a draw this user sees: everything, their department's groups, or their targets."""
    if sees_internal(user=user, task=task):
        return INTERNAL
    if getattr(user, "role", None) in {Role.INSPECTOR, Role.EXPERT} and not is_admin(user):
        return INSPECTOR
    return PARTNER


def hides_tickets(*, user: Any, task: InspectionTask) -> bool:
    """Protocol §9, auditor verification: the seed and the tickets are for the initiating
    organisation's staff and auditors only. With the seed anyone computes a drawn target's
    ticket, and a ticket above what a low-risk stratum's ratio allows marks a high-risk target
    (the same for an inspector or a cooperating department as for the public)."""
    return (task.risk_strata and task.verification_mode == Verification.AUDITOR
            and view_mode(user=user, task=task) != INTERNAL)


def hides_positions(*, user: Any, task: InspectionTask) -> bool:
    """A position restarts at 1 in each risk stratum: it tells the classes apart."""
    return task.risk_strata and view_mode(user=user, task=task) != INTERNAL


# -- Freeze --------------------------------------------------------------------------------------

def announcement(freeze: Freeze, *, internal: bool = True) -> dict[str, Any]:
    """What is published at freezing (protocol §1). Deliberately a copy of the public fields:
    the server secret is not in it, so no template can show it by mistake."""
    officers: Counter[str] = Counter()
    experts: Counter[str] = Counter()
    for line in freeze.inspector_lines:
        _code, department, role = line.split("\t")
        (officers if role == OFFICER else experts)[department] += 1
    # Sizes per stratum say something only when stratified, and only to those who may see
    # the (internal) credit-risk classes.
    shown = freeze.task.stratification == Stratification.RISK and internal
    names = dict(Department.objects.filter(code__in=[d["code"] for d in freeze.departments])
                 .values_list("code", "name"))
    return {
        "pool_size": freeze.pool_size,
        "strata": [(stratum_name(label), n) for label, n in sorted(freeze.pool_strata.items())]
        if shown else [],
        "pool_digest": freeze.pool_digest,
        "inspector_size": len(freeze.inspector_lines),
        "inspector_digest": freeze.inspector_digest,
        "departments": [d | {"name": names.get(d["code"], d["code"]),
                             "eligible_officers": officers[d["code"]],
                             "eligible_experts": experts[d["code"]]}
                        for d in freeze.departments],
        "commitment": freeze.commitment,
        "verification": freeze.task.verification_mode,
        "verification_reason": freeze.task.verification_reason,
        "planned_draw_at": freeze.planned_draw_at,
        "frozen_at": freeze.frozen_at,
        "frozen_by": freeze.frozen_by,
    }


def freeze_get(task: InspectionTask) -> Freeze:
    return Freeze.objects.select_related("task", "frozen_by").defer("server_secret").get(
        task=task)


# -- Draw ----------------------------------------------------------------------------------------

def draw_get(task: InspectionTask) -> DrawRecord | None:
    """The task's draw record without its (possibly large) JSON document."""
    return (DrawRecord.objects.defer("record").select_related("drawn_by")
            .filter(task=task).first())


def record_parts(draw: DrawRecord, *keys: str) -> dict[str, Any]:
    """Top-level keys of the stored record, extracted by the database."""
    row = DrawRecord.objects.filter(pk=draw.pk).values(*(f"record__{k}" for k in keys)).get()
    return {k: row[f"record__{k}"] for k in keys}


def draw_summary(task: InspectionTask) -> dict[str, Any] | None:
    draw = draw_get(task)
    if draw is None:
        return None
    return {"draw": draw, "targets": draw.targets.filter(replaced_at__isnull=True).count()}


@dataclass
class Group:
    department: Department
    members: list[Inspector]


@dataclass
class TargetView:
    drawn: DrawnTarget
    groups: list[Group] = field(default_factory=list)
    replaces: DrawnTarget | None = None
    contacts: list[Contact] = field(default_factory=list)
    class_row: Target | None = None  # with_rows: the initiator's row of the entity
    link_row: Target | None = None  # with_rows: the reader's organisation's row
    show_ticket: bool = True  # False where hides_tickets / hides_positions say so
    show_position: bool = True

    @property
    def target(self) -> Target:
        return self.drawn.target


def certificate_on(inspector: Inspector, day: date) -> str:
    """The certificate valid on the draw day (the one the draw relied on), else the latest."""
    certificates: list[Certificate] = sorted(inspector.certificates.all(),
                                             key=lambda c: c.valid_to or date.max, reverse=True)
    for cert in certificates:
        if (cert.valid_from is None or cert.valid_from <= day) and (
                cert.valid_to is None or cert.valid_to >= day):
            return cert.number
    return certificates[0].number if certificates else ""


def _groups(task: InspectionTask, drawn: list[DrawnTarget], day: date,
            departments: set[int] | None = None) -> dict[int, list[Group]]:
    """Each target's groups in force: departments in the task's order, members by position."""
    order = {p.department_id: p.order for p in task.participants.all()}
    assignments = (Assignment.objects.filter(drawn_target__in=drawn, released_at__isnull=True)
                   .select_related("department", "inspector")
                   .prefetch_related("inspector__certificates")
                   .order_by("drawn_target_id", "position"))
    if departments is not None:
        assignments = assignments.filter(department_id__in=departments)
    grouped: dict[int, dict[int, Group]] = defaultdict(dict)
    for a in assignments:
        a.inspector.certificate_number = certificate_on(a.inspector, day)
        groups = grouped[a.drawn_target_id]
        groups.setdefault(a.department_id, Group(a.department, [])).members.append(a.inspector)
    return {target: sorted(groups.values(), key=lambda g: order.get(g.department.pk, 99))
            for target, groups in grouped.items()}


def targets_in_force(draw: DrawRecord, replacements: list[dict[str, Any]]) -> list[TargetView]:
    """In force, in the record's order: a replacement takes the place of the target it replaced."""
    rows = {t.ident: t for t in draw.targets.select_related("target")}
    successor = {e["out"]: e["in"] for e in replacements}
    views = []
    originals = sorted((t for t in rows.values() if not t.via_replacement),
                       key=lambda t: (t.stratum, t.position or 0))
    for original in originals:
        current, replaced = original, None
        while current.ident in successor:
            replaced, current = current, rows[successor[current.ident]]
        views.append(TargetView(current, replaces=replaced))
    return views


def result_targets(*, user: Any, task: InspectionTask, draw: DrawRecord,
                   replacements: list[dict[str, Any]]) -> list[TargetView]:
    """The targets this user may see, in the record's order (groups: with_groups); for
    those who may not see risk classes, in the order of the codes (the record's order, by
    stratum, would tell the classes apart)."""
    views = targets_in_force(draw, replacements)
    if task.risk_strata and view_mode(user=user, task=task) != INTERNAL:
        views = sorted(views, key=lambda v: v.drawn.ident.encode("utf-8"))
    if view_mode(user=user, task=task) == INSPECTOR:
        mine = set(Assignment.objects.filter(task=task, inspector__user=user,
                                             released_at__isnull=True)
                   .values_list("drawn_target_id", flat=True))
        views = [v for v in views if v.drawn.pk in mine]
    _mask(views, user=user, task=task)
    return views


def _mask(views: Sequence[TargetView], *, user: Any, task: InspectionTask) -> None:
    show_ticket = not hides_tickets(user=user, task=task)
    show_position = not hides_positions(user=user, task=task)
    for view in views:
        view.show_ticket, view.show_position = show_ticket, show_position


def with_groups(*, user: Any, task: InspectionTask, draw: DrawRecord,
                views: Sequence[TargetView]) -> Sequence[TargetView]:
    """Fill in each target's groups that this user may see: a cooperating department only
    its own. Done for a page of targets at a time: a large draw has thousands."""
    departments = None
    if view_mode(user=user, task=task) == PARTNER:
        org = user_organisation_id(user)
        departments = set(Department.objects.filter(root_id=org).values_list("pk", flat=True))
    groups = _groups(task, [v.drawn for v in views], timezone.localdate(draw.drawn_at),
                     departments)
    for view in views:
        view.groups = groups.get(view.drawn.pk, [])
    return views


def replacement_history(draw: DrawRecord,
                        replacements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The record's replacement entries with the names of the targets."""
    names = dict(draw.targets.values_list("ident", "target__name"))
    return [{"out": e["out"], "out_name": names.get(e["out"], ""), "in": e["in"],
             "in_name": names.get(e["in"], ""), "reason": e["reason"],
             "at": datetime.fromisoformat(e["at"]), "digest": e["digest"]}
            for e in replacements]


def drawn_and_standby(strata: dict[str, dict[str, int]] | None) -> tuple[int, int]:
    """How many were drawn, and how many wait on the standby lists: every candidate not drawn,
    n − k per stratum (protocol §4)."""
    strata = strata or {}
    drawn = sum(s["k"] for s in strata.values())
    return drawn, sum(s["n"] for s in strata.values()) - drawn


# -- My tasks (我的任务) ---------------------------------------------------------------------------

@dataclass
class MyTask:
    task: InspectionTask
    targets: list[TargetView]


def assignments_in_force(*, user: Any) -> QuerySet[Assignment]:
    """The assignments of the user's inspector record that are not released."""
    return Assignment.objects.filter(inspector__user=user, released_at__isnull=True)


def group_in_force(*, drawn_target_id: int, department_id: int) -> QuerySet[Assignment]:
    """One department's group on one drawn target as it stands, in its order."""
    return (Assignment.objects.filter(drawn_target_id=drawn_target_id,
                                      department_id=department_id, released_at__isnull=True)
            .select_related("inspector").order_by("position"))


def my_tasks(*, user: Any) -> list[MyTask]:
    """The targets the user's inspector record is assigned to (not released), by task, each with
    every department's group (so the groups can agree a date) and the target's contacts.

    Closed tasks are left out: their work is over, and in a province an inspector gathers
    hundreds of targets a year, which made this page grow without end (benchmarks/load.py).
    Their visits and results stay where they were, on the task's and the visit's pages."""
    mine = (assignments_in_force(user=user).exclude(task__state=TaskState.CLOSED)
            .select_related("task__initiating", "drawn_target__target")
            .annotate(drawn_at=F("drawn_target__draw__drawn_at"))  # not the record itself
            .order_by("-task__period_start", "task__code", "drawn_target__ident"))
    drawn_on: dict[int, date] = {}
    by_task: dict[int, MyTask] = {}
    for a in mine:
        block = by_task.setdefault(a.task_id, MyTask(a.task, []))
        # A non-random inspection has no draw: its groups as on the inspection date.
        drawn_on[a.task_id] = (timezone.localdate(a.drawn_at) if a.drawn_at
                               else a.task.period_start)
        if all(v.drawn.pk != a.drawn_target_id for v in block.targets):
            block.targets.append(TargetView(a.drawn_target))
    for block in by_task.values():
        drawn = [v.drawn for v in block.targets]
        groups = _groups(block.task, drawn, drawn_on[block.task.pk])
        people = _own_contacts(user, [d.target for d in drawn])
        for view in block.targets:
            view.groups = groups.get(view.drawn.pk, [])
            view.contacts = people.get(view.drawn.target_id, [])
        _mask(block.targets, user=user, task=block.task)
    return list(by_task.values())


def rows_of(organisation_id: int | None, targets: list[Target],
            contacts: bool = False) -> dict[int, Target | None]:
    """Each target's row in the organisation's own directory: itself when it is there, else
    the organisation's oldest row with its code (the city's shared directory: a joint task
    may have drawn another organisation's row), None when it does not know the entity. No
    organisation (an administrator): the targets themselves. One query for them all."""
    prefetch = [Prefetch("contacts", queryset=Contact.objects.order_by("id"))] if contacts else []
    if organisation_id is None:
        rows = Target.objects.filter(pk__in=[t.pk for t in targets]).prefetch_related(*prefetch)
        found = {row.pk: row for row in rows}
        return {t.pk: found.get(t.pk) for t in targets}
    codes = [t.uscc for t in targets if t.uscc]
    own = list(Target.objects.filter(department__root_id=organisation_id)
               .filter(Q(pk__in=[t.pk for t in targets]) | Q(uscc__in=codes))
               .order_by("-pk").prefetch_related(*prefetch))
    by_pk = {row.pk: row for row in own}
    by_code = {row.uscc: row for row in own if row.uscc}  # the oldest last, so it stays
    return {t.pk: by_pk.get(t.pk) or (by_code.get(t.uscc) if t.uscc else None)
            for t in targets}


def _own_contacts(user: Any, targets: list[Target]) -> dict[int, list[Contact]]:
    """Each drawn target's contacts as the user's organisation keeps them: its own row of
    the entity, none when it does not know it (personal data stays in the directory that
    recorded it; as inspections.selectors visit_contacts). An administrator, without an
    organisation, reads the drawn rows'."""
    rows = rows_of(user_organisation_id(user), targets, contacts=True)
    return {pk: list(row.contacts.all()) if row is not None else []
            for pk, row in rows.items()}


def with_rows(*, user: Any, task: InspectionTask, views: list[TargetView],
              opens_targets: bool) -> None:
    """Each view's rows for the result page: `class_row`, the initiating organisation's row
    of the entity (whose class the internal page shows: another organisation's class is its
    own), and `link_row`, the user's organisation's row, linked when the user opens the
    directory (another organisation's row would answer 404)."""
    targets = [v.target for v in views]
    initiator = task_organisation_id(task)
    class_rows = rows_of(initiator, targets)
    user_org = user_organisation_id(user)
    links = (class_rows if user_org == initiator else rows_of(user_org, targets)
             ) if opens_targets else {}
    for view in views:
        view.class_row = class_rows.get(view.target.pk)
        view.link_row = links.get(view.target.pk)
