"""联合抽查建议: the city's leading group office proposes a joint task across departments
("能联尽联"); the proposed lead department's office takes it up or declines it.

The city proposes and reads; it never makes a task itself (each organisation runs its own
draws). Taking up makes a draft task of the lead organisation inviting every proposed
department, which then answers the invitation as any other (plans.services).
"""

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.accounts.choices import DepartmentKind, Role
from shuangsuiji.accounts.models import Department, User
from shuangsuiji.accounts.scoping import is_admin, user_organisation_id
from shuangsuiji.core.audit import audit_record

from . import services
from .models import InspectionTask, JointProposal
from .selectors import is_office

State = JointProposal.State


def may_propose(user: Any) -> bool:
    return is_admin(user) or getattr(user, "role", None) == Role.CITY


def may_list(user: Any) -> bool:
    """Who reads proposals at all: the city, administrators, offices, leadership, partners."""
    return may_propose(user) or getattr(user, "role", None) in {Role.OFFICE, Role.LEADER,
                                                                 Role.PARTNER}


def proposals_for(user: Any) -> QuerySet[JointProposal]:
    """The city and administrators read every proposal; an organisation's office and
    leadership those naming it, as lead or as a cooperating department; nobody else any."""
    qs = JointProposal.objects.select_related("lead", "task").prefetch_related("participants")
    if may_propose(user):
        return qs
    org = user_organisation_id(user)
    if org is None or not may_list(user):
        return qs.none()
    return qs.filter(Q(lead_id=org) | Q(participants__id=org)).distinct()


def may_answer(user: Any, proposal: JointProposal) -> bool:
    """The proposed lead organisation's office (or an administrator)."""
    return (is_admin(user) or (is_office(user) and user_organisation_id(user) == proposal.lead_id)
            ) and proposal.state == State.PROPOSED


def organisations() -> QuerySet[Department]:
    """Who a proposal may name: the organisations on the platform (top-level departments)."""
    return Department.objects.filter(parent__isnull=True, is_active=True).order_by("code")


def _organisations(ids: list[int]) -> list[Department]:
    found = list(organisations().filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"participants": _("Choose departments on the platform.")})
    return found


@transaction.atomic
def joint_proposal_create(*, actor: User | None, title: str, lead_id: int,
                          participant_ids: list[int], period_start: date, period_end: date,
                          scope: str) -> JointProposal:
    """The city proposes; audited in the lead organisation's log and each participant's."""
    if actor is not None and not may_propose(actor):
        raise PermissionDenied(_("Only the city's leading group office proposes joint tasks."))
    title, scope = title.strip(), scope.strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Give the proposal a title.")
    if not scope:
        errors["scope"] = _("Say what the departments should inspect together.")
    if period_end < period_start:
        errors["period_end"] = _("The period ends before it starts.")
    lead = Department.objects.filter(pk=lead_id, parent__isnull=True, is_active=True,
                                     kind=DepartmentKind.OFFICE).first()
    if lead is None:
        errors["lead"] = _("Choose a regulating office on the platform to lead.")
    if lead_id in participant_ids:
        errors["participants"] = _("The lead department is not also a cooperating one.")
    elif not participant_ids:
        errors["participants"] = _("A joint task needs at least one cooperating department.")
    if errors or lead is None:
        raise ValidationError(errors)
    participants = _organisations(participant_ids)
    proposal = JointProposal.objects.create(
        title=title, lead=lead, period_start=period_start, period_end=period_end, scope=scope,
        proposed_by=actor if getattr(actor, "pk", None) else None)
    proposal.participants.set(participants)
    for org in [lead, *participants]:
        audit_record(actor=actor, action="joint_proposal.create", obj=proposal,
                     organisation_id=org.pk,
                     summary=_("The city proposes a joint task: {title} (lead {lead})").format(
                         title=title, lead=lead.name),
                     data={"lead": lead.code, "participants": sorted(p.code for p in participants),
                           "period": [period_start.isoformat(), period_end.isoformat()]})
    return proposal


def _lock(proposal: JointProposal, actor: User | None) -> JointProposal:
    proposal = JointProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state != State.PROPOSED:
        raise ValidationError(_("This proposal was already answered."))
    if actor is not None and not may_answer(actor, proposal):
        raise PermissionDenied(_("Only the proposed lead department's office answers."))
    return proposal


@transaction.atomic
def joint_proposal_take_up(*, actor: User | None, proposal: JointProposal,
                           code: str) -> InspectionTask:
    """A draft task of the lead organisation, named and timed as proposed, inviting every
    proposed department (each answers, sets its items and group size as for any invitation)."""
    proposal = _lock(proposal, actor)
    task = services.task_create(actor=actor, data={
        "code": code.strip(), "name": proposal.title, "initiating": proposal.lead,
        "period_start": proposal.period_start, "period_end": proposal.period_end,
        "requirements_text": proposal.scope})
    for org in proposal.participants.order_by("code"):
        services.task_set_department(actor=actor, task=task, department_id=org.pk,
                                     item_ids=[])
    proposal.state, proposal.task = State.TAKEN_UP, task
    proposal.answered_by = actor if getattr(actor, "pk", None) else None
    proposal.answered_at = timezone.now()
    proposal.save(update_fields=["state", "task", "answered_by", "answered_at"])
    audit_record(actor=actor, action="joint_proposal.take_up", obj=proposal,
                 organisation_id=proposal.lead_id,
                 summary=_("Joint task proposal {title} taken up as task {code}").format(
                     title=proposal.title, code=task.code),
                 data={"task": task.code})
    return task


@transaction.atomic
def joint_proposal_decline(*, actor: User | None, proposal: JointProposal,
                           reason: str) -> JointProposal:
    """The lead declines, saying why; the city reads the reason."""
    proposal = _lock(proposal, actor)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the proposal is declined.")})
    proposal.state, proposal.answer_note = State.DECLINED, reason.strip()
    proposal.answered_by = actor if getattr(actor, "pk", None) else None
    proposal.answered_at = timezone.now()
    proposal.save(update_fields=["state", "answer_note", "answered_by", "answered_at"])
    audit_record(actor=actor, action="joint_proposal.decline", obj=proposal,
                 organisation_id=proposal.lead_id,
                 summary=_("Joint task proposal {title} declined").format(title=proposal.title),
                 data={"reason": proposal.answer_note})
    return proposal
