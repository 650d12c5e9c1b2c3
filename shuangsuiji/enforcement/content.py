"""What each document states, taken from the records when it is issued.

A document keeps these facts as they were (IssuedDocument.content): a result edited later does
not change a document already on paper. Nothing here is public; the documents go to the
entity, the receiving organ and the file. Inspectors appear by name and certificate number
only, never by phone or identity number.
"""

from datetime import date
from typing import Any

from django.utils import timezone

from shuangsuiji.draws import selectors as draw_selectors
from shuangsuiji.inspections.choices import Conduct, Outcome
from shuangsuiji.inspections.models import FollowUp, Inspection, ItemFinding

from .choices import DocumentKind


def inspection_day(inspection: Inspection) -> date | None:
    return inspection.inspected_on or inspection.visit.agreed_date


def facts_of(inspection: Inspection) -> dict[str, Any]:
    """What every document of an inspection states: the task, the entity, the department, the
    day, the inspectors, and the checklist with its findings."""
    visit = inspection.visit
    target = visit.drawn_target.target
    day = inspection_day(inspection) or timezone.localdate()
    group = draw_selectors.group_in_force(drawn_target_id=visit.drawn_target_id,
                                          department_id=inspection.department_id
                                          ).prefetch_related("inspector__certificates")
    findings = (ItemFinding.objects.filter(inspection=inspection).select_related("item")
                .order_by("item__code"))
    return {
        "task": {"code": visit.task.code, "name": visit.task.name},
        "entity": {"name": target.name, "code": target.uscc or "", "address": target.address,
                   "legal_rep": target.legal_rep},
        "department": inspection.department.name,
        "inspected_on": day.isoformat() if inspection_day(inspection) else "",
        "inspectors": [{"name": a.inspector.name,
                        "certificate": draw_selectors.certificate_on(a.inspector, day)}
                       for a in group],
        "findings": [{"item": f.item.matter + (f"：{f.item.sub_item}" if f.item.sub_item else ""),
                      "outcome": f.outcome, "outcome_label": str(Outcome(f.outcome).label)
                      if f.outcome else "", "note": f.note} for f in findings],
        "summary": inspection.summary,
    }


def problems(facts: dict[str, Any]) -> list[dict[str, Any]]:
    """The checklist lines found not compliant."""
    return [f for f in facts["findings"] if f["outcome"] == Outcome.NON_COMPLIANT]


def content_for(kind: str, inspection: Inspection, follow_up: FollowUp | None,
                data: dict[str, Any]) -> dict[str, Any]:
    """The content of a document of `kind`: the inspection's facts, what the kind takes from
    the follow-up, and what the clerk wrote (`data`, already validated by the form)."""
    content = facts_of(inspection) | {k: v for k, v in data.items() if v not in (None, "")}
    if kind == DocumentKind.RECTIFY and follow_up is not None:
        content["rectify_by"] = follow_up.rectify_by.isoformat() if follow_up.rectify_by else ""
    if kind == DocumentKind.RECHECK and follow_up is not None:
        content["rectify_by"] = follow_up.rectify_by.isoformat() if follow_up.rectify_by else ""
        content["recheck_on"] = follow_up.recheck_on.isoformat() if follow_up.recheck_on else ""
        content["recheck_passed"] = follow_up.recheck_passed
        content["recheck_note"] = follow_up.recheck_note
    if kind in {DocumentKind.CASE_TRANSFER, DocumentKind.LEAD_TRANSFER} and follow_up is not None:
        content.setdefault("recipient", follow_up.referred_to)
    if kind == DocumentKind.REFUSAL:
        content["conduct"] = str(Conduct(inspection.conduct).label) if inspection.conduct else ""
    return content
