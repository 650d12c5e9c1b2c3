"""Reads of the 执法检查人员名录库 and the 回避 registry for pages."""

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.scoping import Action, Domain, can, get_for_user, scope_for
from shuangsuiji.entities.models import Target
from shuangsuiji.entities.selectors import organisation_targets
from shuangsuiji.rules import uscc

from .choices import DeclaredBy
from .models import Certificate, Conflict, Inspector, InspectorStatusChange

SELF_ONLY_ROLES = {Role.INSPECTOR, Role.EXPERT}
EXPIRY_WARNING_DAYS = 60


def _with_eligibility_data(inspectors: QuerySet[Inspector]) -> QuerySet[Inspector]:
    # Inspector.is_eligible_on reads these two relations: one query each for a whole page.
    return inspectors.prefetch_related("certificates", "status_changes")


def inspector_list(*, user: Any,
                   filters: Mapping[str, Any] | None = None) -> QuerySet[Inspector]:
    """Inspectors the user may see (inspectors and experts: only themselves), filtered."""
    filters = filters or {}
    inspectors = Inspector.objects.for_user(user).select_related("department", "user")
    for key in ("department", "role", "status"):
        value = filters.get(key)
        if value not in (None, ""):
            inspectors = inspectors.filter(**{key: value})
    text = (filters.get("q") or "").strip()
    if text:
        inspectors = inspectors.filter(Q(name__icontains=text) | Q(code__iexact=text)
                                       | Q(specialties__icontains=text)
                                       | Q(certificates__number=text)).distinct()
    return _with_eligibility_data(inspectors)


def eligible_on(inspectors: QuerySet[Inspector], day: date) -> list[Inspector]:
    """Those who could be drawn on `day` (Inspector.is_eligible_on, over prefetched data).

    Directories hold hundreds of inspectors, not millions, so filtering in Python over the
    scoped list is cheaper than reproducing the status-history rule in SQL.
    """
    return [inspector for inspector in inspectors if inspector.is_eligible_on(day)]


def inspector_get(*, user: Any, pk: int, action: Action = Action.VIEW) -> Inspector:
    return get_for_user(Inspector.objects.select_related("department", "user"), user, action,
                        pk=pk)


def inspector_detail_data(*, user: Any, inspector: Inspector) -> dict[str, Any]:
    """Certificates, status history, item scope and conflicts of one inspector."""
    history = (InspectorStatusChange.objects.filter(inspector=inspector)
               .select_related("recorded_by").order_by("-effective_on", "-id"))
    return {
        "certificates": list(inspector.certificates.order_by("-valid_to", "number")),
        "status_history": list(history),
        "item_scope": list(inspector.item_scope.select_related("department").order_by("code")),
        "conflicts": list(Conflict.objects.for_user(user).filter(inspector=inspector)
                          .select_related("target", "recorded_by")),
    }


def certificates_expiring(*, user: Any, today: date,
                          days: int = EXPIRY_WARNING_DAYS) -> QuerySet[Certificate]:
    """Certificates of in-post inspectors in scope that run out within `days` days."""
    visible = Inspector.objects.for_user(user).filter(status="active")
    return (Certificate.objects.filter(inspector__in=visible, valid_to__gte=today,
                                       valid_to__lte=today + timedelta(days=days))
            .select_related("inspector").order_by("valid_to"))


# --- Conflicts (回避) -----------------------------------------------------------------------


def conflict_list(*, user: Any, filters: Mapping[str, Any] | None = None,
                  today: date | None = None) -> QuerySet[Conflict]:
    filters = filters or {}
    conflicts = Conflict.objects.for_user(user).select_related(
        "inspector", "inspector__department", "target", "recorded_by")
    state = filters.get("state")
    if state == "in_force" and today is not None:
        conflicts = conflicts.in_force_on(today)
    elif state == "revoked":
        conflicts = conflicts.filter(revoked_at__isnull=False)
    if filters.get("inspector"):
        conflicts = conflicts.filter(inspector=filters["inspector"])
    text = (filters.get("q") or "").strip()
    if text:
        conflicts = conflicts.filter(Q(target__name__icontains=text)
                                     | Q(target__uscc=uscc.normalise(text))
                                     | Q(inspector__name__icontains=text))
    return conflicts.order_by("-recorded_at", "-id")


def conflicts_of_target(*, user: Any, target: Target) -> QuerySet[Conflict]:
    return (Conflict.objects.for_user(user).filter(target=target)
            .select_related("inspector").order_by("-recorded_at"))


def conflict_inspectors(*, user: Any) -> QuerySet[Inspector]:
    """Whom the user may record a conflict for: inspectors and experts only themselves."""
    inspectors = Inspector.objects.select_related("department").order_by("code")
    if getattr(user, "role", None) in SELF_ONLY_ROLES and not user.is_superuser:
        return inspectors.filter(user=user) if user.is_active else inspectors.none()
    return inspectors.for_user(user, Action.CHANGE)


def conflict_targets(*, user: Any) -> QuerySet[Target]:
    """The targets the user may name in a conflict: those of the organisations their conflict
    rights cover (inspectors declare conflicts without browsing the target directory)."""
    scope = scope_for(user, Domain.CONFLICTS, Action.CHANGE)
    return organisation_targets(
        organisation_ids=None if scope.everything else scope.organisation_ids)


def conflict_target_lookup(*, user: Any, reference: str) -> Target | None:
    """A target of the user's organisation by its code or draw id (X-123).

    Inspectors may declare a conflict without being allowed to browse the target directory,
    so this looks only at the organisations their conflict rights cover.
    """
    if scope_for(user, Domain.CONFLICTS, Action.CHANGE).nothing:
        return None
    targets = conflict_targets(user=user)
    reference = uscc.normalise(reference)  # "X-123" becomes "X123": no code starts with X
    if reference[:1] == "X" and reference[1:].isdigit() and len(reference) < 19:
        return targets.filter(pk=int(reference[1:]), uscc__isnull=True).first()
    return targets.filter(uscc=reference).first() if reference else None


def conflict_get(*, user: Any, pk: int, action: Action = Action.VIEW) -> Conflict:
    return get_for_user(Conflict.objects.select_related("inspector", "target"), user, action,
                        pk=pk)


def conflict_may_revoke(*, user: Any, conflict: Conflict) -> bool:
    """Inspectors withdraw only what they declared themselves; the office's records stay."""
    if conflict.revoked_at is not None or not can(user, Domain.CONFLICTS, Action.CHANGE):
        return False
    if getattr(user, "role", None) in SELF_ONLY_ROLES and not user.is_superuser:
        return (conflict.declared_by == DeclaredBy.INSPECTOR
                and conflict.recorded_by_id == user.pk)
    return True



def inspector_summary(*, user: Any, today: date) -> dict[str, Any] | None:
    """The home page's panel: counts, certificates running out, the user's own record."""
    if not can(user, Domain.INSPECTORS):
        return None
    visible = Inspector.objects.for_user(user)
    counts = visible.aggregate(total=Count("id"),
                               active=Count("id", filter=Q(status="active")))
    expiring = certificates_expiring(user=user, today=today)
    conflicts = (Conflict.objects.for_user(user).in_force_on(today).count()
                 if can(user, Domain.CONFLICTS) else None)
    return counts | {
        "expiring": list(expiring[:10]), "expiring_count": expiring.count(),
        "own": visible.filter(user=user).first(), "conflicts_in_force": conflicts,
        "can_change": can(user, Domain.INSPECTORS, Action.CHANGE),
        "can_record_conflict": can(user, Domain.CONFLICTS, Action.CHANGE)}
