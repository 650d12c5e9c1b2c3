"""Changes to the 检查对象名录库. Each change keeps who, when, what and from which import."""

from datetime import date
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.accounts.models import User
from shuangsuiji.core.audit import audit_record
from shuangsuiji.core.i18n import reason as rule_reason
from shuangsuiji.core.snapshots import apply, diff, snapshot
from shuangsuiji.rules import uscc

from .choices import RiskClass
from .models import Contact, Target, TargetChange

# The fields a target's history tracks and an import may set (fingerprinted by imports).
TARGET_FIELDS = [
    "uscc", "no_code_reason", "name", "entity_type", "legal_rep", "address", "region_code",
    "industry_code", "registration_authority", "locality", "founded_on", "reg_status",
    "risk_class", "risk_set_on", "last_inspected_on",
]


class TargetFields(TypedDict, total=False):
    """A target's fields as target_create and target_update take them (TARGET_FIELDS)."""

    uscc: str | None
    no_code_reason: str
    name: str
    entity_type: str
    legal_rep: str
    address: str
    region_code: str
    industry_code: str
    registration_authority: str
    locality: str
    founded_on: date | None
    reg_status: str
    risk_class: str
    risk_set_on: date | None
    last_inspected_on: date | None


def clean_code(raw: str | None) -> str | None:
    """Normalise a code typed or pasted by a user; ValidationError on the uscc field if bad."""
    if raw is None or not str(raw).strip():
        return None
    try:
        return uscc.validate(str(raw))
    except uscc.InvalidCode as exc:
        raise ValidationError({"uscc": rule_reason(exc)}) from exc


def _record_change(target: Target, *, actor: User | None, action: str, before: dict[str, Any],
                   after: dict[str, Any], note: str = "") -> None:
    TargetChange.objects.create(target=target, actor=actor if getattr(actor, "pk", None) else None,
                                action=action, before=before, after=after, note=note)


@transaction.atomic
def target_create(*, actor: User | None, department_id: int, data: TargetFields,
                  source: str = "manual") -> Target:
    """Add one target by hand (imports use shuangsuiji.imports, in bulk)."""
    data = data.copy()
    data["uscc"] = clean_code(data.get("uscc"))
    target = Target(department_id=department_id, source=source)
    apply(target, data)
    target.full_clean()
    target.save()
    after = snapshot(target, TARGET_FIELDS)
    _record_change(target, actor=actor, action="create", before={}, after=after)
    audit_record(actor=actor, action="target.create", obj=target,
                 organisation_id=target.department.root_id,
                 summary=_("Target {name} added").format(name=target.name),
                 data={"after": after})
    return target


@transaction.atomic
def target_update(*, actor: User, target: Target, data: TargetFields,
                  note: str = "") -> Target:
    """Edit a target; no-op when nothing changed."""
    target = Target.objects.select_for_update().get(pk=target.pk)
    data = data.copy()
    if "uscc" in data:
        data["uscc"] = clean_code(data["uscc"])
    if data.get("risk_class") and data["risk_class"] != target.risk_class:
        data.setdefault("risk_set_on", timezone.localdate())
    before = snapshot(target, TARGET_FIELDS)
    apply(target, data)
    after = snapshot(target, TARGET_FIELDS)
    changes = diff(before, after)
    if not changes:
        return target
    target.full_clean()
    target.save()
    _record_change(target, actor=actor, action="update", before=before, after=after, note=note)
    audit_record(actor=actor, action="target.update", obj=target,
                 organisation_id=target.department.root_id,
                 summary=_("Target {name} changed: {fields}").format(
                     name=target.name, fields=", ".join(changes)),
                 data={"changes": changes, "note": note})
    return target


@transaction.atomic
def contact_add(*, actor: User | None, target: Target, name: str, position: str = "",
                phone: str = "") -> Contact:
    contact = Contact(target=target, name=name, position=position, phone=phone)
    contact.full_clean()
    contact.save()
    audit_record(actor=actor, action="target.contact_add", obj=target,
                 organisation_id=target.department.root_id,
                 summary=_("Contact added to {name}").format(name=target.name),
                 data={"contact": contact.pk})
    return contact


@transaction.atomic
def contact_remove(*, actor: User, contact: Contact) -> None:
    target = contact.target
    contact_id = contact.pk
    contact.delete()
    audit_record(actor=actor, action="target.contact_remove", obj=target,
                 organisation_id=target.department.root_id,
                 summary=_("Contact removed from {name}").format(name=target.name),
                 data={"contact": contact_id, "name": contact.name})


def target_set_risk_class(*, actor: User, target: Target, risk_class: str, set_on: date,
                          note: str = "") -> Target:
    """信用风险分类: set the class (A–D) and the day it was set; kept in the change history."""
    if risk_class not in RiskClass.values:
        raise ValidationError({"risk_class": _("Choose a class from A to D.")})
    return target_update(actor=actor, target=target,
                         data={"risk_class": risk_class, "risk_set_on": set_on},
                         note=note or _("Credit risk class set to {risk_class}").format(
                             risk_class=risk_class))
