"""Who may do what with a visit and a result, beyond the matrix in accounts/scoping.py.

谁检查、谁录入: only the members of a department's group enter that department's result.
Each organisation reviews its own department's results; the initiating organisation sees
every result of its tasks, a cooperating organisation only its own.
"""

from typing import Any

from django.db.models import Q, QuerySet

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.scoping import (
    Action,
    Domain,
    is_admin,
    organisation_id,
    scope_for,
    user_organisation_id,
)
from shuangsuiji.draws.models import Assignment

from .models import Inspection, Visit

_REVIEWERS = {Role.OFFICE, Role.SECTION, Role.PARTNER}


def is_member(user: Any, visit: Visit, department_id: int | None = None) -> bool:
    """The user is in a group in force for this visit (of `department_id`, if given)."""
    if not user.is_authenticated:
        return False
    qs = Assignment.objects.filter(drawn_target_id=visit.drawn_target_id,
                                   inspector__user=user, released_at__isnull=True)
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    return qs.exists()


def can_view_result(user: Any, inspection: Inspection) -> bool:
    if not Visit.objects.for_user(user).filter(pk=inspection.visit_id).exists():
        return False
    if is_admin(user) or user.role in {Role.INSPECTOR, Role.EXPERT}:
        return True  # one visit: the groups see each other's checklist
    org = user_organisation_id(user)
    task = inspection.visit.task
    return org in {organisation_id(task.initiating), organisation_id(inspection.department)}


def viewable_results(user: Any) -> QuerySet[Inspection]:
    """The queryset form of can_view_result, for lists (one query, not one per result)."""
    results = Inspection.objects.filter(visit__in=Visit.objects.for_user(user))
    if is_admin(user) or user.role in {Role.INSPECTOR, Role.EXPERT}:
        return results
    org = user_organisation_id(user)
    return results.filter(Q(visit__task__initiating__root_id=org)
                          | Q(visit__task__initiating_id=org)
                          | Q(department__root_id=org) | Q(department_id=org))


def can_enter(user: Any, inspection: Inspection) -> bool:
    return (scope_for(user, Domain.INSPECTIONS, Action.CHANGE).organisation_ids != frozenset()
            and is_member(user, inspection.visit, inspection.department_id))


def can_review(user: Any, inspection: Inspection) -> bool:
    if is_admin(user):
        return True
    return (user.is_authenticated and user.role in _REVIEWERS
            and user_organisation_id(user) == organisation_id(inspection.department))


def reviewable_results(user: Any) -> QuerySet[Inspection]:
    """The queryset form of can_review, for lists and counts."""
    if is_admin(user):
        return Inspection.objects.all()
    if not (user.is_authenticated and user.role in _REVIEWERS):
        return Inspection.objects.none()
    org = user_organisation_id(user)
    return Inspection.objects.filter(Q(department__root_id=org) | Q(department_id=org))


def can_follow_up(user: Any, inspection: Inspection) -> bool:
    """The department's reviewers and its group members record the follow-up."""
    return can_review(user, inspection) or is_member(user, inspection.visit,
                                                     inspection.department_id)


def can_schedule(user: Any, visit: Visit) -> bool:
    """Any group member agrees the date; so may the initiating organisation's office."""
    if is_member(user, visit):
        return True
    return (user.is_authenticated and user.role == Role.OFFICE
            and user_organisation_id(user) == organisation_id(visit.task.initiating)
            ) or is_admin(user)
