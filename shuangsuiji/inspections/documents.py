"""The printed documents of a visit and its public page.

检查单 (checklist) and 检查告知书 (notice to the entity), each as a print page and as an A4 PDF
rendered by WeasyPrint (see draws/pdf.py), and the 扫码入企 page the QR code on both opens.
One visit, every department ("1+X"): both documents list every department's items and
groups, the initiating department first.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.draws import selectors as draw_selectors
from shuangsuiji.draws.models import Assignment
from shuangsuiji.draws.pdf import html_to_pdf
from shuangsuiji.inspectors.choices import InspectorRole
from shuangsuiji.plans import selectors as plan_selectors
from shuangsuiji.plans.choices import DepartmentRole, TaskState
from shuangsuiji.plans.models import TaskDepartment

from . import permissions, qr, services
from .choices import Outcome
from .models import ItemFinding, Visit

# A reload or a second look from the same phone within this time is not a new scan.
SCAN_REPEAT_SECONDS = 600


@dataclass
class Person:
    """What a document may say about an inspector: never the phone or identity number."""

    name: str
    certificate: str
    is_expert: bool


@dataclass
class Line:
    item: InspectionItem
    outcome: str = ""
    note: str = ""


@dataclass
class Section:
    """One department's part of the visit: its group and its checklist lines."""

    participant: TaskDepartment
    members: list[Person] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)

    @property
    def department(self) -> Any:
        return self.participant.department

    @property
    def is_initiating(self) -> bool:
        return self.participant.role == DepartmentRole.INITIATING


def _visit(queryset: Any, **lookup: Any) -> Visit:
    visit = (queryset.select_related("task__initiating", "drawn_target__target")
             .filter(**lookup).first())
    if visit is None:
        raise Http404
    return visit


def _sections(visit: Visit, *, day: date, results_for: Any = None) -> list[Section]:
    """Every participating department, initiating first, with its group in force on `day`
    and its items; the outcomes entered so far where `results_for` may see them."""
    task, drawn = visit.task, visit.drawn_target
    participants = sorted(plan_selectors.task_participants(task=task),
                          key=lambda p: (p.role != DepartmentRole.INITIATING, p.order, p.pk))
    groups = {g.department.pk: g for g in
              draw_selectors._groups(task, [drawn], day).get(drawn.pk, [])}
    findings: dict[tuple[int, int], ItemFinding] = {}
    if results_for is not None:
        shown = [r for r in visit.inspections.select_related("visit__task__initiating",
                                                             "department")
                 if permissions.can_view_result(results_for, r)]
        findings = {(f.inspection.department_id, f.item_id): f for f in
                    ItemFinding.objects.filter(inspection__in=shown)
                    .select_related("inspection")}
    sections = []
    for p in participants:
        group = groups.get(p.department_id)
        members = [Person(m.name, m.certificate_number, m.role == InspectorRole.EXPERT)
                   for m in (group.members if group else [])]
        lines = []
        for item in p.items.all():
            found = findings.get((p.department_id, item.pk))
            lines.append(Line(item, found.outcome, found.note) if found else Line(item))
        sections.append(Section(p, members, lines))
    return sections


def _visit_day(visit: Visit) -> date:
    """The day the groups go: the certificate numbers printed are the ones valid then."""
    return visit.agreed_date or timezone.localdate()


def _document(request: HttpRequest, pk: int, template: str, *, for_pdf: bool) -> tuple[Visit,
                                                                                       str]:
    visit = _visit(Visit.objects.for_user(request.user), pk=pk)
    blank = request.GET.get("blank") == "1"
    sections = _sections(visit, day=_visit_day(visit),
                         results_for=None if blank else request.user)
    url = qr.public_url(request, visit)
    task = visit.task
    context = {
        "visit": visit, "task": task, "target": visit.drawn_target.target,
        "sections": sections, "initiating": task.initiating,
        "cooperating": [s.department for s in sections if not s.is_initiating],
        "inspectors": [(s.department, m) for s in sections for m in s.members],
        "contact": _contact(visit, sections),
        "materials": [m.strip() for m in visit.materials.splitlines() if m.strip()],
        "outcome_choices": Outcome.choices, "blank": blank, "for_pdf": for_pdf,
        "public_url": url, "qr_svg": qr.svg(url), "printed_at": timezone.now(),
    }
    return visit, render_to_string(template, context, request=request)


def _contact(visit: Visit, sections: list[Section]) -> dict[str, str]:
    """Whom the entity calls: the first officer of the initiating group, with the phone the
    inspector directory holds for them (the notice is handed to the entity, not published)."""
    first = (Assignment.objects.filter(drawn_target_id=visit.drawn_target_id,
                                       released_at__isnull=True,
                                       department_id=visit.task.initiating_id,
                                       inspector__role=InspectorRole.OFFICER)
             .select_related("inspector").order_by("position").first())
    if first is None:
        return {"name": "", "phone": ""}
    return {"name": first.inspector.name, "phone": first.inspector.phone}


def _pdf(visit: Visit, html: str, kind: str) -> HttpResponse:
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    filename = f"{visit.task.code}-{visit.drawn_target.ident}-{kind}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_http_methods(["GET"])
def checklist(request: HttpRequest, pk: int) -> HttpResponse:
    """检查单: every department's items for this target, to fill in, sign and seal on site."""
    _visit_obj, html = _document(request, pk, "inspections/documents/checklist.html",
                                 for_pdf=False)
    return HttpResponse(html)


@require_http_methods(["GET"])
def checklist_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    visit, html = _document(request, pk, "inspections/documents/checklist.html", for_pdf=True)
    return _pdf(visit, html, "checklist")


@require_http_methods(["GET"])
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    """检查告知书: tells the entity who comes, when, for what, and what to prepare."""
    _visit_obj, html = _document(request, pk, "inspections/documents/notice.html",
                                 for_pdf=False)
    return HttpResponse(html)


@require_http_methods(["GET"])
def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    visit, html = _document(request, pk, "inspections/documents/notice.html", for_pdf=True)
    return _pdf(visit, html, "notice")


# -- 扫码入企 -------------------------------------------------------------------------------------

def _record_scan(request: HttpRequest, visit: Visit) -> None:
    """Record the scan, once per phone and visit in SCAN_REPEAT_SECONDS: reloads and repeated
    looks do not swell the visit's trace. There is no request rate limit: the token is 144
    random bits, so there is nothing to guess, and the page is a few indexed reads."""
    client = request.META.get("REMOTE_ADDR", "")
    agent = request.META.get("HTTP_USER_AGENT", "")
    seen = hashlib.sha256(f"{visit.pk}|{client}|{agent}".encode()).hexdigest()
    if cache.add(f"visit-scan:{seen}", 1, SCAN_REPEAT_SECONDS):
        services.scan_record(visit=visit, client=client, user_agent=agent)


@login_not_required
@require_http_methods(["GET"])
def visit_public(request: HttpRequest, token: str) -> HttpResponse:
    """The page the QR code opens: proof to the entity that the inspection is genuine.

    Only what the entity may know: the task, its departments and items, the inspectors'
    names and certificate numbers, the period and the agreed date. No phone or identity
    number, no credit-risk class, no ticket, no other target.
    """
    visit = _visit(Visit.objects.all(), token=token)
    _record_scan(request, visit)
    task, drawn = visit.task, visit.drawn_target
    valid = drawn.replaced_at is None and task.state != TaskState.CLOSED
    context: dict[str, Any] = {
        "valid": valid,
        "task": {"code": task.code, "name": task.name, "initiating": task.initiating.name,
                 "period_start": task.period_start, "period_end": task.period_end},
        "target_name": drawn.target.name,
    }
    if valid:
        sections = _sections(visit, day=_visit_day(visit))
        context |= {
            "agreed_date": visit.agreed_date,
            "departments": [{"name": s.department.name, "initiating": s.is_initiating,
                             "members": s.members,
                             "items": [{"matter": line.item.matter,
                                        "sub_item": line.item.sub_item,
                                        "content": line.item.content} for line in s.lines]}
                            for s in sections],
        }
    response = render(request, "inspections/public_visit.html", context)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
