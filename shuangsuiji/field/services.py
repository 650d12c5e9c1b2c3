"""Changes made from the inspector's phone: opening and revoking its key, receiving its files,
and applying its offline operations, each once, in order, through the inspections services
(so the rules and the audit entries are the pages' own).

An operation's answer is one of: applied (with the result's new version), conflict (the
result was saved by someone else since the phone's copy: the stored values come back and
nothing is written), refused (with the reason, in the user's language), missing_file (its
photo or signature has not arrived yet; not recorded, so it is retried). Applied, conflict and
refused answers are kept under the client id and given again, word for word, to a replay.
"""

import hashlib
import secrets
import uuid
from datetime import timedelta
from typing import Any, TypedDict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import User
from shuangsuiji.accounts.scoping import is_admin, organisation_id
from shuangsuiji.core.audit import audit_record
from shuangsuiji.draws.models import Assignment
from shuangsuiji.inspections import permissions
from shuangsuiji.inspections import services as inspections
from shuangsuiji.inspections.models import Inspection
from shuangsuiji.plans.selectors import task_organisation_id

from . import payloads
from .models import FieldOperation, FieldSession, FieldUpload, OperationStatus

MISSING_FILE = "missing_file"


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# -- The phone's key -----------------------------------------------------------------------------

@transaction.atomic
def field_session_open(*, actor: User, device: str = "") -> tuple[FieldSession, str]:
    """A key for this phone, shown once; the user must be an inspector or expert."""
    if actor.role not in {Role.INSPECTOR, Role.EXPERT} or not hasattr(actor, "inspector"):
        raise PermissionDenied
    key = secrets.token_urlsafe(32)
    session = FieldSession.objects.create(
        user=actor, key_hash=key_hash(key), device=device[:200],
        expires_at=timezone.now() + timedelta(hours=settings.SHUANGSUIJI_FIELD_SESSION_HOURS))
    audit_record(actor=actor, action="field.session_open", obj=session,
                 organisation_id=_organisation(actor),
                 summary=_("{user} opened the field app on a phone").format(user=actor),
                 data={"session": session.pk, "device": session.device,
                       "expires_at": session.expires_at})
    return session, key


def _organisation(user: User) -> int | None:
    return organisation_id(user.department) if user.department_id else None


def can_revoke(actor: Any, session: FieldSession) -> bool:
    """The phone's user; the office or cooperating department staff of the user's
    organisation; system administrators."""
    if is_admin(actor) or actor.pk == session.user_id:
        return True
    return (actor.role in {Role.OFFICE, Role.PARTNER} and actor.department_id is not None
            and _organisation(actor) == _organisation(session.user))


@transaction.atomic
def field_session_revoke(*, actor: User, session: FieldSession, reason: str) -> FieldSession:
    if not can_revoke(actor, session):
        raise PermissionDenied
    session = FieldSession.objects.select_for_update().get(pk=session.pk)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the phone's access is revoked.")})
    if session.revoked_at is not None:
        raise ValidationError(_("This phone's access is already revoked."))
    session.revoked_at, session.revoked_by = timezone.now(), actor
    session.revoke_reason = reason.strip()[:200]
    session.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_record(actor=actor, action="field.session_revoke", obj=session,
                 organisation_id=_organisation(session.user),
                 summary=_("Field app access of {user} revoked: {reason}").format(
                     user=session.user, reason=session.revoke_reason),
                 data={"session": session.pk, "reason": session.revoke_reason})
    return session


def session_refusal(session: FieldSession) -> str:
    """Why this key is no longer accepted, or "" while it is."""
    if session.revoked_at is not None:
        return _("This phone's access was revoked on {day} ({reason}). Nothing was accepted: "
                 "sign in again while online.").format(
                     day=timezone.localtime(session.revoked_at).strftime("%Y-%m-%d %H:%M"),
                     reason=session.revoke_reason)
    if session.expires_at <= timezone.now():
        return _("This phone's access expired on {day}. Nothing was accepted: sign in again "
                 "while online.").format(
                     day=timezone.localtime(session.expires_at).strftime("%Y-%m-%d %H:%M"))
    if not session.user.is_active:
        return _("Your account is disabled. Nothing was accepted.")
    return ""


# -- Files ---------------------------------------------------------------------------------------

def uploads_present(*, actor: User, hashes: list[str]) -> list[str]:
    """Which of these files this user has already sent."""
    return sorted(set(FieldUpload.objects.filter(user=actor, sha256__in=hashes)
                      .values_list("sha256", flat=True)))


def upload_store(*, actor: User, sha256: str, data: bytes) -> FieldUpload:
    """Keep a file under its SHA-256, after checking the bytes give that hash. Sending it
    again is harmless. Its content is checked when an operation uses it (evidence_add,
    signature_add), with the pages' own rules; it is no change of consequence until then."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValidationError({"file": _(
            "The file does not match its SHA-256: it was damaged or altered on the way. "
            "It was not accepted.")})
    if not data or len(data) > settings.SHUANGSUIJI_EVIDENCE_MAX_BYTES:
        raise ValidationError({"file": _("The file is empty or too large.")})
    existing = FieldUpload.objects.filter(user=actor, sha256=sha256).first()
    if existing is not None:
        return existing
    today = FieldUpload.objects.filter(user=actor,
                                       received_at__gte=timezone.now() - timedelta(days=1))
    sent = today.aggregate(total=Sum("size"))["total"] or 0
    if sent + len(data) > settings.SHUANGSUIJI_FIELD_UPLOAD_DAILY_BYTES:
        raise ValidationError({"file": _(
            "Your phones have sent {sent} MB of files in the last 24 hours, the most accepted "
            "in a day. Ask the office.").format(sent=sent // 1024**2)})
    upload = FieldUpload(user=actor, sha256=sha256, size=len(data))
    upload.file.save(f"{uuid.uuid4().hex}.bin", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            upload.save()
    except IntegrityError:  # the same file arriving twice at once
        upload.file.delete(save=False)
        return FieldUpload.objects.get(user=actor, sha256=sha256)
    return upload


class _MissingFile(Exception):
    pass


def _take_upload(actor: User, sha256: str) -> bytes:
    """The bytes of a file this user sent. Kept after use: two operations may carry the same
    file (a photo attached twice), and a replay needs none of it."""
    upload = FieldUpload.objects.filter(user=actor, sha256=sha256).first()
    if upload is None:
        raise _MissingFile
    with upload.file.open("rb") as handle:
        data: bytes = handle.read()
    if hashlib.sha256(data).hexdigest() != sha256:  # changed on the server's disk
        raise ValidationError({"file": _("The stored file no longer matches its SHA-256.")})
    return data


# -- Operations ----------------------------------------------------------------------------------

class Operation(TypedDict):
    client_id: uuid.UUID
    kind: str
    inspection: int
    base_version: int | None
    payload: Any


def result_values(inspection: Inspection) -> dict[str, Any]:
    """The stored values of a result, as the phone holds them."""
    return {
        "id": inspection.pk, "version": inspection.version, "state": inspection.state,
        "inspected_on": inspection.inspected_on.isoformat() if inspection.inspected_on else None,
        "methods": inspection.methods, "categories": inspection.categories,
        "conduct": inspection.conduct, "summary": inspection.summary,
        "findings": [{"item": f.item_id, "outcome": f.outcome, "note": f.note}
                     for f in inspection.findings.order_by("item__code")],
        "entered_by": str(inspection.entered_by or ""),
        "entered_at": inspection.entered_at.isoformat() if inspection.entered_at else None,
    }


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for errors in exc.message_dict.values() for m in errors]
    return [str(m) for m in exc.messages]


def _refused(client_id: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"client_id": client_id, "status": OperationStatus.REFUSED, "detail": detail,
            **extra}


def _apply(actor: User, op: Operation, inspection: Inspection) -> dict[str, Any]:
    """Call the inspections service for one operation; its answer (raises on refusal)."""
    client_id, kind = str(op["client_id"]), op["kind"]
    data = payloads.parse(kind, op["payload"])
    if kind == "result.save":
        findings = {f["item"]: (f["outcome"], f["note"]) for f in data.pop("findings")}
        try:
            saved = inspections.inspection_save(
                actor=actor, inspection=inspection, findings=findings,
                base_version=op["base_version"] if op["base_version"] is not None else -1,
                **data)
        except inspections.StaleResult as stale:
            return {"client_id": client_id, "status": OperationStatus.CONFLICT,
                    "version": stale.inspection.version,
                    "detail": _("Another member of the group saved this result meanwhile "
                                "(by {who}). Nothing was overwritten: choose which values "
                                "to keep.").format(who=stale.inspection.entered_by or "—"),
                    "server": result_values(stale.inspection)}
        return {"client_id": client_id, "status": OperationStatus.APPLIED,
                "version": saved.version}
    if kind == "result.evidence":
        blob = _take_upload(actor, data["sha256"])
        capture: inspections.Capture = {key: data[key] for key in  # type: ignore[assignment]
                                        ("captured_at", "latitude", "longitude", "accuracy_m")
                                        if data.get(key) is not None}
        evidence = inspections.evidence_add(
            actor=actor, inspection=inspection, kind=data["kind"],
            description=data["description"], capture=capture,
            upload=SimpleUploadedFile(data["name"], blob))
        return {"client_id": client_id, "status": OperationStatus.APPLIED,
                "evidence": evidence.pk, "sha256": evidence.sha256}
    if kind == "result.signature":
        blob = _take_upload(actor, data["sha256"])
        signature = inspections.signature_add(
            actor=actor, inspection=inspection, role=data["role"], name=data["name"],
            png=blob, inspector_id=data["inspector"])
        return {"client_id": client_id, "status": OperationStatus.APPLIED,
                "signature": signature.pk, "sha256": signature.sha256}
    submitted = inspections.inspection_submit(actor=actor, inspection=inspection)
    return {"client_id": client_id, "status": OperationStatus.APPLIED,
            "state": submitted.state}


def _not_in_group(actor: User, inspection: Inspection) -> str:
    """Why the user may not enter this result: "" when they may. A user who was in the group
    is told they were removed; anyone else learns nothing of the result."""
    if permissions.can_enter(actor, inspection):
        return ""
    if Assignment.objects.filter(drawn_target_id=inspection.visit.drawn_target_id,
                                 department_id=inspection.department_id,
                                 inspector__user=actor).exists():
        return _("You are no longer in this department's inspection group for this visit: "
                 "the operation was not accepted. Ask the office.")
    return _("No such result for you.")


def operation_apply(*, actor: User, session: FieldSession, op: Operation,
                    held: bool = False) -> dict[str, Any]:
    """Apply one operation once. A client id seen before gets its first answer again.

    `held`: an earlier save of the same result in this batch was not applied, so a submission
    would send values the inspector did not choose; it is refused instead."""
    client_id = str(op["client_id"])
    try:
        with transaction.atomic():
            answer = _apply_once(actor, session, op, held)
    except IntegrityError:
        # The same client id applied by a concurrent request (a retry racing the first try):
        # everything of this attempt rolled back; the winner's answer is the answer.
        answer = None
    if answer is None:
        done = FieldOperation.objects.filter(client_id=op["client_id"], user=actor).first()
        if done is None:
            return _refused(client_id, _("Try again."))
        stored: dict[str, Any] = done.answer
        return stored
    return answer


def _apply_once(actor: User, session: FieldSession, op: Operation,
                held: bool) -> dict[str, Any] | None:
    client_id = str(op["client_id"])
    done = FieldOperation.objects.filter(client_id=op["client_id"]).first()
    if done is not None:
        if done.user_id != actor.pk:
            return _refused(client_id, _("This operation id was already used."))
        stored: dict[str, Any] = done.answer
        return stored
    inspection = (Inspection.objects.select_related("visit__task", "department")
                  .filter(pk=op["inspection"]).first())
    if inspection is None:
        return _refused(client_id, _("No such result for you."))
    reason = _not_in_group(actor, inspection)
    if not reason and held and op["kind"] == "result.submit":
        answer = _refused(client_id, _(
            "An earlier change to this result was not applied: decide on it, then submit "
            "again."))
    elif reason:
        # Recorded and audited: a phone of someone taken off the group keeps trying.
        audit_record(actor=actor, action="field.refused", obj=inspection,
                     organisation_id=task_organisation_id(inspection.visit.task),
                     summary=_("Operation from a phone refused: {reason}").format(
                         reason=reason),
                     data={"client_id": client_id, "kind": op["kind"],
                           "session": session.pk})
        answer = _refused(client_id, reason)
    else:
        try:
            with transaction.atomic():
                answer = _apply(actor, op, inspection)
        except _MissingFile:
            return {"client_id": client_id, "status": MISSING_FILE,
                    "detail": _("The file has not arrived yet; it will be sent again.")}
        except ValidationError as exc:
            answer = _refused(client_id, "；".join(_messages(exc)),
                              errors=exc.message_dict if hasattr(exc, "error_dict") else {})
        except PermissionDenied:
            answer = _refused(client_id, _("Your role does not allow this."))
    FieldOperation.objects.create(client_id=op["client_id"], user=actor, session=session,
                                  kind=op["kind"], inspection=inspection,
                                  status=answer["status"], answer=answer)
    return answer


def operations_apply(*, actor: User, session: FieldSession,
                     ops: list[Operation]) -> list[dict[str, Any]]:
    """A batch in the order the phone made it, each operation in its own transaction: a sync
    cut half-way keeps what was applied, and the phone sends the rest (and the applied ones,
    which are answered from the record) again."""
    FieldSession.objects.filter(pk=session.pk).update(last_used_at=timezone.now())
    answers, unsaved = [], set()
    for op in ops:
        answer = operation_apply(actor=actor, session=session, op=op,
                                 held=op["inspection"] in unsaved)
        if op["kind"] == "result.save" and answer["status"] != OperationStatus.APPLIED:
            unsaved.add(op["inspection"])
        answers.append(answer)
    return answers
