"""投诉举报 received from the public and the 12345 hotline, and their handling by the office:
received → assigned (to a section) → replied → closed (substantiated or not).

Personal data of the complainant (name, phone) is kept on the complaint only (the phone
encrypted) and never written to an audit entry; the complainant follows the complaint by its
tracking code, which shows the state and the reply, nothing else. A complaint closed as
substantiated counts for the risk rules (credit/services.py `facts_of`), like one entered by
staff.
"""

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypedDict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import (
    Action,
    Domain,
    is_admin,
    may_change_in,
    organisation_id,
    scope_for,
)
from shuangsuiji.core import crypto, search
from shuangsuiji.core.audit import audit_record
from shuangsuiji.core.i18n import reason as rule_reason
from shuangsuiji.entities.models import Target
from shuangsuiji.entities.selectors import NAME_INDEX, organisation_targets
from shuangsuiji.rules import uscc
from shuangsuiji.rules.errors import RuleError
from shuangsuiji.rules.phones import is_phone
from shuangsuiji.rules.results import check_evidence, check_evidence_content
from shuangsuiji.workdays.deadlines import deadline_after

from .models import (
    Complaint,
    ComplaintAttachment,
    ComplaintSource,
    ComplaintState,
    PartnerToken,
)
from .services import risk_rules_apply

# 投诉举报 are answered within 15 working days of receipt.
REPLY_WORKDAYS = 15
MAX_ATTACHMENTS = 5
SUMMARY_MAX = 2000
# "对投诉举报多…加大随机抽查力度": this many substantiated or open complaints within the period
# flag an entity when a task's pool is frozen.
MANY_COMPLAINTS = 3
MANY_COMPLAINTS_DAYS = 365
# No 0/O or 1/I: read out over the phone.
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_tracking_code() -> str:
    """12 random characters (60 bits), shown as XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_tracking_code(text: str) -> str:
    raw = "".join(c for c in (text or "").upper() if c.isalnum())
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}" if len(raw) == 12 else ""


class Complainant(TypedDict, total=False):
    anonymous: bool
    name: str
    phone: str


def _complainant(complainant: Complainant) -> tuple[bool, str, str]:
    """(anonymous, name, encrypted phone): an anonymous complaint keeps neither."""
    anonymous = bool(complainant.get("anonymous"))
    if anonymous:
        return True, "", ""
    name = (complainant.get("name") or "").strip()
    phone = (complainant.get("phone") or "").strip()
    if not name:
        raise ValidationError({"complainant_name": _(
            "Give your name, or choose to complain anonymously.")})
    if len(name) > 50:
        raise ValidationError({"complainant_name": _("At most 50 characters.")})
    if phone and not is_phone(phone):
        raise ValidationError({"complainant_phone": _("Not a phone number.")})
    return False, name, crypto.encrypt(phone)


def complainant_phone(complaint: Complaint) -> str:
    return crypto.decrypt(complaint.complainant_phone_encrypted)


def _check_text(summary: str, received_on: date) -> str:
    summary = summary.strip()
    if not summary:
        raise ValidationError({"summary": _("Describe what the complaint is about.")})
    if len(summary) > SUMMARY_MAX:
        raise ValidationError({"summary": _("At most {n} characters.").format(n=SUMMARY_MAX)})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("The date is in the future.")})
    return summary


def _new(*, target: Target, source: str, received_on: date, summary: str,
         complainant: Complainant, external_id: str = "",
         token: PartnerToken | None = None) -> Complaint:
    anonymous, name, phone = _complainant(complainant)
    complaint = Complaint(
        target=target, organisation_id=organisation_id(target.department),
        received_on=received_on, summary=_check_text(summary, received_on), source=source,
        state=ComplaintState.RECEIVED, due_on=deadline_after(received_on, REPLY_WORKDAYS).date,
        anonymous=anonymous, complainant_name=name, complainant_phone_encrypted=phone,
        tracking_code=new_tracking_code(), external_id=external_id, pushed_by=token)
    complaint.full_clean()
    complaint.save()
    return complaint


def _data(complaint: Complaint, **data: Any) -> dict[str, Any]:
    """An audit entry's data: never the complainant's name or phone, nor the free text (it
    may hold them)."""
    return {"target": complaint.target_id, "state": complaint.state} | data


# -- Receiving ---------------------------------------------------------------------------------

def public_targets(text: str, limit: int = 20) -> list[Target]:
    """Entities the public may name in a complaint: every directory, by the whole code or a
    part of the name (two characters or more)."""
    text = (text or "").strip()
    code = uscc.code_shape(text)
    targets = organisation_targets(organisation_ids=None).select_related("department__root")
    if code is not None:
        found = targets.filter(uscc=code)
    elif len(text) >= search.MIN_LENGTH:
        found = search.name_contains(targets, "name", text, index=NAME_INDEX).filter(
            uscc__isnull=False)
    else:
        return []
    return list(found.order_by("name", "pk")[:limit])


def public_target(pk: int) -> Target | None:
    """An entity the public may name (it has a code: the others cannot be told apart)."""
    return (organisation_targets(organisation_ids=None).select_related("department__root")
            .filter(pk=pk, uscc__isnull=False).first())


@dataclass(frozen=True)
class CheckedFile:
    """An attachment that passed the checks, not yet stored."""

    name: str
    content_type: str
    data: bytes
    sha256: str


def _checked(uploads: Sequence[UploadedFile], field: str = "attachments") -> list[CheckedFile]:
    """The inspections' evidence checks: count, size, type by content, parsed whole; SHA-256.
    Every file is checked before anything is stored, so a refusal leaves nothing on disk."""
    if len(uploads) > MAX_ATTACHMENTS:
        raise ValidationError({field: _("At most {n} files.").format(n=MAX_ATTACHMENTS)})
    checked = []
    for upload in uploads:
        name = upload.name or ""
        upload.seek(0)
        head = upload.read(512)
        try:
            mime = check_evidence(name, head, upload.size or 0,
                                  max_bytes=settings.SHUANGSUIJI_EVIDENCE_MAX_BYTES)
            upload.seek(0)
            data = upload.read()
            check_evidence_content(mime, data)
        except RuleError as exc:
            raise ValidationError({field: f"{name}: {rule_reason(exc)}"}) from exc
        checked.append(CheckedFile(name=name[:200], content_type=mime, data=data,
                                   sha256=hashlib.sha256(data).hexdigest()))
    return checked


def _store(complaint: Complaint, files: Sequence[CheckedFile]) -> list[str]:
    """The checked files on the complaint; their SHA-256 digests, in order."""
    for checked in files:
        attachment = ComplaintAttachment(complaint=complaint, original_name=checked.name,
                                         content_type=checked.content_type,
                                         size=len(checked.data), sha256=checked.sha256)
        # Never the sender's file name on disk: it could carry path characters or collide.
        attachment.file.save(f"{uuid.uuid4().hex}.{checked.name.rsplit('.', 1)[-1].lower()}",
                             ContentFile(checked.data), save=False)
        attachment.save()
    return [checked.sha256 for checked in files]


@transaction.atomic
def complaint_submit(*, target_id: int, summary: str, complainant: Complainant,
                     attachments: Sequence[UploadedFile] = ()) -> Complaint:
    """A complaint from the public form: received today, due in REPLY_WORKDAYS."""
    target = public_target(target_id)
    if target is None:
        raise ValidationError({"target": _("Choose the entity from the search results.")})
    files = _checked(attachments)
    complaint = _new(target=target, source=ComplaintSource.PUBLIC,
                     received_on=timezone.localdate(), summary=summary,
                     complainant=complainant)
    _store(complaint, files)
    audit_record(actor=None, action="credit.complaint_receive", obj=complaint,
                 organisation_id=complaint.organisation_id,
                 summary=_("Complaint about {name} received from the public").format(
                     name=target.name),
                 data=_data(complaint, source=complaint.source, due_on=complaint.due_on,
                            attachments=list(complaint.attachments.values_list(
                                "sha256", flat=True))))
    return complaint


class HotlineFields(TypedDict, total=False):
    external_id: str
    uscc: str
    summary: str
    received_on: date
    anonymous: bool
    complainant_name: str
    complainant_phone: str
    # Files the hotline took with the call (photos, documents), checked like the form's.
    attachments: list[UploadedFile]


def complaint_push(*, token: PartnerToken, data: HotlineFields) -> tuple[Complaint, bool]:
    """A complaint pushed by the 12345 hotline with a partner key: the entity found by its
    code in the key's organisation's directory; (complaint, created). A replay of the same
    工单号 returns the complaint it made, unchanged: its files are not stored again, and
    files sent with a replay are not added (the hotline pushes a ticket's files with it)."""
    external_id = (data.get("external_id") or "").strip()
    if not external_id or len(external_id) > 64:
        raise ValidationError({"external_id": _("Give the hotline's ticket number "
                                                "(at most 64 characters).")})
    org = token.organisation_id
    existing = Complaint.objects.filter(organisation_id=org, external_id=external_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return _push(token, external_id, data), True
    except IntegrityError:  # the same ticket pushed twice at once: the other push won
        existing = Complaint.objects.filter(organisation_id=org,
                                            external_id=external_id).first()
        if existing is None:
            raise
        return existing, False


def _push(token: PartnerToken, external_id: str, data: HotlineFields) -> Complaint:
    code = uscc.normalise(data.get("uscc") or "")
    try:
        code = uscc.validate(code)
    except uscc.InvalidCode as exc:
        raise ValidationError({"uscc": rule_reason(exc)}) from exc
    target = (organisation_targets(organisation_ids=[token.organisation_id])
              .select_related("department").filter(uscc=code).order_by("pk").first())
    if target is None:
        raise ValidationError({"uscc": _("No entity with this code in the directory.")})
    files = _checked(data.get("attachments") or [])
    complaint = _new(target=target, source=ComplaintSource.HOTLINE,
                     received_on=data.get("received_on") or timezone.localdate(),
                     summary=data.get("summary") or "",
                     complainant={"anonymous": bool(data.get("anonymous")),
                                  "name": data.get("complainant_name") or "",
                                  "phone": data.get("complainant_phone") or ""},
                     external_id=external_id, token=token)
    stored = _store(complaint, files)
    audit_record(actor=None, action="credit.complaint_receive", obj=complaint,
                 organisation_id=complaint.organisation_id,
                 summary=_("Complaint about {name} received from {partner}").format(
                     name=target.name, partner=token.name),
                 data=_data(complaint, source=complaint.source, due_on=complaint.due_on,
                            external_id=external_id, partner=token.prefix,
                            attachments=stored))
    return complaint


# -- Handling ----------------------------------------------------------------------------------

def complaints_for(user: Any) -> QuerySet[Complaint]:
    """The complaints a user may read: their organisation's; a section's staff only those
    assigned to their section."""
    qs = Complaint.objects.for_user(user, Action.VIEW)
    if not is_admin(user) and getattr(user, "role", "") == Role.SECTION:
        qs = qs.filter(section_id=user.department_id)
    return qs


def may_handle(user: Any, complaint: Complaint) -> bool:
    """The office assigns and closes; in a cooperating organisation (the public may complain
    about an entity of its directory), its own staff do."""
    if may_change_in(user, Domain.CREDIT, complaint.organisation_id):
        return True
    return (getattr(user, "role", "") == Role.PARTNER
            and complaint.organisation_id in scope_for(user, Domain.CREDIT).organisation_ids)


def may_reply(user: Any, complaint: Complaint) -> bool:
    """The office, or the section the complaint is assigned to."""
    if may_handle(user, complaint):
        return True
    return (getattr(user, "role", "") == Role.SECTION and complaint.section_id is not None
            and complaint.section_id == user.department_id
            and complaint.organisation_id in scope_for(user, Domain.CREDIT).organisation_ids)


def sections(organisation: int) -> QuerySet[Department]:
    return Department.objects.filter(root_id=organisation, parent__isnull=False).order_by("code")


def _locked(complaint: Complaint, may: Any, actor: Any, *states: str) -> Complaint:
    """The complaint as it is now (locked), if the actor may act on it and it is in one of
    `states`."""
    locked = Complaint.objects.select_for_update().select_related("target").get(
        pk=complaint.pk)
    if not may(actor, locked):
        raise PermissionDenied
    if locked.state not in states:
        raise ValidationError({"state": _("Not possible in the state “{state}”.").format(
            state=locked.get_state_display())})
    return locked


@transaction.atomic
def complaint_assign(*, actor: Any, complaint: Complaint, section: Department) -> Complaint:
    """Give the complaint to a section of the organisation (again, to another one)."""
    complaint = _locked(complaint, may_handle, actor, ComplaintState.RECEIVED,
                        ComplaintState.ASSIGNED)
    if organisation_id(section) != complaint.organisation_id or section.parent_id is None:
        raise ValidationError({"section": _("Choose a section of your organisation.")})
    before = complaint.section_id
    complaint.section, complaint.state = section, ComplaintState.ASSIGNED
    complaint.handled_by = actor
    complaint.save(update_fields=["section", "state", "handled_by"])
    audit_record(actor=actor, action="credit.complaint_assign", obj=complaint,
                 organisation_id=complaint.organisation_id,
                 summary=_("Complaint about {name} assigned to {section}").format(
                     name=complaint.target.name, section=section.name),
                 data=_data(complaint, section=section.pk, before=before))
    return complaint


@transaction.atomic
def complaint_reply(*, actor: Any, complaint: Complaint, reply: str) -> Complaint:
    """The answer the complainant reads with the tracking code."""
    complaint = _locked(complaint, may_reply, actor, ComplaintState.RECEIVED,
                        ComplaintState.ASSIGNED, ComplaintState.REPLIED)
    if not may_handle(actor, complaint) and complaint.state != ComplaintState.ASSIGNED:
        raise PermissionDenied
    reply = reply.strip()
    if not reply:
        raise ValidationError({"reply": _("Write the reply.")})
    if len(reply) > SUMMARY_MAX:
        raise ValidationError({"reply": _("At most {n} characters.").format(n=SUMMARY_MAX)})
    today = timezone.localdate()
    complaint.reply, complaint.replied_on = reply, today
    complaint.state, complaint.handled_by = ComplaintState.REPLIED, actor
    complaint.save(update_fields=["reply", "replied_on", "state", "handled_by"])
    audit_record(actor=actor, action="credit.complaint_reply", obj=complaint,
                 organisation_id=complaint.organisation_id,
                 summary=_("Complaint about {name} replied").format(name=complaint.target.name),
                 data=_data(complaint, replied_on=today,
                            on_time=complaint.due_on is None or today <= complaint.due_on))
    return complaint


@transaction.atomic
def complaint_close(*, actor: Any, complaint: Complaint, substantiated: bool) -> Complaint:
    """Close a replied complaint as substantiated (it then counts for the risk rules) or not."""
    complaint = _locked(complaint, may_handle, actor, ComplaintState.REPLIED)
    complaint.substantiated, complaint.state = substantiated, ComplaintState.CLOSED
    complaint.closed_on, complaint.handled_by = timezone.localdate(), actor
    complaint.save(update_fields=["substantiated", "state", "closed_on", "handled_by"])
    audit_record(actor=actor, action="credit.complaint_close", obj=complaint,
                 organisation_id=complaint.organisation_id,
                 summary=_("Complaint about {name} closed: {result}").format(
                     name=complaint.target.name,
                     result=_("substantiated") if substantiated else _("not substantiated")),
                 data=_data(complaint, substantiated=substantiated))
    if substantiated:
        risk_rules_apply(target=complaint.target, actor=actor)
    return complaint


# -- Reading -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PublicStatus:
    """What the complainant reads with the tracking code: no personal data."""

    tracking_code: str
    entity: str
    received_on: date
    due_on: date | None
    state: str
    state_label: str
    reply: str
    replied_on: date | None
    closed_on: date | None
    substantiated: bool | None


def public_status(code: str) -> PublicStatus | None:
    code = normalise_tracking_code(code)
    if not code:
        return None
    c = Complaint.objects.select_related("target").filter(tracking_code=code).first()
    if c is None:
        return None
    replied = c.state in (ComplaintState.REPLIED, ComplaintState.CLOSED)
    return PublicStatus(tracking_code=code, entity=c.target.name, received_on=c.received_on,
                        due_on=c.due_on, state=c.state, state_label=c.get_state_display(),
                        reply=c.reply if replied else "",
                        replied_on=c.replied_on if replied else None, closed_on=c.closed_on,
                        substantiated=c.substantiated
                        if c.state == ComplaintState.CLOSED else None)


FLAGGED_SHOWN = 50


def on_freeze_notes(*, task: Any, targets: QuerySet[Target], **_kwargs: Any
                    ) -> dict[str, Any] | None:
    """Receiver of draws.signals.freeze_notes: the pool's entities with many complaints, for
    the office to raise the task's ratio before freezing (staff only: the freeze page)."""
    counts = many_complaints(targets.values("pk"))
    if not counts:
        return None
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:FLAGGED_SHOWN]
    names = dict(Target.objects.filter(pk__in=[pk for pk, _n in ranked])
                 .values_list("pk", "name"))
    return {"template": "credit/_many_complaints.html", "task": task,
            "rows": [{"target_id": pk, "name": names.get(pk, ""), "complaints": n}
                     for pk, n in ranked],
            "total": len(counts), "threshold": MANY_COMPLAINTS, "days": MANY_COMPLAINTS_DAYS}


def many_complaints(target_ids: Any, *, today: date | None = None,
                    threshold: int = MANY_COMPLAINTS,
                    days: int = MANY_COMPLAINTS_DAYS) -> dict[int, int]:
    """{target id: complaints} for the entities (ids, or a queryset of them) with `threshold`
    or more substantiated or still open complaints received within `days` (internal)."""
    since = (today or timezone.localdate()) - timedelta(days=days)
    open_states = (ComplaintState.RECEIVED, ComplaintState.ASSIGNED, ComplaintState.REPLIED)
    ids = target_ids if isinstance(target_ids, QuerySet) else list(target_ids)
    rows = (Complaint.objects.filter(target_id__in=ids, received_on__gte=since)
            .filter(Q(substantiated=True) | Q(state__in=open_states))
            .values("target_id").annotate(n=Count("pk")).filter(n__gte=threshold))
    return {row["target_id"]: row["n"] for row in rows}


def on_basis_check(*, kind: str, reference: str, organisation_id: int, target: Target,
                   **_kwargs: Any) -> dict[str, Any] | None:
    """draws.signals.basis_check: a 投诉举报核查 names a complaint of the organisation about
    the same entity, by its hotline ticket number (工单号), its tracking code or #number."""
    if kind != "complaint":
        return None
    ref = reference.strip()
    match = Q(external_id=ref) if ref else Q(pk__in=[])
    if normalise_tracking_code(ref):
        match |= Q(tracking_code=normalise_tracking_code(ref))
    if ref.startswith("#") and ref[1:].isdigit():
        match |= Q(pk=int(ref[1:]))
    complaint = (Complaint.objects.filter(match, organisation_id=organisation_id)
                 .select_related("target").first())
    if complaint is None:
        raise ValidationError({"reference": _(
            "No complaint of your organisation has this number.")})
    same = (complaint.target.uscc == target.uscc if target.uscc
            else complaint.target_id == target.pk)
    if not same:
        raise ValidationError({"reference": _("That complaint is about another entity.")})
    return {"complaint": complaint.pk}
