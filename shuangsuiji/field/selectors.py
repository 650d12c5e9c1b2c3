"""The day pack: everything an inspector needs underground for the visits of one day.

Only visits where the user is in a group in force, whatever their role may see elsewhere:
the phone carries what its user inspects, nothing more.
"""

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.scoping import is_admin, organisation_id
from shuangsuiji.draws.models import Assignment
from shuangsuiji.inspections import permissions
from shuangsuiji.inspections.choices import (
    Conduct,
    EvidenceKind,
    Method,
    Outcome,
    ResultCategory,
    ReviewState,
    SignerRole,
)
from shuangsuiji.inspections.models import Inspection, Visit
from shuangsuiji.inspections.selectors import visit_contacts
from shuangsuiji.publication.models import PublishedResult

from .models import FieldSession
from .services import result_values

LAST_RESULTS = 5


def my_visits(user: Any) -> QuerySet[Visit]:
    """Visits where the user is a member of a group in force, targets not replaced."""
    mine = Assignment.objects.filter(inspector__user=user, released_at__isnull=True,
                                     drawn_target__replaced_at__isnull=True)
    return Visit.objects.filter(drawn_target_id__in=mine.values("drawn_target_id"))


def pack_dates(user: Any) -> list[str]:
    """The agreed dates of the user's visits that still have a result to enter, earliest
    first: a day to choose, including a past one whose results were never synced."""
    days = (my_visits(user).filter(agreed_date__isnull=False,
                                   inspections__state__in=[ReviewState.ENTERED,
                                                           ReviewState.RETURNED])
            .order_by("agreed_date").values_list("agreed_date", flat=True).distinct())
    return [d.isoformat() for d in days[:30]]


def _choices(choices: Any) -> list[dict[str, str]]:
    return [{"value": value, "label": str(label)} for value, label in choices.choices]


def vocabulary() -> dict[str, Any]:
    """The official categories and choices, labelled in the user's language."""
    return {"methods": _choices(Method), "categories": _choices(ResultCategory),
            "conduct": _choices(Conduct), "outcomes": _choices(Outcome),
            "signers": _choices(SignerRole), "evidence_kinds": _choices(EvidenceKind),
            "states": _choices(ReviewState)}


def _result(user: Any, result: Inspection, members: list[Assignment]) -> dict[str, Any]:
    values = result_values(result)
    items = {f.item_id: f.item for f in result.findings.select_related("item")}
    for line in values["findings"]:
        item = items[line["item"]]
        line.update(code=item.code, matter=item.matter, sub_item=item.sub_item,
                    content=item.content, basis=item.basis, key=item.kind == "key",
                    method=item.method)
    values.update(
        department=result.department_id, department_name=result.department.name,
        state_label=str(ReviewState(result.state).label),
        editable=result.is_editable and permissions.can_enter(user, result),
        group=[{"inspector": a.inspector_id, "name": a.inspector.name} for a in members],
        signatures=[{"role": s.role, "name": s.name, "inspector": s.inspector_id}
                    for s in result.signatures.all()],
        evidence=[{"sha256": e.sha256, "name": e.original_name, "kind": e.kind}
                  for e in result.evidence.all()])
    return values


def day_pack(*, user: Any, day: date) -> dict[str, Any]:
    visits = (my_visits(user).filter(agreed_date=day)
              .select_related("task", "drawn_target__target")
              .prefetch_related("inspections__department")
              .order_by("drawn_target__ident", "pk"))
    out = []
    for visit in visits:
        task, target = visit.task, visit.drawn_target.target
        order = {p.department_id: p.order for p in task.participants.all()}
        members: dict[int, list[Assignment]] = {}
        for a in (Assignment.objects.filter(drawn_target_id=visit.drawn_target_id,
                                            released_at__isnull=True)
                  .select_related("inspector").order_by("position")):
            members.setdefault(a.department_id, []).append(a)
        results = sorted(visit.inspections.all(), key=lambda r: order.get(r.department_id, 99))
        last = (PublishedResult.objects.public().filter(uscc=visit.drawn_target.ident)
                .exclude(inspection__visit=visit).order_by("-inspected_on", "-pk")
                [:LAST_RESULTS])
        out.append({
            "id": visit.pk, "agreed_date": visit.agreed_date.isoformat() if visit.agreed_date
            else None, "materials": visit.materials,
            "task": {"id": task.pk, "code": task.code, "name": task.name,
                     "period_start": task.period_start.isoformat(),
                     "period_end": task.period_end.isoformat()},
            "target": {"name": target.name, "uscc": visit.drawn_target.ident,
                       "address": target.address,
                       # Each organisation's own row's contacts (a shared entity).
                       "contacts": [{"name": c.name, "position": c.position, "phone": c.phone}
                                    for c in visit_contacts(user=user, target=target)]},
            "results": [_result(user, r, members.get(r.department_id, [])) for r in results],
            "last_results": [{"task_code": p.task_code, "department": p.department_name,
                              "inspected_on": p.inspected_on.isoformat() if p.inspected_on
                              else None, "result": p.category_text,
                              "conduct": p.conduct_text} for p in last],
        })
    return {"date": day.isoformat(), "generated_at": timezone.now().isoformat(),
            "user": {"id": user.pk, "name": str(user)}, "dates": pack_dates(user),
            "vocabulary": vocabulary(), "visits": out}


def revocable_sessions(user: Any) -> QuerySet[FieldSession]:
    """The phones' keys this user may see and revoke (services.can_revoke as a query)."""
    qs = FieldSession.objects.select_related("user").order_by("-created_at")
    if is_admin(user):
        return qs
    if user.role in {Role.OFFICE, Role.PARTNER} and user.department_id:
        org = organisation_id(user.department)
        return qs.filter(user__department__root_id=org) | qs.filter(user__department_id=org)
    return qs.filter(user=user)
