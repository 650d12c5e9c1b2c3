"""Who may see and change what: the one place the permission matrix lives.

Everything is scoped to an organisation (a department tree: the office with its sections, or a
cooperating department with its brigades). Pages, the API and exports all start their
querysets from `ScopedQuerySet.for_user`, so a rule changed here changes everywhere.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Self

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from .choices import Role

if TYPE_CHECKING:
    from .models import User


class Domain(StrEnum):
    ITEMS = "items"
    TARGETS = "targets"
    INSPECTORS = "inspectors"
    CONFLICTS = "conflicts"
    IMPORTS = "imports"
    AUDIT = "audit"
    USERS = "users"
    PLANS = "plans"
    TASKS = "tasks"
    DRAWS = "draws"
    INSPECTIONS = "inspections"
    PUBLICATION = "publication"
    CREDIT = "credit"
    OVERSIGHT = "oversight"
    NOTICES = "notices"


class Action(StrEnum):
    VIEW = "view"
    CHANGE = "change"


_STAFF = {Role.OFFICE, Role.SECTION, Role.LEADER, Role.PARTNER}
# 第三方评估 for a period: tasks and draws (full records) of its grants' periods only; the
# results of those tasks on its own page (oversight.evaluator). Every queryset it reaches is
# cut to the periods (ScopedQuerySet.for_user, TaskQuerySet.for_user).
_EVALUATOR = {Role.EVALUATOR}
_EDITORS = {Role.OFFICE, Role.PARTNER}

MATRIX: dict[Domain, dict[Action, set[str]]] = {
    Domain.ITEMS: {Action.VIEW: _STAFF | {Role.INSPECTOR, Role.EXPERT},
                   Action.CHANGE: _EDITORS | {Role.SECTION}},
    Domain.TARGETS: {Action.VIEW: _STAFF, Action.CHANGE: _EDITORS},
    # Inspectors and experts see only their own record (see InspectorQuerySet).
    Domain.INSPECTORS: {Action.VIEW: _STAFF | {Role.INSPECTOR, Role.EXPERT},
                        Action.CHANGE: _EDITORS},
    Domain.CONFLICTS: {Action.VIEW: _STAFF | {Role.INSPECTOR, Role.EXPERT},
                       Action.CHANGE: _EDITORS | {Role.INSPECTOR, Role.EXPERT}},
    Domain.IMPORTS: {Action.VIEW: _EDITORS, Action.CHANGE: _EDITORS},
    Domain.AUDIT: {Action.VIEW: {Role.LEADER, Role.OFFICE, Role.AUDITOR},
                   Action.CHANGE: set()},
    Domain.USERS: {Action.VIEW: set(), Action.CHANGE: set()},
    # A section proposes; the office merges, approves and publishes (plans.services).
    Domain.PLANS: {Action.VIEW: _STAFF | {Role.AUDITOR, Role.CITY},
                   Action.CHANGE: {Role.OFFICE, Role.SECTION}},
    # Tasks: cooperating departments see the joint tasks they take part in (TaskQuerySet).
    Domain.TASKS: {Action.VIEW: _STAFF | {Role.INSPECTOR, Role.EXPERT, Role.AUDITOR, Role.CITY}
                   | _EVALUATOR,
                   Action.CHANGE: {Role.OFFICE}},
    # Running a draw is the organising office's alone (法宣科牵头).
    # Auditors read the full records of the organisations they audit (protocol §9).
    Domain.DRAWS: {Action.VIEW: _STAFF | {Role.INSPECTOR, Role.EXPERT, Role.AUDITOR, Role.CITY}
                   | _EVALUATOR,
                   Action.CHANGE: {Role.OFFICE}},
    # Results: each department enters and reviews its own (inspections.permissions refines
    # this per visit and department); leadership only reads.
    Domain.INSPECTIONS: {Action.VIEW: _STAFF | {Role.INSPECTOR, Role.EXPERT},
                         Action.CHANGE: {Role.OFFICE, Role.SECTION, Role.PARTNER,
                                         Role.INSPECTOR, Role.EXPERT}},
    # 谁检查、谁公示: each organisation's office (a cooperating department's staff) publishes
    # its own results; leadership reads and approves redactions (publication.permissions).
    Domain.PUBLICATION: {Action.VIEW: {Role.OFFICE, Role.LEADER, Role.PARTNER},
                         Action.CHANGE: {Role.OFFICE, Role.LEADER, Role.PARTNER}},
    # Credit files (信用档案): staff read their organisation's; the office lists on the
    # blacklist, records complaints, sets risk classes and rules, and issues partner keys.
    Domain.CREDIT: {Action.VIEW: _STAFF, Action.CHANGE: {Role.OFFICE}},
    # The dashboard and annual report of an organisation: its leadership and the office that
    # organises its work (a cooperating organisation's partner staff likewise). Sections see
    # their own work on the task pages.
    Domain.OVERSIGHT: {Action.VIEW: {Role.LEADER, Role.OFFICE, Role.PARTNER, Role.AUDITOR,
                                     Role.CITY},
                       Action.CHANGE: set()},
    # The outbox of an organisation's notices (notices app): its office (a cooperating
    # department's staff) reads it, retries failed ones and edits the templates. Everyone
    # reads their own in-site messages whatever this says (NoticeQuerySet.inbox).
    Domain.NOTICES: {Action.VIEW: {Role.OFFICE, Role.PARTNER},
                     Action.CHANGE: {Role.OFFICE, Role.PARTNER}},
}


@dataclass(frozen=True)
class Scope:
    """Organisations a user may act on; `everything` for system administrators."""

    everything: bool = False
    organisation_ids: frozenset[int] = frozenset()

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.organisation_ids


def is_admin(user: "User | Any") -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role == Role.ADMIN))


def organisation_id(department: Any) -> int:
    """The organisation a department belongs to: the root of its tree (the office with its
    sections, the detachment with its brigades); a root is its own.

    One of three, each with one meaning: of a department (this), of a user
    (user_organisation_id: the organisation the user acts for, through their department) and
    of a task (plans.selectors.task_organisation_id: its initiating department's)."""
    return department.root_id or department.pk


def user_organisation_id(user: Any) -> int | None:
    """The organisation a user acts for: their department's; None when signed out or
    without a department (a system administrator)."""
    if not user.is_authenticated or user.department_id is None:
        return None
    return organisation_id(user.department)


def scope_for(user: "User | Any", domain: Domain, action: Action = Action.VIEW) -> Scope:
    if not user.is_authenticated or not user.is_active:
        return Scope()
    # The city's leading group office reads every organisation; the matrix gives it no change.
    if is_admin(user) or (user.role == Role.CITY and user.role in MATRIX[domain][action]):
        return Scope(everything=True)
    if user.role not in MATRIX[domain][action]:
        return Scope()
    if user.role in {Role.AUDITOR, Role.EVALUATOR}:  # no department: what it is given
        return Scope(organisation_ids=given_organisation_ids(user))
    if user.department_id is None:
        return Scope()
    return Scope(organisation_ids=frozenset({organisation_id(user.department)}))


def given_organisation_ids(user: "User | Any") -> frozenset[int]:
    """An auditor's organisations, or those of an evaluator's grants in force."""
    if user.role == Role.EVALUATOR:
        return frozenset(org for org, _start, _end in evaluator_periods(user))
    return audited_organisation_ids(user)


def audited_organisation_ids(user: "User | Any") -> frozenset[int]:
    """The organisations an auditor audits, read once per user object (a request)."""
    cached = getattr(user, "_audited_ids", None)
    if cached is None:
        cached = frozenset(user.audited_organisations.values_list("pk", flat=True))
        user._audited_ids = cached
    return cached


def evaluator_periods(user: "User | Any") -> tuple[tuple[int, date, date], ...]:
    """An evaluator's grants in force today: (organisation, from, to), read once per user
    object (a request). A revoked or expired grant opens nothing."""
    cached = getattr(user, "_evaluator_periods", None)
    if cached is None:
        from .models import EvaluatorGrant  # the models import this module's querysets

        today = timezone.localdate()
        cached = tuple(EvaluatorGrant.objects.filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=today), user=user,
            revoked_at__isnull=True).order_by("pk")
            .values_list("organisation_id", "period_from", "period_to"))
        user._evaluator_periods = cached
    return cached


def within_periods(user: "User | Any", org_path: str, day_path: str) -> Q:
    """Rows of an evaluator's grants: of a granted organisation, dated (`day_path`) within
    that grant's period; no row at all without a grant in force."""
    condition = Q(pk__in=[])
    for org, start, end in evaluator_periods(user):
        condition |= Q(**{org_path: org, f"{day_path}__gte": start, f"{day_path}__lte": end})
    return condition


def can(user: "User | Any", domain: Domain, action: Action = Action.VIEW) -> bool:
    return not scope_for(user, domain, action).nothing


def may_change_in(user: "User | Any", domain: Domain, organisation: int) -> bool:
    """Whether the user may change the domain's records of this organisation: what a service
    asks of its actor (pages and the API have fetched the record through for_user first)."""
    scope = scope_for(user, domain, Action.CHANGE)
    return scope.everything or organisation in scope.organisation_ids


class ScopedQuerySet(models.QuerySet):
    """Base queryset: `Model.objects.for_user(user, Action.CHANGE)`."""

    scope_domain: Domain
    # Lookup from the model to the owning organisation's id.
    scope_path: str = "department__root_id"
    # Lookup to the day that places a row in an evaluator's period; a queryset without one
    # shows an evaluator nothing.
    scope_period_path: str = ""

    def for_user(self, user: "User | Any", action: Action = Action.VIEW) -> Self:
        scope = scope_for(user, self.scope_domain, action)
        if scope.everything:
            return self
        if scope.nothing:
            return self.none()
        if user.role == Role.EVALUATOR:
            if not self.scope_period_path:
                return self.none()
            return self.filter(within_periods(user, self.scope_path, self.scope_period_path))
        return self.filter(**{f"{self.scope_path}__in": scope.organisation_ids})


def get_for_user(queryset: ScopedQuerySet, user: "User | Any", action: Action = Action.VIEW,
                 **lookup: Any) -> Any:
    """Fetch one object: 404 if the user cannot see it, 403 if they can see but not change it."""
    try:
        obj = queryset.for_user(user, Action.VIEW).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc
    if action == Action.CHANGE and not queryset.for_user(user, Action.CHANGE).filter(
        pk=obj.pk
    ).exists():
        raise PermissionDenied
    return obj
