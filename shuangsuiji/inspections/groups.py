"""换人: an inspector taken out of a drawn group for a conflict of interest (回避) registered
after the pools were frozen, and the one who takes the place.

The draw record keeps its groups as drawn (its conflicts are those frozen with the pools, and
its public version never shows a conflict), so the substitution lives here, beside the
visits: the released assignment and the new one linked by `replaces`, and an audit entry with
every input of the rule (rules/draw/substitution.py), from which an auditor holding the full
record recomputes the choice. Once the department has entered its result, the group stands.
"""

from collections import Counter
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.accounts.models import User
from shuangsuiji.accounts.scoping import Domain, may_change_in
from shuangsuiji.core.audit import audit_record
from shuangsuiji.core.i18n import reason as rule_reason
from shuangsuiji.draws import records
from shuangsuiji.draws.models import Assignment
from shuangsuiji.entities.models import Target
from shuangsuiji.inspectors.models import Conflict, Inspector
from shuangsuiji.plans.choices import TaskState
from shuangsuiji.plans.selectors import task_organisation_id
from shuangsuiji.rules.draw.engine import DrawFailed
from shuangsuiji.rules.draw.record import inspectors_of
from shuangsuiji.rules.draw.substitution import substitute

from .models import Inspection
from .signals import send_group_substituted

RELEASED_FOR_CONFLICT = "conflict"


def conflicts_with(target: Target) -> Q:
    """Conflicts in the registry about this entity: by its code in any directory, else the row."""
    return Q(target__uscc=target.uscc) if target.uscc else Q(target=target)


def _may_substitute(actor: User | None, assignment: Assignment) -> bool:
    if actor is None:  # the system: a draw or a replacement
        return True
    return (may_change_in(actor, Domain.DRAWS, task_organisation_id(assignment.task))
            or may_change_in(actor, Domain.TARGETS, assignment.department.root_id
                             or assignment.department_id))


def result_entered(assignment: Assignment) -> bool:
    """Whether the department has entered its result of the visit: the group then stands."""
    return Inspection.objects.filter(visit__drawn_target_id=assignment.drawn_target_id,
                                     department_id=assignment.department_id,
                                     entered_at__isnull=False).exists()


@transaction.atomic
def group_substitute(*, actor: User | None, assignment: Assignment, why: str,
                     notify: bool = True) -> Assignment:
    """Take the assignment's inspector out of the group for a conflict of interest and put in
    the one §5's rule picks now; `why` names the conflict for the audit entry (never public).
    `notify`: tell both inspectors (not at a draw or replacement, whose notices go to the
    groups as they stand)."""
    a = (Assignment.objects.select_for_update()
         .select_related("task__initiating", "department", "inspector", "drawn_target__target")
         .get(pk=assignment.pk))
    if not _may_substitute(actor, a):
        raise PermissionDenied
    if a.released_at is not None:
        raise ValidationError(_("This inspector is no longer in the group."))
    if a.task.state not in {TaskState.DRAWN, TaskState.IN_PROGRESS}:
        raise ValidationError(_("Groups change only between the draw and the end of the task."))
    if result_entered(a):
        raise ValidationError(_("The department has entered its result of this visit: the "
                                "group that inspected stands."))
    draw = a.task.draw
    record = records.replacement_state(draw)
    target, day = a.drawn_target.target, timezone.localdate()
    pool = [i for i in inspectors_of(record)
            if i.department == a.department.code and i.role == a.inspector.role]
    in_group = set(Assignment.objects.filter(drawn_target=a.drawn_target, released_at__isnull=True)
                   .values_list("inspector__code", flat=True))
    conflicted = set(Conflict.objects.in_force_on(day).filter(conflicts_with(target))
                     .values_list("inspector__code", flat=True))
    conflicted |= {c["inspector"] for c in record["conflicts"]
                   if c["target"] == a.drawn_target.ident}
    ineligible = {i.code for i in Inspector.objects.filter(code__in=[p.id for p in pool])
                  .prefetch_related("certificates", "status_changes")
                  if not i.is_eligible_on(day)}
    blocked = in_group | conflicted | ineligible | {a.inspector.code}
    loads = Counter(Assignment.objects.filter(task=a.task, released_at__isnull=True,
                                              drawn_target__replaced_at__isnull=True)
                    .values_list("inspector__code", flat=True))
    try:
        code = substitute(inspectors=pool, seed=draw.seed, department=a.department.code,
                          role=a.inspector.role, blocked=blocked, loads=loads)
    except DrawFailed as exc:
        raise ValidationError(rule_reason(exc)) from exc
    now = timezone.now()
    a.released_at, a.released_for = now, RELEASED_FOR_CONFLICT
    a.save(update_fields=["released_at", "released_for"])
    incoming = Assignment.objects.create(
        task=a.task, drawn_target=a.drawn_target, department=a.department,
        inspector=Inspector.objects.get(code=code), position=a.position, replaces=a)
    made = send_group_substituted(assignment=incoming) if notify else {}
    audit_record(actor=actor, action="group.substitute", obj=a.task,
                 organisation_id=task_organisation_id(a.task),
                 summary=_("Task {code}: in the {department} group for {target}, {out} "
                           "replaced by {incoming} (conflict of interest)").format(
                     code=a.task.code, department=a.department.name,
                     target=a.drawn_target.ident, out=a.inspector.code, incoming=code),
                 data={"target": a.drawn_target.ident, "department": a.department.code,
                       "role": a.inspector.role, "out": a.inspector.code, "in": code,
                       "why": why, "blocked": sorted(blocked),
                       "loads": {p.id: loads.get(p.id, 0) for p in pool}, **made})
    return incoming


def substitute_conflicted(*, actor: User | None, task: Any,
                          drawn_target_ids: list[int] | None) -> tuple[int, list[Assignment]]:
    """Every member of the task's groups in force (of these targets, or all) with a conflict
    in force in the registry (made after the freeze, so not in the record) is substituted.
    Returns how many were, and the assignments that could not be (no eligible inspector, or
    the result entered)."""
    day = timezone.localdate()
    in_conflict = Conflict.objects.in_force_on(day).filter(
        Q(target__uscc__isnull=False, target__uscc=OuterRef("drawn_target__target__uscc"))
        | Q(target_id=OuterRef("drawn_target__target_id")),
        inspector_id=OuterRef("inspector_id"))
    groups = Assignment.objects.filter(task=task, released_at__isnull=True)
    if drawn_target_ids is not None:
        groups = groups.filter(drawn_target_id__in=drawn_target_ids)
    found = list(groups.filter(Exists(in_conflict)).order_by("pk"))
    done, stuck = 0, []
    for a in found:
        try:
            group_substitute(actor=actor, assignment=a, why="conflict", notify=False)
            done += 1
        except ValidationError:
            stuck.append(a)
    return done, stuck


def on_groups_drawn(sender: Any, *, task: Any, drawn_target_ids: list[int],
                    replaced: dict[str, str] | None = None, **_kwargs: Any) -> dict[str, int]:
    """draws.signals.groups_drawn: conflicts registered between the freeze and the draw, or
    before a standby comes in, keep the inspector away from the entity all the same. Runs
    before the notices (app order), which then go to the groups as they stand."""
    # At the draw every group is new: the task's, not a list of (maybe millions of) ids.
    done, stuck = substitute_conflicted(actor=None, task=task,
                                        drawn_target_ids=drawn_target_ids if replaced else None)
    return {"substituted": done, "substitution_failed": len(stuck)} if done or stuck else {}
