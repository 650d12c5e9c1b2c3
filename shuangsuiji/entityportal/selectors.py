"""What an entity may read of its own: every query starts from its 统一社会信用代码.

Never read here: risk classes, complaints, other entities' records, inspectors' phones or
identity numbers (inspectors appear only as documents.py's Person: name and certificate).
Results only once approved; visits only of targets still in the draw (not replaced).
"""

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.scoping import Domain, is_admin, may_change_in, user_organisation_id
from shuangsuiji.credit.models import BlacklistEntry
from shuangsuiji.draws.models import Assignment
from shuangsuiji.entities.models import Contact, Target
from shuangsuiji.inspections import documents
from shuangsuiji.inspections.choices import ReviewState
from shuangsuiji.inspections.models import FollowUp, Inspection, Visit
from shuangsuiji.inspectors.models import Inspector
from shuangsuiji.plans.choices import TaskState
from shuangsuiji.portal import selectors as portal
from shuangsuiji.publication.models import PublishedResult, ResultRepair

from .choices import RequestKind
from .models import EntityRequest


def targets(uscc: str) -> QuerySet[Target]:
    return Target.objects.filter(uscc=uscc)


def contacts(uscc: str) -> QuerySet[Contact]:
    """The contacts a code may go to: recorded with a phone, on any of the entity's targets."""
    return Contact.objects.filter(target__uscc=uscc).exclude(phone="").order_by("pk")


def visits(uscc: str) -> QuerySet[Visit]:
    return (Visit.objects.filter(drawn_target__target__uscc=uscc,
                                 drawn_target__replaced_at__isnull=True)
            .select_related("task__initiating", "drawn_target__target")
            .order_by("-agreed_date", "-pk"))


def upcoming(uscc: str, today: date | None = None) -> list[Visit]:
    """Visits with a date agreed from today on, in tasks still running: the notices."""
    today = today or timezone.localdate()
    return list(visits(uscc).filter(agreed_date__gte=today)
                .exclude(task__state=TaskState.CLOSED).order_by("agreed_date", "pk"))


def results(uscc: str) -> QuerySet[Inspection]:
    """The entity's approved results (entered and returned ones are the inspectors' drafts)."""
    return (Inspection.objects.filter(visit__in=visits(uscc), state=ReviewState.APPROVED)
            .select_related("visit__task", "visit__drawn_target__target", "department")
            .order_by("-inspected_on", "-pk"))


def follow_ups(uscc: str) -> QuerySet[FollowUp]:
    return (FollowUp.objects.filter(inspection__in=results(uscc))
            .select_related("inspection__visit__task", "inspection__department")
            .order_by("state", "due_on", "pk"))


def blacklist(uscc: str) -> QuerySet[BlacklistEntry]:
    """Entries in force on the entity's targets (the ones its public file shows)."""
    today = timezone.localdate()
    return (BlacklistEntry.objects.filter(target__uscc=uscc, removed_on__isnull=True)
            .filter(Q(until__isnull=True) | Q(until__gte=today))
            .select_related("organisation", "target").order_by("-listed_on", "-pk"))


def published_results(uscc: str) -> QuerySet[PublishedResult]:
    """The public snapshots (not withdrawn) of the entity's own approved results: what it may
    apply to have credit-repaired."""
    return (PublishedResult.objects.filter(inspection__in=results(uscc),
                                           withdrawn_at__isnull=True)
            .select_related("inspection"))


def published_of(uscc: str, inspection: Inspection) -> PublishedResult | None:
    return published_results(uscc).filter(inspection=inspection).first()


def repair_of(published: PublishedResult) -> ResultRepair | None:
    return ResultRepair.objects.filter(result=published).first()


def requests(uscc: str) -> QuerySet[EntityRequest]:
    return (EntityRequest.objects.filter(uscc=uscc)
            .select_related("target", "inspection__department", "inspector", "visit__task")
            .prefetch_related("attachments"))


def visit_inspectors(visit: Visit) -> list[Inspector]:
    """The inspectors of the visit's groups in force (for a recusal request)."""
    return [a.inspector for a in Assignment.objects.filter(
        drawn_target_id=visit.drawn_target_id, released_at__isnull=True)
        .select_related("inspector").order_by("department_id", "position")]


def recused_in_groups(request: EntityRequest) -> QuerySet[Assignment]:
    """The groups in force (target not replaced, task not closed) in which a recused inspector
    still stands with the entity: after the draw, the recusal does not take them out; the
    office has to see to the group."""
    if request.inspector_id is None:
        return Assignment.objects.none()
    return (Assignment.objects.filter(inspector_id=request.inspector_id,
                                      drawn_target__target__uscc=request.uscc,
                                      drawn_target__replaced_at__isnull=True,
                                      released_at__isnull=True)
            .exclude(task__state=TaskState.CLOSED)
            .select_related("task", "department").order_by("task__code", "pk"))


def substitutions_for(request: EntityRequest) -> QuerySet[Assignment]:
    """The groups the recused inspector was taken out of for this entity (换人), each with
    the one who took the place (`replaced_by`)."""
    if request.inspector_id is None:
        return Assignment.objects.none()
    return (Assignment.objects.filter(inspector_id=request.inspector_id,
                                      drawn_target__target__uscc=request.uscc,
                                      released_for="conflict")
            .select_related("task", "department", "replaced_by__inspector")
            .order_by("task__code", "pk"))


def visit_sections(visit: Visit) -> list[documents.Section]:
    """Every department's group (names and certificate numbers only) and items, as the notice
    and the 扫码入企 page show them."""
    return documents._sections(visit, day=documents._visit_day(visit))


def public_file(uscc: str) -> Any:
    """The entity's credit file exactly as the public portal shows it, or None."""
    try:
        return portal.entity_file(uscc)
    except Http404:
        return None


def office_requests(user: Any) -> QuerySet[EntityRequest]:
    """The requests the user answers: the office's (and a partner's) of their organisation,
    but not integrity reports, which only its leadership reads; an administrator all."""
    qs = EntityRequest.objects.select_related("target", "inspector", "inspection__department",
                                              "visit__task")
    if is_admin(user):
        return qs
    org = user_organisation_id(user)
    if org is None:
        return qs.none()
    if getattr(user, "role", None) == Role.LEADER:
        return qs.filter(organisation_id=org, kind=RequestKind.INTEGRITY)
    if may_change_in(user, Domain.TARGETS, org):
        return qs.filter(organisation_id=org).exclude(kind=RequestKind.INTEGRITY)
    return qs.none()
