"""Changes to the 执法检查人员名录库 and the 回避 (conflict) registry."""

from datetime import date
from typing import TypedDict, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.accounts.models import Department, User
from shuangsuiji.core import crypto
from shuangsuiji.core.audit import audit_record
from shuangsuiji.core.i18n import reason as rule_reason
from shuangsuiji.core.snapshots import apply, diff, snapshot
from shuangsuiji.entities.models import Target
from shuangsuiji.rules import idcard
from shuangsuiji.rules.masking import mask_id_number

from .choices import InspectorStatus
from .models import Certificate, Conflict, Inspector, InspectorStatusChange

INSPECTOR_FIELDS = ["department", "code", "name", "role", "specialties", "region_code",
                    "status", "status_since", "phone", "id_number_masked", "user"]


class InspectorFields(TypedDict, total=False):
    """An inspector's fields as inspector_create and inspector_update take them (the ID
    number apart: it is encrypted); inspector_update leaves status to
    inspector_set_status. A foreign key as an instance or an id."""

    department: Department | int
    code: str
    name: str
    role: str
    specialties: str
    region_code: str
    status: str
    status_since: date
    phone: str
    user: User | int | None


class ConflictFields(TypedDict, total=False):
    """A 回避 relationship as conflict_record takes it."""

    inspector: Inspector | int
    target: Target | int
    relation: str
    declared_by: str
    reason: str
    valid_from: date | None
    valid_to: date | None


def _user_or_none(actor: User | None) -> User | None:
    return actor if getattr(actor, "pk", None) else None


def set_id_number(inspector: Inspector, raw: str) -> None:
    """Validate a 居民身份证号 (GB 11643), keep it encrypted and masked."""
    raw = (raw or "").strip().upper()
    if not raw:
        inspector.id_number_encrypted = inspector.id_number_masked = ""
        return
    try:
        number = idcard.validate(raw)
    except idcard.InvalidIdNumber as exc:
        raise ValidationError({"id_number": rule_reason(exc)}) from exc
    inspector.id_number_encrypted = crypto.encrypt(number)
    inspector.id_number_masked = mask_id_number(number)


@transaction.atomic
def inspector_create(*, actor: User | None, data: InspectorFields, id_number: str = "",
                     scope_item_ids: list[int] | None = None) -> Inspector:
    data = data.copy()
    data.setdefault("status_since", timezone.localdate())
    inspector = Inspector()
    apply(inspector, data)
    set_id_number(inspector, id_number)
    inspector.full_clean()
    inspector.save()
    if scope_item_ids is not None:
        inspector.item_scope.set(scope_item_ids)
    InspectorStatusChange.objects.create(inspector=inspector, status=inspector.status,
                                         effective_on=inspector.status_since,
                                         recorded_by=_user_or_none(actor),
                                         note=_("Entered into the directory"))
    audit_record(actor=actor, action="inspector.create", obj=inspector,
                 organisation_id=inspector.department.root_id,
                 summary=_("Inspector {name} added").format(name=inspector),
                 data={"after": snapshot(inspector, INSPECTOR_FIELDS)})
    return inspector


@transaction.atomic
def inspector_update(*, actor: User, inspector: Inspector, data: InspectorFields,
                     id_number: str | None = None,
                     scope_item_ids: list[int] | None = None) -> Inspector:
    """Edit an inspector's details. Status changes go through inspector_set_status."""
    inspector = Inspector.objects.select_for_update().get(pk=inspector.pk)
    before = snapshot(inspector, INSPECTOR_FIELDS)
    apply(inspector, {k: v for k, v in data.items() if k not in {"status", "status_since"}})
    if id_number is not None:
        set_id_number(inspector, id_number)
    inspector.full_clean()
    inspector.save()
    changes = diff(before, snapshot(inspector, INSPECTOR_FIELDS))
    if scope_item_ids is not None:
        old = set(inspector.item_scope.values_list("pk", flat=True))
        if old != set(scope_item_ids):
            inspector.item_scope.set(scope_item_ids)
            changes["item_scope"] = [sorted(old), sorted(scope_item_ids)]
    if changes:
        audit_record(actor=actor, action="inspector.update", obj=inspector,
                     organisation_id=inspector.department.root_id,
                     summary=_("Inspector {name} changed: {fields}").format(
                         name=inspector, fields=", ".join(changes)),
                     data={"changes": changes})
    return inspector


@transaction.atomic
def inspector_set_status(*, actor: User | None, inspector: Inspector, status: str,
                         effective_on: date, note: str = "") -> Inspector:
    """在岗 / 调离 / 退休 from a date: draws on or after it read the new status."""
    if status not in InspectorStatus.values:
        raise ValidationError({"status": _("Unknown status: {status}").format(status=status)})
    inspector = Inspector.objects.select_for_update().get(pk=inspector.pk)
    InspectorStatusChange.objects.create(inspector=inspector, status=status,
                                         effective_on=effective_on, note=note,
                                         recorded_by=_user_or_none(actor))
    latest = cast(InspectorStatusChange,  # there is one: the change created above
                  inspector.status_changes.order_by("-effective_on", "-id").first())
    old = inspector.status
    inspector.status, inspector.status_since = latest.status, latest.effective_on
    inspector.save(update_fields=["status", "status_since"])
    audit_record(actor=actor, action="inspector.status", obj=inspector,
                 organisation_id=inspector.department.root_id,
                 summary=_("Inspector {name}: status {status} from {day}").format(
                     name=inspector, status=status, day=effective_on.isoformat()),
                 data={"from": old, "to": status, "effective_on": effective_on, "note": note})
    return inspector


@transaction.atomic
def certificate_add(*, actor: User | None, inspector: Inspector, number: str, issuer: str,
                    valid_from: date | None, valid_to: date | None) -> Certificate:
    cert = Certificate(inspector=inspector, number=number.strip(), issuer=issuer.strip(),
                       valid_from=valid_from, valid_to=valid_to)
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end of validity is before its start.")})
    cert.full_clean()
    cert.save()
    audit_record(actor=actor, action="inspector.certificate", obj=inspector,
                 organisation_id=inspector.department.root_id,
                 summary=_("Certificate {number} recorded for {name}").format(
                     number=cert.number, name=inspector),
                 data={"number": cert.number, "issuer": cert.issuer,
                       "valid_from": valid_from, "valid_to": valid_to})
    return cert


@transaction.atomic
def conflict_record(*, actor: User | None, data: ConflictFields) -> Conflict:
    """Register a 回避 relationship; the draw will never pair this inspector and target."""
    conflict = Conflict(recorded_by=_user_or_none(actor))
    apply(conflict, data)
    if conflict.valid_from and conflict.valid_to and conflict.valid_to < conflict.valid_from:
        raise ValidationError({"valid_to": _("The end of validity is before its start.")})
    conflict.full_clean()
    conflict.save()
    audit_record(actor=actor, action="conflict.record", obj=conflict,
                 organisation_id=conflict.inspector.department.root_id,
                 summary=_("Conflict recorded: {inspector} and {target}").format(
                     inspector=conflict.inspector, target=conflict.target),
                 data={"relation": conflict.relation, "declared_by": conflict.declared_by,
                       "reason": conflict.reason})
    return conflict


@transaction.atomic
def conflict_revoke(*, actor: User | None, conflict: Conflict, reason: str) -> Conflict:
    if not reason.strip():
        raise ValidationError({"revoke_reason": _("A reason is required.")})
    conflict = Conflict.objects.select_for_update().select_related(
        "inspector__department", "target").get(pk=conflict.pk)
    if conflict.revoked_at is not None:
        raise ValidationError(_("This conflict was already revoked on {day}.").format(
            day=timezone.localtime(conflict.revoked_at).date().isoformat()))
    conflict.revoked_at = timezone.now()
    conflict.revoke_reason = reason
    conflict.save(update_fields=["revoked_at", "revoke_reason"])
    audit_record(actor=actor, action="conflict.revoke", obj=conflict,
                 organisation_id=conflict.inspector.department.root_id,
                 summary=_("Conflict revoked: {inspector} and {target}").format(
                     inspector=conflict.inspector, target=conflict.target),
                 data={"reason": reason})
    return conflict
