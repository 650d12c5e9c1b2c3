"""Freezing a task, the one-shot draw, and replacements (protocol §1–§6).

The engine (shuangsuiji.rules.draw) does the arithmetic; this module fixes the inputs, keeps
the secret, stores the record and its rows, and writes every step to the audit chain.
"""

from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shuangsuiji.accounts.models import User
from shuangsuiji.accounts.scoping import Domain, may_change_in
from shuangsuiji.core import signing
from shuangsuiji.core.anchors import AnchorReason, anchor_take
from shuangsuiji.core.audit import audit_record
from shuangsuiji.core.i18n import reason as rule_reason
from shuangsuiji.core.models import SignedSubject
from shuangsuiji.entities.models import Target
from shuangsuiji.imports.sql import bulk_writer
from shuangsuiji.inspectors.models import Conflict, Inspector
from shuangsuiji.plans import services as plan_services
from shuangsuiji.plans.choices import (
    KINDS_NEEDING_REFERENCE,
    NONRANDOM_KINDS,
    DepartmentRole,
    Invitation,
    Stratification,
    TaskKind,
    TaskState,
)
from shuangsuiji.plans.models import CityPolicy, InspectionTask, TaskDepartment
from shuangsuiji.plans.selectors import task_organisation_id
from shuangsuiji.rules.draw import pools as P
from shuangsuiji.rules.draw.bulk import bulk_draw, write_record
from shuangsuiji.rules.draw.engine import DepartmentSpec, DrawFailed, run_draw
from shuangsuiji.rules.draw.engine import DrawnTarget as EngineDrawnTarget
from shuangsuiji.rules.draw.record import build_record, replacement_entry
from shuangsuiji.rules.draw.sizes import StratumRule
from shuangsuiji.rules.draw.tickets import ticket
from shuangsuiji.rules.publication import contains_personal_data

from . import frozen, records
from .models import Assignment, DrawnTarget, DrawRecord, Freeze
from .pool import (
    candidate_targets,
    conflicts_for,
    department_subtree,
    inspector_pool,
    recent_inspections,
    rules_of,
    since_day,
    yearly_cap,
)
from .signals import send_basis_check, send_groups_drawn, send_targets_drawn

MIN_CEREMONY_INPUT = 20
# The audit entry of a draw lists the drawn targets up to this many (the record lists all).
AUDIT_DRAWN_MAX = 1000
# Pools at least this large are drawn by the bulk path (C keys, numpy order, streamed record).
BULK_DRAW_FROM = 20_000
# How far ahead a draw may be planned: the inspector pool is fixed for that day.
MAX_PLANNING = timedelta(days=366)


class DrawRefused(ValidationError):
    """The task cannot be frozen or drawn now (wrong state, already drawn, bad input)."""


def _iso(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def require_runner(actor: User | None, task: InspectionTask) -> None:
    """Freezing, drawing and replacing are for the office of the task's organisation (法宣科牵头)
    and administrators; None is the system itself (the demo, a command)."""
    if actor is not None and not may_change_in(actor, Domain.DRAWS, task_organisation_id(task)):
        raise PermissionDenied


def _lock(task: InspectionTask, state: str) -> InspectionTask:
    task = InspectionTask.objects.select_for_update().select_related("initiating").get(pk=task.pk)
    if task.state != state:
        if state == TaskState.FROZEN and task.state != TaskState.DRAFT:
            raise DrawRefused(_("Task {code} has already been drawn: a task is drawn once.")
                              .format(code=task.code))
        raise DrawRefused(_("Task {code} is {state}.").format(code=task.code,
                                                              state=task.get_state_display()))
    return task


# -- Freeze ---------------------------------------------------------------------------------------

def check_planned_draw_at(moment: datetime) -> None:
    """A freeze asked for now plans its draw from now (the minute being typed counts: a
    datetime-local input has no seconds) to a year ahead. jobs.freeze_or_queue checks it for
    the page and the API; task_freeze takes the time as given, as a queued freeze runs later."""
    now = timezone.now()
    if moment < now.replace(second=0, microsecond=0) - timedelta(minutes=1):
        raise DrawRefused({"planned_draw_at": _(
            "The planned draw time has passed: choose a later time.")})
    if moment > now + MAX_PLANNING:
        raise DrawRefused({"planned_draw_at": _(
            "Plan the draw within a year: the inspector pool is fixed for that day.")})


@transaction.atomic
def task_freeze(*, actor: User | None, task: InspectionTask, planned_draw_at: datetime) -> Freeze:
    """Fix both pools and publish their digests with the commitment; no outcome is computed."""
    require_runner(actor, task)
    task = _lock(task, TaskState.DRAFT)
    participants = list(task.participants.select_related("department"))
    if any(not p.items.exists() for p in participants):
        raise DrawRefused(_("Every participating department needs checklist items."))
    waiting = [p.department.name for p in participants if p.invitation != Invitation.ACCEPTED]
    if waiting:
        raise DrawRefused(_("The draw waits until every invited department has accepted: "
                            "{departments}.").format(departments="、".join(waiting)))
    day = timezone.localdate(planned_draw_at)
    inspectors = P.sorted_lines(P.inspector_line(i) for i in inspector_pool(task, day))
    secret = P.new_server_secret()
    freeze = Freeze.objects.create(
        task=task, pool_digest="", pool_size=0, inspector_digest=P.lines_digest(inspectors),
        inspector_lines=[line.rstrip("\n") for line in inspectors], server_secret=secret,
        commitment=P.commitment(secret),
        departments=[{"code": p.department.code, "officers": p.officers, "experts": p.experts}
                     for p in participants],
        planned_draw_at=planned_draw_at, frozen_by=actor if getattr(actor, "pk", None) else None)
    # Set-wise, in the database: a province's pool is millions of candidates.
    frozen.insert_candidates(freeze, candidate_targets(task, day))
    pool, digest = frozen.first_read(freeze)
    frozen.write_parts(freeze, pool)
    strata = frozen.pool_strata(freeze)
    if not strata:
        strata = {P.UNSTRATIFIED: 0} if task.stratification == Stratification.NONE else {}
    freeze.pool_digest = digest
    freeze.pool_size = pool.count(b"\n")
    freeze.pool_strata = strata
    freeze.rules = {k: r.as_json() for k, r in rules_of(task, strata).items()}
    freeze.save(update_fields=["pool_digest", "pool_size", "pool_strata", "rules"])
    task.state = TaskState.FROZEN
    task.yearly_cap = yearly_cap(task)  # the city's, as applied: the task's record of it
    task.save(update_fields=["state", "yearly_cap", "updated_at"])
    audit_record(actor=actor, action="task.freeze", obj=task,
                 organisation_id=task_organisation_id(task),
                 summary=_("Task {code} frozen: {n} candidates, commitment {commitment}").format(
                     code=task.code, n=freeze.pool_size, commitment=freeze.commitment[:16]),
                 data={"pool_digest": freeze.pool_digest, "pool_size": freeze.pool_size,
                       "strata": strata, "inspector_digest": freeze.inspector_digest,
                       "inspectors": len(inspectors), "commitment": freeze.commitment,
                       "planned_draw_at": _iso(planned_draw_at),
                       "yearly_cap": task.yearly_cap})
    return freeze


# -- Draw ----------------------------------------------------------------------------------------

def clean_ceremony(ceremony_input: str, witnesses: Sequence[str]) -> tuple[str, list[str]]:
    """The ceremony input and the witnesses as the draw takes them, or DrawRefused."""
    ceremony_input = ceremony_input.strip()
    witnesses = [w.strip() for w in witnesses if w.strip()]
    if len(ceremony_input) < MIN_CEREMONY_INPUT:
        raise DrawRefused({"ceremony_input": _(
            "The ceremony input needs at least {n} characters.").format(n=MIN_CEREMONY_INPUT)})
    if not witnesses:
        raise DrawRefused({"witnesses": _("Name at least one witness.")})
    return ceremony_input, witnesses


def draw_execute(*, actor: User | None, task: InspectionTask, ceremony_input: str,
                 witnesses: Sequence[str], source: str,
                 present: Sequence[str] = (), place: str = "") -> DrawRecord:
    """The one draw of a frozen task. A second draw, even a simultaneous one, is refused."""
    require_runner(actor, task)
    ceremony_input, witnesses = clean_ceremony(ceremony_input, witnesses)
    try:
        with transaction.atomic(durable=True):
            return _draw(actor=actor, task=task, ceremony_input=ceremony_input,
                         witnesses=witnesses, source=source.strip(), present=list(present),
                         place=place.strip())
    except IntegrityError as exc:  # the OneToOne on DrawRecord.task: someone drew first
        raise DrawRefused(_("Task {code} has already been drawn: a task is drawn once.")
                          .format(code=task.code)) from exc
    except DrawFailed as exc:
        message = rule_reason(exc)
        audit_record(actor=actor, action="draw.failed", obj=task,
                     organisation_id=task_organisation_id(task),
                     summary=_("Draw of task {code} failed: {reason}").format(
                         code=task.code, reason=message),
                     data={"reason": message, "ceremony_input": ceremony_input,
                           "witnesses": witnesses})
        raise


def _check_inspectors_still_eligible(freeze: Freeze, day: date) -> None:
    if timezone.localdate(freeze.planned_draw_at) == day:
        return
    codes = [line.split("\t")[0] for line in freeze.inspector_lines]
    for inspector in Inspector.objects.filter(code__in=codes).prefetch_related(
            "certificates", "status_changes"):
        if not inspector.is_eligible_on(day):
            raise DrawFailed(gettext_noop(
                "inspector {inspector} is no longer eligible on {day} (certificate or status); "
                "the pool was frozen for {planned}"),
                             inspector=inspector.code, day=day.isoformat(),
                             planned=timezone.localdate(freeze.planned_draw_at).isoformat())


def _draw(*, actor: User | None, task: InspectionTask, ceremony_input: str, witnesses: list[str],
          source: str, present: list[str], place: str = "") -> DrawRecord:
    task = _lock(task, TaskState.FROZEN)
    freeze = task.freeze
    now = timezone.now()
    day = timezone.localdate(now)
    _check_inspectors_still_eligible(freeze, day)
    pool, digest = frozen.pool_buffer(freeze)
    if digest != freeze.pool_digest:
        raise DrawFailed(gettext_noop("the frozen pool no longer matches its digest"))
    inspectors = [P.parse_inspector_line(line) for line in freeze.inspector_lines]
    seed = P.make_seed(freeze.server_secret, ceremony_input, freeze.pool_digest,
                       freeze.inspector_digest)
    conflicts = conflicts_for(task, {i.id for i in inspectors}, freeze, day)
    rules = {label: StratumRule.from_json(rule) for label, rule in freeze.rules.items()}
    departments = [DepartmentSpec(d["code"], d["officers"], d["experts"])
                   for d in freeze.departments]
    inputs: dict[str, Any] = dict(
        task={"id": str(task.pk), "code": task.code, "name": task.name},
        pool_digest=freeze.pool_digest, pool_strata=freeze.pool_strata,
        inspector_lines=freeze.inspector_lines, inspector_digest=freeze.inspector_digest,
        server_secret=freeze.server_secret, commitment=freeze.commitment,
        ceremony_input=ceremony_input, witnesses=witnesses, ceremony_source=source, seed=seed,
        rules=rules, departments=departments, lookback_days=task.lookback_days,
        conflicts=conflicts, drawn_at=_iso(now))
    draw = DrawRecord(task=task, seed=seed, ceremony_input=ceremony_input,
                      ceremony_source=source, witnesses=witnesses, present=present, place=place,
                      drawn_at=now,
                      drawn_by=actor if getattr(actor, "pk", None) else None)
    if freeze.pool_size >= BULK_DRAW_FROM:
        # Same record, byte for byte (tests/rules/draw/test_bulk.py), without an object
        # per candidate. Only hashed here: the row keeps the record without its big arrays,
        # the frozen pool keeps the rest, and the file is made when first asked for
        # (records.py).
        bulk = bulk_draw(pool_buffer=pool, seed=seed, rules=rules, inspectors=inspectors,
                         departments=departments, conflicts=conflicts)
        written = write_record(None, draw=bulk, **inputs)
        draw.record, draw.record_digest = written.head, written.digest
        drawn_targets = bulk.drawn
    else:
        lines = pool.decode("utf-8").splitlines()
        result = run_draw(seed=seed, candidates=[P.Candidate(*line.split("\t"))
                                                 for line in lines],
                          rules=rules, inspectors=inspectors, departments=departments,
                          conflicts=conflicts)
        record = build_record(pool_lines=lines, result=result, **inputs)
        draw.record, draw.record_digest = record, record["record_digest"]
        drawn_targets = result.drawn
    return _save_draw(actor, task, draw, drawn_targets,
                      frozen.targets_of(freeze, (t.id for t in drawn_targets)),
                      freeze.pool_size)


def _save_draw(actor: User | None, task: InspectionTask, draw: DrawRecord,  # noqa: PLR0917
               drawn_targets: Sequence[EngineDrawnTarget], target_of: dict[str, int],
               pool_size: int) -> DrawRecord:
    draw.save()
    n = len(drawn_targets)
    _insert(DrawnTarget, {
        "draw_id": [draw.pk] * n, "task_id": [task.pk] * n,
        "target_id": [target_of[t.id] for t in drawn_targets],
        "ident": [t.id for t in drawn_targets], "stratum": [t.stratum for t in drawn_targets],
        "ticket": [t.ticket for t in drawn_targets],
        "position": [t.position for t in drawn_targets], "via_replacement": [False] * n,
        "replaced_at": [None] * n, "replaced_reason": [""] * n})
    drawn = dict(draw.targets.values_list("ident", "pk"))
    _save_groups(task, drawn, draw.record["groups"])
    task.state = TaskState.DRAWN
    task.save(update_fields=["state", "updated_at"])
    made = send_targets_drawn(task)  # the visits (inspections)
    made |= send_groups_drawn(task, drawn_target_ids=list(drawn.values()),
                              replaced=None)  # the inspectors' notices
    data: dict[str, Any] = {"record_digest": draw.record_digest, "seed": draw.seed,
                            "ceremony_input": draw.ceremony_input,
                            "witnesses": draw.witnesses, "drawn_count": len(drawn), **made}
    if len(drawn) <= AUDIT_DRAWN_MAX:  # more are in the record, which the digest fixes
        data["drawn"] = sorted(drawn)
    audit_record(actor=actor, action="draw.execute", obj=task,
                 organisation_id=task_organisation_id(task),
                 summary=_("Task {code} drawn: {k} of {n} targets, record {digest}").format(
                     code=task.code, k=len(drawn), n=pool_size,
                     digest=draw.record_digest[:16]),
                 data=data)
    anchor_take(reason=AnchorReason.DRAW, obj=task, note=task.code)  # covers the entry above
    # The record's digest fixes the record (`draw verify` checks it); the office signs it (SM2).
    signing.sign_published(subject=SignedSubject.DRAW, obj=task,
                           message=signing.draw_message(task.code, draw.record_digest))
    return draw


def _save_groups(task: InspectionTask, drawn: dict[str, int],
                 groups: list[dict[str, Any]]) -> None:
    """The groups' assignments; `drawn` gives each target's DrawnTarget id."""
    codes = {i for g in groups for i in g["inspectors"]}
    inspectors = dict(Inspector.objects.filter(code__in=codes).values_list("code", "pk"))
    departments = {p.department.code: p.department_id
                   for p in task.participants.select_related("department")}
    members = [(g, pos, code) for g in groups for pos, code in enumerate(g["inspectors"], start=1)]
    n = len(members)
    _insert(Assignment, {
        "task_id": [task.pk] * n, "drawn_target_id": [drawn[g["target"]] for g, _p, _c in members],
        "department_id": [departments[g["department"]] for g, _p, _c in members],
        "inspector_id": [inspectors[code] for _g, _p, code in members],
        "position": [pos for _g, pos, _c in members], "released_at": [None] * n,
        "released_for": [""] * n, "replaces_id": [None] * n})


def _insert(model: Any, columns: dict[str, Sequence[Any]]) -> None:
    """Rows of `model`, given column by column (every column but the id), written by COPY
    on PostgreSQL: a province's draw has hundreds of thousands of assignments, and
    bulk_create spent more on a model object and a prepared value per field than the
    database spent storing them."""
    fields = {f.attname: f.column for f in model._meta.concrete_fields if not f.primary_key}
    if set(columns) != set(fields):
        raise ValueError(f"{model.__name__} needs the columns {sorted(fields)}")
    with bulk_writer(model._meta.db_table, [fields[name] for name in columns]) as writer:
        writer.rows(list(columns.values()))


# -- Replacement --------------------------------------------------------------------------------

@transaction.atomic
def draw_replace(*, actor: User | None, task: InspectionTask, ident: str,
                 reason: str) -> DrawnTarget:
    """替补: the next standby of the same stratum takes the place of a target that cannot be
    inspected; its groups are matched by the same rule, the replaced target's released."""
    require_runner(actor, task)
    if not reason.strip():
        raise DrawRefused({"reason": _("Say why the target cannot be inspected.")})
    if contains_personal_data(reason):  # the reason is in the public record (protocol §9)
        raise DrawRefused({"reason": _("The reason is published with the record: leave out "
                                       "identity numbers and phone numbers.")})
    task = InspectionTask.objects.select_for_update().get(pk=task.pk)
    if task.state not in {TaskState.DRAWN, TaskState.IN_PROGRESS}:
        raise DrawRefused(_("Targets can be replaced only after the draw and before the task "
                            "is finished."))
    draw = task.draw
    now = timezone.now()
    try:
        entry = replacement_entry(records.replacement_state(draw), out=ident,
                                  reason=reason.strip(), at=_iso(now))
    except DrawFailed as exc:
        raise DrawRefused(rule_reason(exc)) from exc
    draw.record["replacements"].append(entry)
    draw.save(update_fields=["record"])
    out = draw.targets.get(ident=ident)
    out.replaced_at, out.replaced_reason = now, reason.strip()
    out.save(update_fields=["replaced_at", "replaced_reason"])
    out.assignments.filter(released_at__isnull=True).update(released_at=now,
                                                            released_for="replaced")
    candidate = task.freeze.candidates.get(ident=entry["in"])
    incoming = DrawnTarget.objects.create(draw=draw, task=task,
                                          # set by the freeze's INSERT … SELECT of targets
                                          target_id=candidate.target_id,  # type: ignore[misc]
                                          ident=entry["in"], stratum=candidate.stratum,
                                          ticket=ticket(entry["in"], draw.seed),
                                          position=None, via_replacement=True)
    _save_groups(task, {entry["in"]: incoming.pk}, entry["groups"])
    made = send_targets_drawn(task)  # the incoming target's visit
    made |= send_groups_drawn(task, drawn_target_ids=[incoming.pk],
                              replaced={"ident": ident, "reason": reason.strip()})
    audit_record(actor=actor, action="draw.replace", obj=task,
                 organisation_id=task_organisation_id(task),
                 summary=_("Task {code}: {out} replaced by {incoming} ({reason})").format(
                     code=task.code, out=ident, incoming=entry["in"], reason=reason),
                 data={"entry": entry, **made})
    return incoming


# -- Records ------------------------------------------------------------------------------------

def record_stream(task: InspectionTask, *, public: bool) -> Iterator[bytes]:
    """The full record (auditors) or the public one (anyone) as canonical JSON, in pieces: a
    large draw's record is never held whole, as bytes or as objects."""
    return records.record_chunks(task, public=public)


@transaction.atomic
def record_download(*, actor: User | None, task: InspectionTask, via: str) -> Iterator[bytes]:
    """The full record for someone entitled to it (the initiating organisation's staff, an
    auditor), each download in the audit log (protocol §9): it holds the risk classes and
    the conflicts of interest. `via`: page, api or cli."""
    record_read(actor=actor, task=task, via=via)
    return records.record_chunks(task, public=False)


@transaction.atomic
def record_read(*, actor: User | None, task: InspectionTask, via: str) -> None:
    """The audit entry of a read of the full record, also as the written record (`via`
    print or pdf: it shows the server secret and every target's credit-risk class)."""
    audit_record(actor=actor, action="draw.record_download", obj=task,
                 organisation_id=task_organisation_id(task),
                 summary=_("Full draw record of task {code} downloaded ({via})").format(
                     code=task.code, via=via),
                 data={"via": via})


def record_for_export(task: InspectionTask, *, public: bool) -> dict[str, Any]:
    """The full record (auditors) or the public one (anyone), as Python objects; exports of
    any size stream records.record_chunks."""
    return records.record_dict(task, public=public)


# -- Inspections that are not drawn ---------------------------------------------------------------

class RecentInspections(ValidationError):
    """The entity was inspected within the city's recent window: the office must confirm."""

    def __init__(self, recent: list[dict[str, Any]]) -> None:
        super().__init__(_("This entity was inspected recently: confirm to go on."))
        self.recent = recent


def _nonrandom_code(organisation: Any, kind: str, day: date) -> str:
    prefix = f"{organisation.code}-{kind.upper()}-{day:%Y%m%d}-"
    n = InspectionTask.objects.filter(code__startswith=prefix).count() + 1
    while InspectionTask.objects.filter(code=f"{prefix}{n:02d}").exists():
        n += 1
    return f"{prefix}{n:02d}"


def _check_group(target: Target, inspectors: list[Inspector], *, organisation_ids: set[int],
                 item_ids: set[int], day: date, lookback_days: int) -> None:
    """The checks a draw applies to a group, for inspectors the office chose: its own, in post
    and certified that day, allowed every item, at least two officers, no 回避 in force with
    the target and none who inspected it within the look-back period."""
    if len({i.pk for i in inspectors}) != len(inspectors):
        raise ValidationError({"inspectors": _("An inspector is chosen twice.")})
    for inspector in inspectors:
        if inspector.department_id not in organisation_ids:
            raise ValidationError({"inspectors": _(
                "{name} is not an inspector of this organisation.").format(name=inspector.name)})
        if not inspector.is_eligible_on(day):
            raise ValidationError({"inspectors": _(
                "{name} cannot inspect on {day}: not in post, or no valid certificate."
            ).format(name=inspector.name, day=day)})
        scope = {item.pk for item in inspector.item_scope.all()}
        if scope and not item_ids <= scope:
            raise ValidationError({"inspectors": _(
                "{name} is not allowed to inspect every item of the checklist.").format(
                    name=inspector.name)})
    if sum(1 for i in inspectors if i.role == "officer") < 2:
        raise ValidationError({"inspectors": _("A group needs at least 2 officers.")})
    codes = [i.pk for i in inspectors]
    # A 回避 recorded on any organisation's row of the entity (the city's shared directory).
    same_entity = Q(target__uscc=target.uscc) if target.uscc else Q(target=target)
    conflicted = list(Conflict.objects.in_force_on(day).filter(
        same_entity, inspector_id__in=codes).values_list("inspector__name", flat=True))
    if lookback_days:
        conflicted += list(Assignment.objects.filter(
            since_day(day - timedelta(days=lookback_days), "drawn_target__"),
            inspector_id__in=codes, released_at__isnull=True, drawn_target__target=target)
            .values_list("inspector__name", flat=True))
    if conflicted:
        raise ValidationError({"inspectors": _(
            "Conflict of interest (回避) with this entity, or inspected it within the look-back "
            "period: {names}.").format(names=", ".join(sorted(set(conflicted))))})


@transaction.atomic
def nonrandom_create(*, actor: User | None, target: Target, kind: str, basis: str,
                     reference: str = "", day: date, item_ids: Sequence[int],
                     inspector_ids: Sequence[int], name: str = "",
                     confirm_recent: bool = False) -> InspectionTask:
    """Record an inspection the office chose (重点检查, 专项检查, 投诉举报核查, 上级交办) of a
    target of its directory: a task of that kind with one target, no draw, and the group
    the office chose, which then goes through the same visit, result, review and publication
    as a drawn one. RecentInspections if the entity was inspected within the city's recent
    window and `confirm_recent` is not given; the confirmation is in the audit entry."""
    organisation = target.department.root or target.department
    if actor is not None and not may_change_in(actor, Domain.DRAWS, organisation.pk):
        raise PermissionDenied
    if kind not in NONRANDOM_KINDS:
        raise ValidationError({"kind": _("Choose the kind of a non-random inspection.")})
    basis, reference = basis.strip(), reference.strip()
    if not basis:
        raise ValidationError({"basis": _("Give the reason and basis of the inspection.")})
    if kind in KINDS_NEEDING_REFERENCE and not reference:
        raise ValidationError({"reference": _(
            "Give the complaint's number or the superior's assignment reference.")})
    if day > timezone.localdate() + MAX_PLANNING:
        raise ValidationError({"day": _("Plan the inspection within a year.")})
    if not item_ids:
        raise ValidationError({"items": _("Choose the checklist items.")})
    plan_services.check_checklist(organisation, item_ids)
    inspectors = list(Inspector.objects.filter(pk__in=inspector_ids)
                      .prefetch_related("certificates", "status_changes", "item_scope"))
    if len(inspectors) != len(set(inspector_ids)):
        raise ValidationError({"inspectors": _("No such inspector.")})
    lookback = InspectionTask._meta.get_field("lookback_days").default
    _check_group(target, inspectors, organisation_ids=set(department_subtree(organisation)),
                 item_ids=set(item_ids), day=day, lookback_days=lookback)
    # What the reference names (a complaint of the organisation about this entity), checked
    # by the app that keeps it.
    basis_record = send_basis_check(kind=kind, reference=reference,
                                    organisation_id=organisation.pk, target=target)
    recent = recent_inspections(target, day, CityPolicy.current().recent_days)
    if recent and not confirm_recent:
        raise RecentInspections(recent)
    task = InspectionTask(
        code=_nonrandom_code(organisation, kind, day), kind=kind, basis=basis,
        basis_reference=reference, initiating=organisation,
        name=name.strip() or f"{TaskKind(kind).label}：{target.name}",
        period_start=day, period_end=day, lookback_days=lookback,
        method_text=_("On-site inspection by the group the office chose."),
        state=TaskState.DRAWN, created_by=actor if getattr(actor, "pk", None) else None)
    task.full_clean()
    task.save()
    officers = sum(1 for i in inspectors if i.role == "officer")
    participant = TaskDepartment.objects.create(
        task=task, department=organisation, role=DepartmentRole.INITIATING,
        officers=officers, experts=len(inspectors) - officers)
    participant.items.set(item_ids)
    drawn = DrawnTarget.objects.create(draw=None, task=task, target=target,
                                       ident=target.draw_id, stratum="", ticket="", position=None)
    Assignment.objects.bulk_create(
        Assignment(task=task, drawn_target=drawn, department=organisation, inspector=inspector,
                   position=n) for n, inspector in enumerate(inspectors, 1))
    made = send_targets_drawn(task)  # the visit and the result sheet (inspections)
    audit_record(actor=actor, action="inspection.nonrandom", obj=task,
                 organisation_id=organisation.pk,
                 summary=_("{kind} of {target} on {day} recorded as {code}").format(
                     kind=TaskKind(kind).label, target=target.draw_id, day=day, code=task.code),
                 data={"kind": kind, "basis": basis, "reference": reference, "day": day,
                       "target": target.draw_id, "items": sorted(item_ids),
                       "inspectors": [i.code for i in inspectors],
                       "recent_confirmed": [{**r, "on": r["on"].isoformat()} for r in recent],
                       **basis_record, **made})
    return task
