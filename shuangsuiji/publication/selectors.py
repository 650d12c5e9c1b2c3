"""The lists of the publication pages and the API, scoped to the user's organisation."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from shuangsuiji.accounts.scoping import Action, Domain, scope_for
from shuangsuiji.inspections import deadlines
from shuangsuiji.inspections.choices import FollowUpKind
from shuangsuiji.inspections.models import FollowUp, Inspection
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


# -- Follow-up decisions as the public may read them (the portal's credit file) ----------------

# 责令改正 and 行政处罚 are decisions made public with the result (双公示); a referral, a
# transfer to the judicial organs or a blacklist proposal is not a decision of this office.
PUBLIC_FOLLOW_UP_KINDS = (FollowUpKind.RECTIFY, FollowUpKind.PENALTY)


@dataclass(frozen=True)
class PublicDecision:
    """A follow-up decision, field by field: what it is, of which published result, its
    deadline or decision number, date and fine. Never the owner, the notes or the re-check's
    findings (free text, people), nothing of a result the public cannot read whole."""

    result_id: int  # the PublishedResult (its public page)
    task_code: str
    department_name: str
    kind: str
    rectify_by: date | None = None
    rectified_on: date | None = None  # the re-check that found it rectified
    decision_number: str = ""
    decision_date: date | None = None
    penalty_amount: Decimal | None = None


def public_decisions(code: str) -> list[PublicDecision]:
    """The 责令改正 and 行政处罚 decisions on the published results of an entity (by its code).

    Only of results published and not withdrawn, not credit-repaired (信用修复 ends their
    publicity), with nothing withheld, and no approved redaction in force: a decision says
    what the result found (that there was something to rectify or punish), so it could give
    away a withheld result, finding or date. A penalty
    case is public once it has its decision (number and date), not while it is open.
    """
    results = {inspection: (pk, task_code, department_name) for
               pk, inspection, task_code, department_name, withheld in
               PublishedResult.objects.public().filter(uscc=code, inspection__isnull=False,
                                                       repair__isnull=True)
               .values_list("pk", "inspection_id", "task_code", "department_name",
                            "withheld_fields")
               if not withheld}
    if not results:
        return []
    redacted = set(Redaction.objects.filter(inspection_id__in=results, revoked_at__isnull=True)
                   .values_list("inspection_id", flat=True))
    follow_ups = (FollowUp.objects
                  .filter(inspection_id__in=set(results) - redacted,
                          kind__in=PUBLIC_FOLLOW_UP_KINDS)
                  .exclude(Q(kind=FollowUpKind.PENALTY)
                           & (Q(decision_number="") | Q(decision_date__isnull=True)))
                  .only("inspection_id", "kind", "rectify_by", "recheck_on", "recheck_passed",
                        "decision_number", "decision_date", "penalty_amount")
                  .order_by("-created_at", "-pk"))
    decisions = []
    for f in follow_ups:
        pk, task_code, department_name = results[f.inspection_id]
        if f.kind == FollowUpKind.RECTIFY:
            decisions.append(PublicDecision(
                pk, task_code, department_name, f.kind, rectify_by=f.rectify_by,
                rectified_on=f.recheck_on if f.recheck_passed else None))
        else:
            decisions.append(PublicDecision(
                pk, task_code, department_name, f.kind, decision_number=f.decision_number,
                decision_date=f.decision_date, penalty_amount=f.penalty_amount))
    return decisions
