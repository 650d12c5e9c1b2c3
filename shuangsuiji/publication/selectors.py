"""The lists of the publication pages and the API, scoped to the user's organisation."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from shuangsuiji.accounts.scoping import Action, Domain, scope_for
from shuangsuiji.inspections import deadlines
from shuangsuiji.inspections.models import Inspection
from shuangsuiji.workdays.selectors import calendar

from .models import ExportBatch, PublishedResult, Redaction


def own_results(user: Any) -> QuerySet[Inspection]:
    """Results of the departments of the user's organisation (what it publishes)."""
    scope = scope_for(user, Domain.PUBLICATION, Action.VIEW)
    results = Inspection.objects.all()
    if scope.everything:
        return results
    if scope.nothing:
        return results.none()
    orgs = scope.organisation_ids
    return results.filter(Q(department__root_id__in=orgs) | Q(department_id__in=orgs))


def to_publish(user: Any) -> int:
    """How many approved results of the user's organisation wait for publication (home page)."""
    return deadlines.unpublished(own_results(user)).filter(
        visit__drawn_target__replaced_at__isnull=True).count()


@dataclass
class QueueRow:
    inspection: Inspection
    deadline: deadlines.Deadline | None
    withdrawn: bool


def queue(*, user: Any, today: date) -> list[QueueRow]:
    """Approved results waiting for publication, most urgent first, with their deadline."""
    cal = calendar()
    results = (deadlines.unpublished(own_results(user))
               .filter(visit__drawn_target__replaced_at__isnull=True)
               .select_related("department", "visit__task", "visit__drawn_target__target",
                               "publication")
               .order_by("inspected_on", "visit__task__code", "pk"))
    by_day: dict[date, deadlines.Deadline | None] = {}
    rows = []
    for r in results:
        if r.inspected_on not in by_day:
            by_day[r.inspected_on] = deadlines.publication_deadline(r, today=today, cal=cal)
        withdrawn = getattr(r, "publication", None) is not None
        rows.append(QueueRow(r, by_day[r.inspected_on], withdrawn))
    return rows


def published(user: Any, *, withdrawn: bool | None = False) -> QuerySet[PublishedResult]:
    qs = PublishedResult.objects.for_user(user).select_related("published_by", "withdrawn_by")
    if withdrawn is True:
        qs = qs.filter(withdrawn_at__isnull=False)
    elif withdrawn is False:
        qs = qs.filter(withdrawn_at__isnull=True)
    return qs.order_by("-published_on", "-pk")


def batches(user: Any) -> QuerySet[ExportBatch]:
    return ExportBatch.objects.for_user(user).select_related("created_by").order_by(
        "-created_at", "-pk")


def redactions(user: Any) -> QuerySet[Redaction]:
    return (Redaction.objects.filter(inspection__in=own_results(user).values("pk"),
                                     revoked_at__isnull=True)
            .select_related("approved_by", "inspection__visit__drawn_target__target",
                            "inspection__visit__task", "inspection__department")
            .order_by("-approved_at"))
