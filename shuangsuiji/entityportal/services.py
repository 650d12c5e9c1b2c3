"""The entity's sign-in by one-time code, what it files, and the office's answers.

An entity is not a User: it signs in as one of the contacts the office recorded for its
统一社会信用代码, with a code the outbox sends to that contact. Its acts are audited with no
user (the system's entries) and name the entity and the contact in their data. Throttles
and lockout mirror the staff's (accounts/lockout.py): codes per entity and per address in an
hour; after SHUANGSUIJI_ENTITY_CODE_FAILURES wrong codes the entity (and after more, the
address) is locked out for SHUANGSUIJI_LOCKOUT_MINUTES.
"""

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypedDict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import User
from shuangsuiji.core.audit import audit_record
from shuangsuiji.core.i18n import reason as rule_reason
from shuangsuiji.credit import services as credit_services
from shuangsuiji.credit.models import BlacklistEntry
from shuangsuiji.entities.models import Contact, Target
from shuangsuiji.inspections.choices import FollowUpKind, FollowUpState
from shuangsuiji.inspections.groups import group_substitute
from shuangsuiji.inspections.models import FollowUp, Inspection, Visit
from shuangsuiji.inspectors import services as inspector_services
from shuangsuiji.inspectors.choices import DeclaredBy, Relation
from shuangsuiji.inspectors.models import Inspector
from shuangsuiji.notices.choices import Kind
from shuangsuiji.notices.services import Recipient, day_text, notices_write
from shuangsuiji.publication import services as publication_services
from shuangsuiji.publication.models import PublishedResult
from shuangsuiji.rules.errors import RuleError
from shuangsuiji.rules.masking import mask_name
from shuangsuiji.rules.results import check_evidence, check_evidence_content
from shuangsuiji.workdays.deadlines import deadline_after

from . import selectors
from .choices import AttemptKind, RequestKind, RequestState
from .models import EntityRequest, RequestAttachment, SignInAttempt, SignInCode

CODE_DIGITS = 6
ATTACHMENTS_MAX = 5

# Working days the entity has to act after the event, and the office to answer.
OBJECTION_WORKDAYS = 5  # 陈述申辩: within 5 working days of learning the result
ANSWER_WORKDAYS: dict[str, int] = {RequestKind.OBJECTION: 10, RequestKind.RECUSAL: 3,
                   RequestKind.RECTIFICATION: 10, RequestKind.REPAIR: 15,
                   RequestKind.INTEGRITY: 10}
# Which answers each kind takes: integrity reports go to the leadership, who note them.
ANSWERS: dict[str, set[str]] = {RequestKind.INTEGRITY: {RequestState.NOTED}}
DEFAULT_ANSWERS: set[str] = {RequestState.ACCEPTED, RequestState.REJECTED}


@dataclass(frozen=True)
class Entity:
    """Who is signed in on the entity's side: the entity's code and the contact."""

    uscc: str
    contact_id: int
    label: str  # the contact as pages and the audit show them: masked name and position


def _digest(uscc: str, contact_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{uscc}|{contact_id}|{code}".encode(), hashlib.sha256).hexdigest()


def _since(minutes: int) -> object:
    return timezone.now() - timedelta(minutes=minutes)


def _count(kind: str, minutes: int, **where: str) -> int:
    return SignInAttempt.objects.filter(kind=kind, at__gte=_since(minutes), **where).count()


def is_locked(*, uscc: str, address: str) -> bool:
    """Too many wrong codes for this entity, or from this address, in the lockout window."""
    minutes = settings.SHUANGSUIJI_LOCKOUT_MINUTES
    return (_count(AttemptKind.WRONG_CODE, minutes, uscc=uscc)
            >= settings.SHUANGSUIJI_ENTITY_CODE_FAILURES
            or (bool(address) and _count(AttemptKind.WRONG_CODE, minutes, address=address)
                >= settings.SHUANGSUIJI_ENTITY_CODE_FAILURES_ADDRESS))


def contact_label(contact: Contact) -> str:
    return " ".join(p for p in (mask_name(contact.name), contact.position) if p)


def _organisation_of(target: Target) -> int:
    return target.department.root_id or target.department_id


@transaction.atomic
def contacts_lookup(*, uscc: str, address: str) -> list[tuple[int, str]]:
    """The entity's contacts a code may go to, masked; looked up a limited number of times per
    address and hour, so the directory's contacts cannot be walked code by code."""
    if address and _count(AttemptKind.LOOKED_UP, 60, address=address) >= (
            settings.SHUANGSUIJI_ENTITY_LOOKUPS_PER_ADDRESS):
        raise ValidationError(_("Too many codes were looked up in the last hour. Please try "
                                "again later."))
    SignInAttempt.objects.create(uscc=uscc, address=address, kind=AttemptKind.LOOKED_UP)
    return [(c.pk, contact_label(c)) for c in selectors.contacts(uscc)]


@transaction.atomic
def code_send(*, uscc: str, contact_id: int, address: str) -> SignInCode:
    """Write a one-time code for the contact and its notice, in one transaction."""
    if is_locked(uscc=uscc, address=address):
        raise ValidationError(_("Too many wrong codes: sign-in is locked for {minutes} minutes.")
                              .format(minutes=settings.SHUANGSUIJI_LOCKOUT_MINUTES))
    contact = selectors.contacts(uscc).filter(pk=contact_id).select_related(
        "target__department").first()
    if contact is None:
        raise ValidationError({"contact": _("Choose one of the entity's recorded contacts.")})
    if (_count(AttemptKind.CODE_SENT, 60, uscc=uscc)
            >= settings.SHUANGSUIJI_ENTITY_CODES_PER_HOUR
            or (address and _count(AttemptKind.CODE_SENT, 60, address=address)
                >= settings.SHUANGSUIJI_ENTITY_CODES_PER_ADDRESS)):
        raise ValidationError(_("Too many codes were asked for in the last hour. Please try "
                                "again later."))
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    minutes = settings.SHUANGSUIJI_ENTITY_CODE_MINUTES
    # A new code ends the contact's earlier ones: only the last message counts.
    SignInCode.objects.filter(uscc=uscc, contact=contact, used_at__isnull=True).update(
        used_at=timezone.now())
    sign_in_code = SignInCode.objects.create(
        uscc=uscc, contact=contact, digest=_digest(uscc, contact.pk, code),
        expires_at=timezone.now() + timedelta(minutes=minutes))
    SignInAttempt.objects.create(uscc=uscc, contact=contact, address=address,
                                 kind=AttemptKind.CODE_SENT)
    target = contact.target
    organisation_id = _organisation_of(target)
    root = target.department.root or target.department
    written = notices_write(
        organisation_id=organisation_id, kind=Kind.ENTITY_CODE, task=None,
        letters=[(Recipient(label=f"{target.name}联系人 {mask_name(contact.name)}",
                            phone=contact.phone),
                  {"organisation": root.name, "entity": target.name, "code": code,
                   "minutes": str(minutes)})])
    if not written:
        raise ValidationError({"contact": _("No channel can reach this contact.")})
    audit_record(actor=None, action="entity.code", obj=sign_in_code,
                 organisation_id=organisation_id,
                 summary=_("Sign-in code sent to {contact} of {uscc}").format(
                     contact=contact_label(contact), uscc=uscc),
                 data={"uscc": uscc, "contact": contact.pk, "address": address})
    return sign_in_code


def code_check(*, uscc: str, contact_id: int, code: str, address: str) -> Entity:
    """The entity signed in, or ValidationError; a wrong code is counted even so (its row is
    committed on its own, not rolled back with the refusal)."""
    if is_locked(uscc=uscc, address=address):
        raise ValidationError(_("Too many wrong codes: sign-in is locked for {minutes} minutes.")
                              .format(minutes=settings.SHUANGSUIJI_LOCKOUT_MINUTES))
    with transaction.atomic():
        found = (SignInCode.objects.select_for_update()
                 .filter(uscc=uscc, contact_id=contact_id, used_at__isnull=True,
                         expires_at__gt=timezone.now()).first())
        good = found is not None and hmac.compare_digest(
            found.digest, _digest(uscc, contact_id, code.strip()))
        if good and found is not None:
            found.used_at = timezone.now()
            found.save(update_fields=["used_at"])
            contact = found.contact
            SignInAttempt.objects.create(uscc=uscc, contact=contact, address=address,
                                         kind=AttemptKind.SIGNED_IN)
            entity = Entity(uscc=uscc, contact_id=contact.pk, label=contact_label(contact))
            audit_record(actor=None, action="entity.sign_in", obj=contact.target,
                         organisation_id=_organisation_of(contact.target),
                         summary=_("{contact} signed in for {uscc}").format(
                             contact=entity.label, uscc=uscc),
                         data={"uscc": uscc, "contact": contact.pk, "address": address})
            return entity
    _wrong_code(uscc=uscc, contact_id=contact_id, address=address)
    raise ValidationError({"code": _("The code is wrong or has expired.")})


@transaction.atomic
def _wrong_code(*, uscc: str, contact_id: int, address: str) -> None:
    contact = Contact.objects.filter(pk=contact_id).first()
    SignInAttempt.objects.create(uscc=uscc, contact=contact, address=address,
                                 kind=AttemptKind.WRONG_CODE)
    if is_locked(uscc=uscc, address=address):
        SignInAttempt.objects.create(uscc=uscc, contact=contact, address=address,
                                     kind=AttemptKind.LOCKED)
        # Every code still out is void: the lockout is not waited out with one in hand.
        SignInCode.objects.filter(uscc=uscc, used_at__isnull=True).update(
            used_at=timezone.now())
        target = selectors.targets(uscc).select_related("department").first()
        audit_record(actor=None, action="entity.lockout", object_type="entities.target",
                     object_id=str(target.pk) if target else "",
                     organisation_id=_organisation_of(target) if target else None,
                     summary=_("Entity sign-in locked out for {uscc} after wrong codes").format(
                         uscc=uscc),
                     data={"uscc": uscc, "contact": contact_id, "address": address})


# -- What the entity files -------------------------------------------------------------------

class RequestFields(TypedDict, total=False):
    text: str
    inspection: Inspection | None
    visit: Visit | None
    inspector: Inspector | None
    follow_up: FollowUp | None
    blacklist_entry: BlacklistEntry | None
    published_result: PublishedResult | None
    rating: int | None


def objection_open_until(inspection: Inspection) -> date | None:
    """The last day to object to an approved result (working days from its approval)."""
    if inspection.reviewed_at is None:
        return None
    return deadline_after(timezone.localdate(inspection.reviewed_at), OBJECTION_WORKDAYS).date


def _pending(entity: Entity, kind: str) -> QuerySet[EntityRequest]:
    return EntityRequest.objects.filter(uscc=entity.uscc, kind=kind,
                                        state=RequestState.SUBMITTED)


def _about_result(entity: Entity, kind: str, data: RequestFields, today: date) -> Target:
    inspection = data.get("inspection")
    if inspection is None or not selectors.results(entity.uscc).filter(
            pk=inspection.pk).exists():
        raise PermissionDenied
    if kind == RequestKind.OBJECTION:
        until = objection_open_until(inspection)
        if until is None or today > until:
            raise ValidationError({"text": _(
                "The time to object to this result ended on {day}.").format(day=until)})
        if _pending(entity, kind).filter(inspection=inspection).exists():
            raise ValidationError({"text": _(
                "An objection to this result is already awaiting the office's answer.")})
    else:
        rating = data.get("rating")
        if rating is None or not 1 <= rating <= 5:
            raise ValidationError({"rating": _("Rate from 1 to 5.")})
    return inspection.visit.drawn_target.target


def _about_visit(entity: Entity, kind: str, data: RequestFields, today: date) -> Target:
    visit, inspector = data.get("visit"), data.get("inspector")
    if visit is None or not selectors.visits(entity.uscc).filter(pk=visit.pk).exists():
        raise PermissionDenied
    if inspector is None or inspector.pk not in {
            m.pk for m in selectors.visit_inspectors(visit)}:
        raise ValidationError({"inspector": _("Choose an inspector of this visit.")})
    if visit.agreed_date is not None and visit.agreed_date <= today:
        raise ValidationError({"inspector": _(
            "A recusal must be asked for before the day of the visit.")})
    if _pending(entity, kind).filter(visit=visit, inspector=inspector).exists():
        raise ValidationError({"inspector": _(
            "A recusal of this inspector is already awaiting the office's answer.")})
    return visit.drawn_target.target


def _about_follow_up(entity: Entity, kind: str, data: RequestFields, today: date) -> Target:
    follow_up = data.get("follow_up")
    if follow_up is None or not selectors.follow_ups(entity.uscc).filter(
            pk=follow_up.pk).exists():
        raise PermissionDenied
    if follow_up.kind != FollowUpKind.RECTIFY or follow_up.state != FollowUpState.OPEN:
        raise ValidationError({"text": _(
            "Only an open order to rectify (责令改正) takes a rectification report.")})
    if _pending(entity, kind).filter(follow_up=follow_up).exists():
        raise ValidationError({"text": _(
            "A rectification report is already awaiting the office's answer.")})
    return follow_up.inspection.visit.drawn_target.target


def _about_repair(entity: Entity, kind: str, data: RequestFields, today: date) -> Target:
    """信用修复 of a blacklist entry, or of a published result where the rules allow
    (rules/credit_repair.py): refused at once, with every reason, when they do not."""
    published = data.get("published_result")
    if published is None:
        return _about_blacklist(entity, kind, data, today)
    if data.get("blacklist_entry") is not None or not selectors.published_results(
            entity.uscc).filter(pk=published.pk).exists():
        raise PermissionDenied
    if _pending(entity, kind).filter(published_result=published).exists():
        raise ValidationError({"text": _(
            "A credit repair application is already awaiting the office's answer.")})
    refusals = publication_services.repair_refusals(published, today)
    if refusals:
        raise ValidationError({"text": refusals})
    inspection = published.inspection
    if inspection is None:  # published_results() holds only the entity's own results
        raise PermissionDenied
    return inspection.visit.drawn_target.target


def repair_refusals(published: PublishedResult) -> list[str]:
    """Why the entity may not apply now for credit repair of the result (for its page)."""
    return publication_services.repair_refusals(published, timezone.localdate())


def _about_blacklist(entity: Entity, kind: str, data: RequestFields, today: date) -> Target:
    entry = data.get("blacklist_entry")
    if entry is None or not selectors.blacklist(entity.uscc).filter(pk=entry.pk).exists():
        raise PermissionDenied
    if _pending(entity, kind).filter(blacklist_entry=entry).exists():
        raise ValidationError({"text": _(
            "A credit repair application is already awaiting the office's answer.")})
    return entry.target


# What each kind is about; each record must be the entity's own (else PermissionDenied,
# which the pages answer with 404), and the kind's own conditions hold.
_CHECKS: dict[str, Callable[[Entity, str, RequestFields, date], Target]] = {
    RequestKind.OBJECTION: _about_result, RequestKind.INTEGRITY: _about_result,
    RequestKind.RECUSAL: _about_visit, RequestKind.RECTIFICATION: _about_follow_up,
    RequestKind.REPAIR: _about_repair}


def _attach(request: EntityRequest, files: list[UploadedFile]) -> list[dict[str, str]]:
    if len(files) > ATTACHMENTS_MAX:
        raise ValidationError({"files": _("At most {n} files.").format(n=ATTACHMENTS_MAX)})
    stored = []
    for upload in files:
        name = upload.name or ""
        upload.seek(0)
        try:
            mime = check_evidence(name, upload.read(512), upload.size or 0,
                                  max_bytes=settings.SHUANGSUIJI_EVIDENCE_MAX_BYTES)
            upload.seek(0)
            data = upload.read()
            check_evidence_content(mime, data)
        except RuleError as exc:
            raise ValidationError({"files": f"{name}: {rule_reason(exc)}"}) from exc
        attachment = RequestAttachment(request=request, original_name=name, content_type=mime,
                                       size=len(data))
        extension = name.rsplit(".", 1)[-1].lower()
        attachment.file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
        attachment.save()
        stored.append({"name": name, "sha256": hashlib.sha256(data).hexdigest()})
    return stored


def _due_on(kind: str, today: date, visit: Visit | None) -> date:
    """The day the office must answer by; a recusal before the visit (its eve at the latest)."""
    due = deadline_after(today, ANSWER_WORKDAYS[kind]).date
    if kind == RequestKind.RECUSAL and visit is not None and visit.agreed_date is not None:
        due = max(today, min(due, visit.agreed_date - timedelta(days=1)))
    return due


@transaction.atomic
def request_file(*, entity: Entity, kind: str, data: RequestFields,
                 files: list[UploadedFile] | None = None) -> EntityRequest:
    """The entity files an objection, recusal request, rectification report, credit repair
    application or integrity rating; the office answers by `due_on`."""
    text = (data.get("text") or "").strip()
    today = timezone.localdate()
    if kind not in _CHECKS:
        raise ValidationError({"kind": _("Unknown kind of request.")})
    target = _CHECKS[kind](entity, kind, data, today)
    entry = data.get("blacklist_entry")
    published = data.get("published_result")
    # A repair is answered by whoever published: the inspecting department's organisation.
    organisation_id = (entry.organisation_id if entry else
                       published.organisation_id if published else _organisation_of(target))
    if not text and kind != RequestKind.INTEGRITY:
        raise ValidationError({"text": _("This field is required.")})
    inspection = data.get("inspection") or (published.inspection if published else None)
    follow_up = data.get("follow_up")
    visit = data.get("visit") or (inspection.visit if inspection else None) or (
        follow_up.inspection.visit if follow_up else None)
    request = EntityRequest(
        organisation_id=organisation_id, kind=kind, uscc=entity.uscc, target=target,
        visit=visit, inspection=inspection, follow_up=follow_up,
        inspector=data.get("inspector"), blacklist_entry=data.get("blacklist_entry"),
        published_result=published, contact_id=entity.contact_id, filed_by=entity.label,
        text=text,
        rating=data.get("rating"), due_on=_due_on(kind, today, visit))
    request.full_clean()
    request.save()
    stored = _attach(request, files or [])
    told = _tell_answerers(request)
    audit_record(actor=None, action="entity.request", obj=request,
                 organisation_id=organisation_id,
                 summary=_("{kind} filed by {contact} of {uscc}").format(
                     kind=request.get_kind_display(), contact=entity.label, uscc=entity.uscc),
                 data={"uscc": entity.uscc, "contact": entity.contact_id, "kind": kind,
                       "due_on": request.due_on, "attachments": stored,
                       "notices_written": told})
    return request


def _tell_answerers(request: EntityRequest) -> int:
    """An in-site message to whoever answers: the office and partner users of the
    organisation, or, for an integrity rating, its leadership (never the inspectors)."""
    org = request.organisation_id
    roles = ({Role.LEADER} if request.kind == RequestKind.INTEGRITY
             else {Role.OFFICE, Role.PARTNER})
    users = (User.objects.filter(is_active=True, role__in=roles)
             .filter(Q(department_id=org) | Q(department__root_id=org)).order_by("pk"))
    root = request.target.department.root or request.target.department
    values = {"organisation": root.name, "entity": request.target.name,
              "kind": str(request.get_kind_display()),
              "due_on": day_text(request.due_on)}
    return notices_write(
        organisation_id=org, kind=Kind.ENTITY_REQUEST, task=None,
        letters=[(Recipient(label=f"{u.get_role_display()} {u.full_name or u.username}",
                            user=u), values | {"name": u.full_name or u.username})
                 for u in users])


def may_answer(user: User, request: EntityRequest) -> bool:
    """The office (and a partner department for its own) answers; integrity reports only the
    organisation's leadership, never the inspectors rated."""
    return selectors.office_requests(user).filter(pk=request.pk).exists()


@transaction.atomic
def request_answer(*, actor: User, request: EntityRequest, state: str,
                   answer: str) -> EntityRequest:
    """The office's answer. An accepted recusal becomes a conflict in the registry (the draw
    and every replacement then keep the inspector away from the entity); an accepted credit
    repair removes the blacklist entry (credit's service, audited there too) or marks the
    published result repaired (publication's service, which checks the rules again)."""
    if not may_answer(actor, request):
        raise PermissionDenied
    request = EntityRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != RequestState.SUBMITTED:
        raise ValidationError(_("This request was already answered."))
    if state not in ANSWERS.get(request.kind, DEFAULT_ANSWERS):
        raise ValidationError({"state": _("Choose an answer.")})
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": _("Give the answer the entity will read.")})
    data: dict[str, object] = {"kind": request.kind, "state": state}
    if request.kind == RequestKind.RECUSAL and state == RequestState.ACCEPTED:
        if request.inspector is None:  # a recusal always names its inspector
            raise ValidationError({"inspector": _("Choose an inspector of this visit.")})
        conflict = inspector_services.conflict_record(actor=actor, data={
            "inspector": request.inspector, "target": request.target,
            "relation": Relation.OTHER, "declared_by": DeclaredBy.ENTITY,
            "reason": request.text, "valid_from": timezone.localdate()})
        data["conflict"] = conflict.pk
        # Drawn before the recusal, the inspector is taken out of the entity's groups and
        # the place goes by the draw's rule (换人, inspections/groups.py); where nobody can
        # take it, or the result is entered, the office sees the group on the request.
        substituted, stuck = [], []
        for a in selectors.recused_in_groups(request):
            try:
                incoming = group_substitute(actor=actor, assignment=a,
                                            why=f"entity request {request.pk}")
                substituted.append({"task": a.task.code, "out": a.pk, "in": incoming.pk})
            except ValidationError as exc:
                stuck.append({"task": a.task.code, "assignment": a.pk,
                              "reason": " ".join(exc.messages)})
        data["substituted"] = substituted
        data["groups_needing_attention"] = stuck
    if request.kind == RequestKind.REPAIR and state == RequestState.ACCEPTED:
        if request.published_result is not None:
            # The rules are checked again as they stand today (publication's service).
            repair = publication_services.result_repair(
                actor=actor, published=request.published_result, reason=answer)
            data["published_result"] = request.published_result.pk
            data["repair"] = repair.pk
        elif request.blacklist_entry is not None:
            credit_services.blacklist_remove(actor=actor, entry=request.blacklist_entry,
                                             removed_on=timezone.localdate(), reason=answer)
            data["blacklist_entry"] = request.blacklist_entry.pk
        else:  # a repair always names its entry or result
            raise ValidationError({"state": _("Unknown kind of request.")})
    request.state, request.answer = state, answer
    request.answered_by, request.answered_at = actor, timezone.now()
    request.save(update_fields=["state", "answer", "answered_by", "answered_at"])
    audit_record(actor=actor, action="entity.answer", obj=request,
                 organisation_id=request.organisation_id,
                 summary=_("{kind} of {target}: {state}").format(
                     kind=request.get_kind_display(), target=request.target.name,
                     state=request.get_state_display()),
                 data=data)
    return request
