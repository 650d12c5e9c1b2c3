"""Changes to visits, results, evidence, signatures and follow-ups; each one audited.

Permission checks live here as well as in the views, so the API and the pages cannot differ.
"""

import hashlib
import hmac
import io
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import Department, User
from shuangsuiji.accounts.scoping import is_admin
from shuangsuiji.core.audit import audit_record
from shuangsuiji.core.i18n import reason as rule_reason
from shuangsuiji.draws.models import Assignment, DrawnTarget
from shuangsuiji.plans import services as plan_services
from shuangsuiji.plans.choices import TaskState
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.plans.selectors import task_organisation_id
from shuangsuiji.rules.errors import RuleError
from shuangsuiji.rules.results import (
    ResultDraft,
    check_categories,
    check_evidence,
    check_evidence_content,
)
from shuangsuiji.rules.results import missing_for_submission as rules_missing_for_submission

from . import permissions, selectors
from .choices import (
    REVIEW_MOVES,
    Conduct,
    EvidenceKind,
    FollowUpKind,
    FollowUpState,
    Method,
    Outcome,
    ResultCategory,
    ReviewState,
    SignerRole,
)
from .models import (
    Claim,
    Evidence,
    FollowUp,
    Inspection,
    ItemFinding,
    ReviewEvent,
    ScanRecord,
    Signature,
    ViolationCategory,
    Visit,
)
from .signals import send_risk_facts_recorded, send_visit_scheduled

# What each missing-for-submission code means to the user.
MISSING = {
    "inspected_on": gettext_lazy("the inspection date"),
    "inspected_on_range": gettext_lazy(
        "an inspection date within the task period and not in the future"),
    "methods": gettext_lazy("at least one inspection method"),
    "categories": gettext_lazy("at least one result category"),
    "findings": gettext_lazy("a finding for every checklist item"),
    "inspector_signatures": gettext_lazy(
        "the signatures of two inspectors, or a scan of the signed checklist"),
    "representative_signature": gettext_lazy(
        "the signature of the entity's representative, or a scan of the signed checklist"),
}


class StaleResult(Exception):
    """A result saved on an older version than the one stored: someone else saved it since.

    Not a ValidationError: the caller (the field app's sync) answers with the stored values,
    so the inspector chooses, and nothing is overwritten silently."""

    def __init__(self, inspection: Inspection) -> None:
        super().__init__(f"result {inspection.pk} is at version {inspection.version}")
        self.inspection = inspection


def _deny(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# -- Visits --------------------------------------------------------------------------------------

# Visits per bulk insert (each brings a result sheet per department and its checklist lines).
_VISIT_BATCH = 2000


def visits_create(task: InspectionTask) -> int:
    """The visits, and each department's result sheet with its checklist lines, of the task's
    drawn targets in force that have none yet; how many visits were made.

    Made by the draw and by each replacement (draws.signals.targets_drawn, in their
    transaction; their audit entry says how many), never on reading a page. Set-wise: a
    province's draw has tens of thousands of targets.
    """
    if task.state in {TaskState.DRAFT, TaskState.FROZEN}:
        return 0
    # In the order of the codes: the visits' and results' ids are shown to inspectors and
    # cooperating departments, and ids made in ticket order would rank the targets.
    new = list(DrawnTarget.objects.filter(task=task, replaced_at__isnull=True)
               .exclude(pk__in=Visit.objects.filter(task=task).values("drawn_target_id"))
               .order_by("ident").values_list("pk", flat=True))
    items = {p.department_id: [i.pk for i in p.items.all()]
             for p in task.participants.prefetch_related("items")}
    for start in range(0, len(new), _VISIT_BATCH):
        visits = Visit.objects.bulk_create(Visit(task=task, drawn_target_id=pk)
                                           for pk in new[start:start + _VISIT_BATCH])
        results = Inspection.objects.bulk_create(
            Inspection(visit=visit, department_id=department)
            for visit in visits for department in items)
        ItemFinding.objects.bulk_create(
            (ItemFinding(inspection=result, item_id=item)
             for result in results for item in items[result.department_id]),
            batch_size=_VISIT_BATCH)
    return len(new)


def on_targets_drawn(task: InspectionTask, **_kwargs: Any) -> dict[str, int]:
    """draws.signals.targets_drawn: the new targets' visits, counted in the draw's entry."""
    return {"visits_created": visits_create(task)}


@transaction.atomic
def task_claim(*, actor: User, task: InspectionTask) -> Claim:
    """领取任务: an inspector of a group in force takes up the task; the task starts."""
    inspector = getattr(actor, "inspector", None)
    if inspector is None:
        raise PermissionDenied
    _deny(Assignment.objects.filter(
        task=task, inspector=inspector, released_at__isnull=True).exists())
    if task.state not in {TaskState.DRAWN, TaskState.IN_PROGRESS}:
        raise ValidationError(_("Task {code} is {state}: it cannot be claimed.").format(
            code=task.code, state=task.get_state_display()))
    claim, created = Claim.objects.get_or_create(task=task, inspector=inspector)
    if created:
        if task.state == TaskState.DRAWN:
            plan_services.task_start(actor=actor, task=task)
        audit_record(actor=actor, action="task.claim", obj=task,
                     organisation_id=task_organisation_id(task),
                     summary=_("{name} claimed task {code}").format(name=inspector.name,
                                                                  code=task.code),
                     data={"inspector": inspector.code})
    return claim


@transaction.atomic
def visit_schedule(*, actor: User, visit: Visit, day: date, materials: str = "") -> Visit:
    """Agree the inspection date (both groups see it) and the materials to prepare."""
    _deny(permissions.can_schedule(actor, visit))
    task = visit.task
    if not task.period_start <= day <= task.period_end:
        raise ValidationError({"agreed_date": _(
            "The date must be within the task's inspection period, {start} to {end}.").format(
                start=task.period_start, end=task.period_end)})
    old = visit.agreed_date
    visit.agreed_date, visit.materials = day, materials.strip()
    visit.agreed_by, visit.agreed_at = actor, timezone.now()
    visit.save(update_fields=["agreed_date", "materials", "agreed_by", "agreed_at"])
    made = send_visit_scheduled(visit=visit, actor=actor)  # the entity's notice (notices)
    audit_record(actor=actor, action="visit.schedule", obj=visit,
                 organisation_id=task_organisation_id(task),
                 summary=_("Visit to {target}: date agreed {day}").format(
                     target=visit.drawn_target.ident, day=day),
                 data={"from": old, "to": day, **made})
    return visit


@transaction.atomic
def visit_inform(*, actor: User, visit: Visit, how: str) -> Visit:
    """The entity was told the outcome (给检查对象反馈情况)."""
    _deny(permissions.can_schedule(actor, visit))
    if not how.strip():
        raise ValidationError({"how": _("Say how the entity was told.")})
    visit.entity_informed_at, visit.entity_informed_how = timezone.now(), how.strip()
    visit.save(update_fields=["entity_informed_at", "entity_informed_how"])
    audit_record(actor=actor, action="visit.inform", obj=visit,
                 organisation_id=task_organisation_id(visit.task),
                 summary=_("Visit to {target}: entity told the outcome").format(
                     target=visit.drawn_target.ident), data={"how": visit.entity_informed_how})
    return visit


def scan_record(*, visit: Visit, client: str, user_agent: str) -> ScanRecord:
    """Record a scan of the visit's QR code; the client address is kept only as a keyed hash."""
    key = settings.SECRET_KEY.encode()
    client_hash = hmac.new(key, client.encode(), hashlib.sha256).hexdigest() if client else ""
    return ScanRecord.objects.create(visit=visit, client_hash=client_hash,
                                     user_agent=user_agent[:200])


# -- Results -------------------------------------------------------------------------------------

def _editable(inspection: Inspection) -> Inspection:
    locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if not locked.is_editable:
        raise ValidationError(_("This result is {state}: it can no longer be changed.").format(
            state=locked.get_state_display()))
    return locked


def _check_choices(values: Sequence[str], allowed: type[models.TextChoices], field: str
                   ) -> list[str]:
    bad = [v for v in values if v not in allowed.values]
    if bad:
        raise ValidationError({field: _("Unknown choice: {values}").format(values=", ".join(bad))})
    return list(dict.fromkeys(values))


@transaction.atomic
def inspection_save(*, actor: User, inspection: Inspection, inspected_on: date | None,
                    methods: Sequence[str], categories: Sequence[str], conduct: str = "",
                    summary: str = "", violation_categories: Sequence[int] = (),
                    findings: Mapping[int, tuple[str, str]] | None = None,
                    base_version: int | None = None) -> Inspection:
    """Enter or correct a result. `findings`: item id → (outcome, note).

    `base_version`: the version the values were entered on; StaleResult if it has moved."""
    _deny(permissions.can_enter(actor, inspection))
    inspection = _editable(inspection)
    if base_version is not None and base_version != inspection.version:
        raise StaleResult(inspection)
    methods = _check_choices(methods, Method, "methods")
    categories = _check_choices(categories, ResultCategory, "categories")
    if conduct not in Conduct.values:
        raise ValidationError({"conduct": _("Unknown choice: {values}").format(values=conduct)})
    if inspected_on and inspected_on > timezone.localdate():
        raise ValidationError({"inspected_on": _("The inspection date is in the future.")})
    lines = {f.item_id: f for f in inspection.findings.all()}
    findings = findings or {}
    unknown = set(findings) - set(lines)
    if unknown:
        raise ValidationError(_("These items are not on this department's checklist."))
    for outcome, _note in findings.values():
        if outcome and outcome not in Outcome.values:
            raise ValidationError({"findings": _("Unknown choice: {values}").format(
                values=outcome)})
    outcomes = [findings.get(i, (line.outcome, ""))[0] for i, line in lines.items()]
    try:
        check_categories(categories, outcomes, conduct)
    except RuleError as exc:
        raise ValidationError({"categories": rule_reason(exc)}) from exc
    org = inspection.department.root_id or inspection.department_id
    allowed_violations = set(ViolationCategory.objects.filter(
        organisation_id=org, is_active=True, pk__in=violation_categories)
        .values_list("pk", flat=True))
    if set(violation_categories) - allowed_violations:
        raise ValidationError({"violation_categories": _(
            "A violation category does not belong to this department.")})
    for item_id, (outcome, note) in findings.items():
        line = lines[item_id]
        line.outcome, line.note = outcome, note.strip()
    ItemFinding.objects.bulk_update([lines[i] for i in findings], ["outcome", "note"])
    inspection.inspected_on, inspection.methods = inspected_on, methods
    inspection.categories, inspection.conduct = categories, conduct
    inspection.summary = summary.strip()
    inspection.entered_by, inspection.entered_at = actor, timezone.now()
    inspection.version += 1
    inspection.save()
    inspection.violation_categories.set(allowed_violations)
    audit_record(actor=actor, action="result.save", obj=inspection,
                 organisation_id=task_organisation_id(inspection.visit.task),
                 summary=_("Result of {department} for {target} saved").format(
                     department=inspection.department.name,
                     target=inspection.visit.drawn_target.ident),
                 data={"inspected_on": inspected_on, "methods": methods,
                       "categories": categories, "conduct": conduct, "version": inspection.version,
                       "findings": {str(k): v[0] for k, v in findings.items()}})
    return inspection


def submission_draft(inspection: Inspection) -> ResultDraft:
    signatures = list(inspection.signatures.values_list("role", flat=True))
    return ResultDraft(
        inspected_on=inspection.inspected_on, methods=inspection.methods,
        categories=inspection.categories, conduct=inspection.conduct,
        outcomes={str(f.item_id): f.outcome for f in inspection.findings.all()},
        signed_scan=inspection.evidence.filter(kind=EvidenceKind.SIGNED_CHECKLIST).exists(),
        inspector_signatures=signatures.count(SignerRole.INSPECTOR),
        representative_signed=SignerRole.REPRESENTATIVE in signatures)


def missing_for_submission(inspection: Inspection) -> list[str]:
    return [str(MISSING[code]) for code in rules_missing_for_submission(
        submission_draft(inspection), period_start=inspection.visit.task.period_start,
        today=timezone.localdate())]


def _move(*, actor: User, inspection: Inspection, to: str, reason: str = "") -> Inspection:
    if to not in REVIEW_MOVES[inspection.state]:
        raise ValidationError(_("A result that is {state} cannot become {to}.").format(
            state=inspection.get_state_display(), to=ReviewState(to).label))
    old = inspection.state
    inspection.state = to
    ReviewEvent.objects.create(inspection=inspection, from_state=old, to_state=to,
                               reason=reason, by=actor)
    audit_record(actor=actor, action=f"result.{to}", obj=inspection,
                 organisation_id=task_organisation_id(inspection.visit.task),
                 summary=_("Result of {department} for {target}: {old} → {new}").format(
                     department=inspection.department.name,
                     target=inspection.visit.drawn_target.ident,
                     old=ReviewState(old).label, new=ReviewState(to).label),
                 data={"from": old, "to": to, "reason": reason})
    return inspection


@transaction.atomic
def inspection_submit(*, actor: User, inspection: Inspection) -> Inspection:
    _deny(permissions.can_enter(actor, inspection))
    inspection = _editable(inspection)
    missing = missing_for_submission(inspection)
    if missing:
        raise ValidationError(_("Before submitting, add: {missing}.").format(
            missing="; ".join(missing)))
    _move(actor=actor, inspection=inspection, to=ReviewState.SUBMITTED)
    inspection.submitted_at = timezone.now()
    inspection.save(update_fields=["state", "submitted_at"])
    return inspection


def _risk_facts(inspection: Inspection, actor: User | None) -> None:
    """The risk loop of the inspecting organisation's own row of the entity (selectors
    result_view): a joint visit's result never raises another organisation's class. An
    organisation that does not know the entity has no class of it to raise."""
    view = selectors.result_view(inspection)
    if view is not None:
        send_risk_facts_recorded(target=view, actor=actor)


@transaction.atomic
def inspection_review(*, actor: User, inspection: Inspection, approve: bool,
                      reason: str = "") -> Inspection:
    """审核: approve (ready for publication) or return with reasons."""
    _deny(permissions.can_review(actor, inspection))
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if not approve and not reason.strip():
        raise ValidationError({"reason": _("Say why the result is returned.")})
    to = ReviewState.APPROVED if approve else ReviewState.RETURNED
    _move(actor=actor, inspection=inspection, to=to, reason=reason.strip())
    inspection.reviewed_by, inspection.reviewed_at = actor, timezone.now()
    inspection.return_reason = "" if approve else reason.strip()
    inspection.save(update_fields=["state", "reviewed_by", "reviewed_at", "return_reason"])
    if approve and inspection.conduct:  # refusal, concealment, falsification: the risk loop
        _risk_facts(inspection, actor)
    return inspection


# -- Evidence and signatures ---------------------------------------------------------------------

def _stored_name(extension: str) -> str:
    # Never the uploader's name: it could carry path characters or collide.
    return f"{uuid.uuid4().hex}.{extension}"


def _verify_image(data: bytes) -> None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError(_("The image cannot be read.")) from exc


class Capture(TypedDict, total=False):
    """Where and when a phone took a photo: its own clock, and its position if it gave one."""

    captured_at: datetime
    latitude: Decimal
    longitude: Decimal
    accuracy_m: int


def _check_capture(capture: Capture) -> None:
    lat, lon = capture.get("latitude"), capture.get("longitude")
    if (lat is None) != (lon is None):
        raise ValidationError({"location": _("A position needs both latitude and longitude.")})
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError({"location": _("The position is not on the Earth.")})


@transaction.atomic
def evidence_add(*, actor: User, inspection: Inspection, upload: UploadedFile, kind: str,
                 description: str = "", capture: Capture | None = None) -> Evidence:
    _deny(permissions.can_enter(actor, inspection))
    inspection = _editable(inspection)
    if kind not in EvidenceKind.values:
        raise ValidationError({"kind": _("Unknown choice: {values}").format(values=kind)})
    name = upload.name or ""
    upload.seek(0)
    head = upload.read(512)
    try:
        mime = check_evidence(name, head, upload.size or 0,
                              max_bytes=settings.SHUANGSUIJI_EVIDENCE_MAX_BYTES)
    except RuleError as exc:
        raise ValidationError({"file": rule_reason(exc)}) from exc
    upload.seek(0)
    data = upload.read()
    try:  # parsed whole by pypdf or Pillow: the first bytes alone prove nothing
        check_evidence_content(mime, data)
    except RuleError as exc:
        raise ValidationError({"file": rule_reason(exc)}) from exc
    capture = capture or {}
    _check_capture(capture)
    evidence = Evidence(inspection=inspection, kind=kind, original_name=name,
                        content_type=mime, size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(),
                        description=description.strip(), uploaded_by=actor, **capture)
    evidence.file.save(_stored_name(name.rsplit(".", 1)[-1].lower()), ContentFile(data),
                       save=False)
    evidence.save()
    audit_record(actor=actor, action="result.evidence", obj=inspection,
                 organisation_id=task_organisation_id(inspection.visit.task),
                 summary=_("Evidence “{name}” added to the result for {target}").format(
                     name=name, target=inspection.visit.drawn_target.ident),
                 data={"evidence": evidence.pk, "sha256": evidence.sha256, "kind": kind,
                       "size": evidence.size, **capture})
    return evidence


SIGNATURE_MAX_BYTES = 1024 * 1024


@transaction.atomic
def signature_add(*, actor: User, inspection: Inspection, role: str, name: str,
                  png: bytes, inspector_id: int | None = None) -> Signature:
    """A signature drawn on screen (or a photo of the seal), as PNG."""
    _deny(permissions.can_enter(actor, inspection))
    inspection = _editable(inspection)
    if role not in SignerRole.values:
        raise ValidationError({"role": _("Unknown choice: {values}").format(values=role)})
    if role != SignerRole.INSPECTOR and not name.strip():
        raise ValidationError({"name": _("Enter the signer's name.")})
    if not png or len(png) > SIGNATURE_MAX_BYTES or not png.startswith(b"\x89PNG"):
        raise ValidationError(_("The signature must be a PNG image of at most 1 MB."))
    _verify_image(png)
    with Image.open(io.BytesIO(png)) as image:
        if image.convert("LA").getchannel("A").getbbox() is None and \
                image.convert("L").point(lambda v: 255 if v < 250 else 0).getbbox() is None:
            raise ValidationError(_("The signature is empty."))
    inspector = None
    if role == SignerRole.INSPECTOR:
        assignment = Assignment.objects.filter(
            drawn_target_id=inspection.visit.drawn_target_id, released_at__isnull=True,
            department_id=inspection.department_id,
            inspector_id=inspector_id,  # type: ignore[misc]  # None finds none: refused below
        ).select_related(
            "inspector").first()
        if assignment is None:
            raise ValidationError({"inspector": _(
                "Only an inspector of this department's group signs as inspector.")})
        inspector = assignment.inspector
        if inspection.signatures.filter(role=role, inspector=inspector).exists():
            raise ValidationError({"inspector": _("{name} has already signed.").format(
                name=inspector.name)})
        name = inspector.name
    signature = Signature(inspection=inspection, role=role, name=name.strip(),
                          inspector=inspector, sha256=hashlib.sha256(png).hexdigest(),
                          recorded_by=actor)
    signature.image.save(_stored_name("png"), ContentFile(png), save=False)
    signature.save()
    audit_record(actor=actor, action="result.signature", obj=inspection,
                 organisation_id=task_organisation_id(inspection.visit.task),
                 summary=_("{role} {name} signed the result for {target}").format(
                     role=SignerRole(role).label, name=signature.name,
                     target=inspection.visit.drawn_target.ident),
                 data={"signature": signature.pk, "sha256": signature.sha256, "role": role})
    return signature


# -- Follow-up -----------------------------------------------------------------------------------

@transaction.atomic
def follow_up_create(*, actor: User, inspection: Inspection, kind: str, owner: Any,
                     due_on: date, notes: str = "", rectify_by: date | None = None,
                     referred_to: str = "") -> FollowUp:
    _deny(permissions.can_follow_up(actor, inspection))
    if kind not in FollowUpKind.values:
        raise ValidationError({"kind": _("Unknown choice: {values}").format(values=kind)})
    if inspection.state == ReviewState.ENTERED and not inspection.categories:
        raise ValidationError(_("Enter the result before its follow-up."))
    if kind == FollowUpKind.RECTIFY and rectify_by is None:
        raise ValidationError({"rectify_by": _("An order to rectify needs a deadline.")})
    if kind in {FollowUpKind.REFER, FollowUpKind.JUDICIAL} and not referred_to.strip():
        raise ValidationError({"referred_to": _("Name the department or organ it goes to.")})
    owner_org = owner.department.root_id or owner.department_id if owner.department_id else None
    if owner_org != (inspection.department.root_id or inspection.department_id):
        raise ValidationError({"owner": _("The owner must belong to the department that "
                                          "inspected.")})
    follow_up = FollowUp.objects.create(
        inspection=inspection, kind=kind, owner=owner, due_on=due_on, notes=notes.strip(),
        rectify_by=rectify_by, referred_to=referred_to.strip(), created_by=actor)
    # "No follow-up needed" is closed the moment it is recorded.
    if kind == FollowUpKind.NONE:
        follow_up.state, follow_up.closed_on = FollowUpState.CLOSED, timezone.localdate()
        follow_up.save(update_fields=["state", "closed_on"])
    audit_record(actor=actor, action="followup.create", obj=follow_up,
                 organisation_id=task_organisation_id(inspection.visit.task),
                 summary=_("Follow-up “{kind}” for {target}, owner {owner}, due {due}").format(
                     kind=FollowUpKind(kind).label, target=inspection.visit.drawn_target.ident,
                     owner=owner.get_full_name() or owner.username, due=due_on),
                 data={"kind": kind, "owner": owner.pk, "due_on": due_on,
                       "rectify_by": rectify_by, "referred_to": referred_to})
    return follow_up


def _open(follow_up: FollowUp) -> FollowUp:
    locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if locked.state != FollowUpState.OPEN:
        raise ValidationError(_("This follow-up is closed."))
    return locked


@transaction.atomic
def follow_up_recheck(*, actor: User, follow_up: FollowUp, day: date, passed: bool,
                      note: str) -> FollowUp:
    """The re-check of an order to rectify (复查), itself recorded."""
    _deny(permissions.can_follow_up(actor, follow_up.inspection))
    follow_up = _open(follow_up)
    if follow_up.kind != FollowUpKind.RECTIFY:
        raise ValidationError(_("Only an order to rectify is re-checked."))
    if day > timezone.localdate():
        raise ValidationError({"recheck_on": _("The re-check date is in the future.")})
    follow_up.recheck_on, follow_up.recheck_passed = day, passed
    follow_up.recheck_note = note.strip()
    follow_up.save(update_fields=["recheck_on", "recheck_passed", "recheck_note"])
    audit_record(actor=actor, action="followup.recheck", obj=follow_up,
                 organisation_id=task_organisation_id(follow_up.inspection.visit.task),
                 summary=_("Re-check of {target} on {day}: {result}").format(
                     target=follow_up.inspection.visit.drawn_target.ident, day=day,
                     result=_("passed") if passed else _("not passed")),
                 data={"day": day, "passed": passed, "note": note})
    return follow_up


@transaction.atomic
def follow_up_penalty(*, actor: User, follow_up: FollowUp, decision_number: str,
                      amount: Decimal | None, decision_date: date) -> FollowUp:
    """The administrative penalty decision of a case (立案查处)."""
    _deny(permissions.can_follow_up(actor, follow_up.inspection))
    follow_up = _open(follow_up)
    if follow_up.kind != FollowUpKind.PENALTY:
        raise ValidationError(_("Only a case records a penalty decision."))
    if not decision_number.strip():
        raise ValidationError({"decision_number": _("Enter the decision number.")})
    if amount is not None and amount < 0:
        raise ValidationError({"penalty_amount": _("The amount cannot be negative.")})
    follow_up.decision_number, follow_up.penalty_amount = decision_number.strip(), amount
    follow_up.decision_date = decision_date
    follow_up.save(update_fields=["decision_number", "penalty_amount", "decision_date"])
    audit_record(actor=actor, action="followup.penalty", obj=follow_up,
                 organisation_id=task_organisation_id(follow_up.inspection.visit.task),
                 summary=_("Penalty decision {number} for {target}").format(
                     number=follow_up.decision_number,
                     target=follow_up.inspection.visit.drawn_target.ident),
                 data={"number": decision_number, "amount": amount, "date": decision_date})
    _risk_facts(follow_up.inspection, actor)  # the risk loop (credit)
    return follow_up


@transaction.atomic
def follow_up_close(*, actor: User, follow_up: FollowUp, closed_on: date,
                    note: str = "") -> FollowUp:
    _deny(permissions.can_follow_up(actor, follow_up.inspection))
    follow_up = _open(follow_up)
    if follow_up.kind == FollowUpKind.RECTIFY and not follow_up.recheck_passed:
        raise ValidationError(_("An order to rectify closes after a passed re-check."))
    if follow_up.kind == FollowUpKind.PENALTY and not (follow_up.decision_number
                                                       and follow_up.decision_date):
        raise ValidationError(_("A case closes with its penalty decision recorded."))
    if closed_on > timezone.localdate():
        raise ValidationError({"closed_on": _("The closing date is in the future.")})
    follow_up.state, follow_up.closed_on = FollowUpState.CLOSED, closed_on
    if note.strip():
        follow_up.notes = f"{follow_up.notes}\n{note.strip()}".strip()
    follow_up.save(update_fields=["state", "closed_on", "notes"])
    audit_record(actor=actor, action="followup.close", obj=follow_up,
                 organisation_id=task_organisation_id(follow_up.inspection.visit.task),
                 summary=_("Follow-up of {target} closed on {day}").format(
                     target=follow_up.inspection.visit.drawn_target.ident, day=closed_on),
                 data={"closed_on": closed_on, "note": note})
    return follow_up


# -- The department's own violation categories ---------------------------------------------------

@transaction.atomic
def violation_category_set(*, actor: User | None, organisation: Department, code: str, name: str,
                           is_active: bool = True) -> ViolationCategory:
    """Add or change one of an organisation's violation categories (its office or partner
    staff; administrators for any; `actor=None` is the system, as for the demo's setup).
    A category in use is retired, never deleted."""
    if actor is not None:
        department = actor.department
        own = department is not None and (department.root_id or department.pk) == (
            organisation.root_id or organisation.pk)
        _deny(is_admin(actor) or (own and actor.role in {Role.OFFICE, Role.PARTNER}))
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise ValidationError(_("Enter a code and a name."))
    category, created = ViolationCategory.objects.get_or_create(
        organisation=organisation, code=code, defaults={"name": name, "is_active": is_active})
    before = {"name": category.name, "is_active": category.is_active}
    if not created:
        category.name, category.is_active = name, is_active
        category.save(update_fields=["name", "is_active"])
    audit_record(actor=actor, action="violation_category.set", obj=category,
                 organisation_id=organisation.root_id or organisation.pk,
                 summary=_("Violation category {code} {name} saved").format(code=code,
                                                                           name=name),
                 data={"before": None if created else before,
                       "after": {"name": name, "is_active": is_active}})
    return category
