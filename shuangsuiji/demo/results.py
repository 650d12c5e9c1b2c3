"""The demo's inspection results: the earlier task's groups enter, sign, submit, get reviewed,
and record a follow-up, all through the same services as the pages.

Which targets and inspectors the draw picked is decided at build time (the server's secret
is fresh each time), so results are given in the order of the record's targets, not by name.
Every group member gets a sign-in account that cannot log in (no password), so each result is
entered and signed by the inspectors who were actually drawn, as the audit log shows.
"""

import io
import random
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from PIL import Image, ImageDraw

from shuangsuiji.accounts import services as accounts
from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import User
from shuangsuiji.draws.models import Assignment
from shuangsuiji.inspections import services
from shuangsuiji.inspections.choices import ReviewState
from shuangsuiji.inspections.models import Inspection, Visit
from shuangsuiji.inspectors.models import Inspector
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.publication.services import result_publish
from shuangsuiji.rules.workdays import WorkdayCalendar
from shuangsuiji.workdays.selectors import calendar


def _account(inspector: Inspector) -> User:
    if inspector.user_id:
        return inspector.user
    user = accounts.user_create(actor=None, username=inspector.code.lower(), password=None,
                                role=Role.EXPERT if inspector.role == "expert" else Role.INSPECTOR,
                                department=inspector.department, full_name=inspector.name)
    inspector.user = user
    inspector.save(update_fields=["user"])
    return user


def _signature(seed: str) -> bytes:
    """A handwritten-looking stroke: enough for the demo's signature boxes."""
    rng = random.Random(seed)  # noqa: S311 - a drawing, not a secret
    image = Image.new("RGBA", (360, 120), (255, 255, 255, 0))
    points = [(20 + i * 40, rng.randint(30, 95)) for i in range(9)]
    ImageDraw.Draw(image).line(points, fill=(20, 30, 90, 255), width=4, joint="curve")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _working(day: date, cal: WorkdayCalendar, earliest: date) -> date:
    """The working day on or before `day` (not before `earliest`): told from any day, the
    demo's offices inspect and publish on working days, not on a Sunday or a holiday."""
    while day > earliest and not cal.is_workday(day):
        day -= timedelta(days=1)
    return day


def _enter(result: Inspection, spec: dict[str, Any], reviewer: User,
           cal: WorkdayCalendar) -> None:
    group = list(Assignment.objects.filter(
        drawn_target_id=result.visit.drawn_target_id, department_id=result.department_id,
        released_at__isnull=True).select_related("inspector__user").order_by("position"))
    actor = _account(group[0].inspector)
    for a in group:
        _account(a.inspector)
    task = result.visit.task
    day = _working(task.period_start + timedelta(days=spec["day"]), cal, task.period_start)
    if result.visit.agreed_date is None:
        services.visit_schedule(actor=actor, visit=result.visit, day=day,
                                materials=spec.get("materials", ""))
    outcome = spec.get("outcome", "compliant")
    findings = {f.item_id: (outcome, spec.get("note", "")) for f in result.findings.all()}
    services.inspection_save(actor=actor, inspection=result, inspected_on=day,
                             methods=spec.get("methods", ["on_site", "documents"]),
                             categories=spec["categories"], summary=spec.get("summary", ""),
                             findings=findings)
    if spec.get("state") == ReviewState.ENTERED:
        return
    for a in group:
        services.signature_add(actor=actor, inspection=result, role="inspector", name="",
                               png=_signature(a.inspector.code), inspector_id=a.inspector_id)
    target = result.visit.drawn_target.target
    services.signature_add(actor=actor, inspection=result, role="representative",
                           name=target.legal_rep or "单位负责人", png=_signature(target.uscc))
    services.inspection_submit(actor=actor, inspection=result)
    if spec.get("state") == ReviewState.SUBMITTED:
        return
    services.inspection_review(actor=reviewer, inspection=result, approve=True)
    if spec.get("publish", True):
        # Published the way the seed's office did, some days after the inspection.
        result.refresh_from_db()
        result_publish(actor=reviewer, inspection=result,
                       today=_working(day + timedelta(days=spec.get("published_after", 10)),
                                      cal, day))
    services.visit_inform(actor=actor, visit=result.visit,
                          how="检查结束时当场反馈，检查单副本留存被检查单位")
    follow_up = spec.get("follow_up")
    if follow_up:
        result.refresh_from_db()
        services.follow_up_create(
            actor=reviewer, inspection=result, kind=follow_up["kind"], owner=reviewer,
            due_on=day + timedelta(days=follow_up["days"]), notes=follow_up.get("notes", ""),
            rectify_by=day + timedelta(days=follow_up["days"]))


def replay(task: InspectionTask, specs: list[dict[str, Any]], reviewer: User) -> int:
    """Enter the given results for the task's first targets in force; once (idempotent)."""
    if Inspection.objects.filter(visit__task=task, entered_at__isnull=False).exists():
        return 0
    visits = list(Visit.objects.filter(task=task, drawn_target__replaced_at__isnull=True)
                  .order_by("drawn_target__stratum", "drawn_target__position", "pk"))
    done, cal = 0, calendar()
    with transaction.atomic():
        for visit, spec in zip(visits, specs, strict=False):
            for result in visit.inspections.all():
                _enter(result, spec, reviewer, cal)
                done += 1
    return done
