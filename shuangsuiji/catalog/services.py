"""Changes to the 抽查事项清单. Every adjustment is a new version with who, when and why."""

from typing import TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shuangsuiji.accounts.models import Department, User
from shuangsuiji.core.audit import audit_record
from shuangsuiji.core.snapshots import apply, diff, snapshot

from .models import InspectionItem, InspectionItemVersion

ITEM_FIELDS = [
    "code", "category", "matter", "sub_item", "target_type", "basis", "department", "content",
    "method", "kind", "ratio_guidance", "frequency_guidance", "inspector_requirements",
    "remarks", "is_active", "regulatory_code", "implementation_code",
]


class ItemFields(TypedDict, total=False):
    """An item's fields as item_create and item_update take them (ITEM_FIELDS)."""

    code: str
    category: str
    matter: str
    sub_item: str
    target_type: str
    basis: str
    department: Department | int
    content: str
    method: str
    kind: str
    ratio_guidance: str
    frequency_guidance: str
    inspector_requirements: str
    remarks: str
    is_active: bool
    regulatory_code: str
    implementation_code: str


def _save_version(item: InspectionItem, *, actor: User | None, reason: str
                  ) -> InspectionItemVersion:
    return InspectionItemVersion.objects.create(
        item=item, version=item.version, snapshot=snapshot(item, ITEM_FIELDS),
        is_published=item.is_published, changed_by=actor if getattr(actor, "pk", None) else None,
        reason=reason)


@transaction.atomic
def item_create(*, actor: User | None, data: ItemFields, reason: str = "") -> InspectionItem:
    """Add an item to the list (unpublished until item_set_published)."""
    item = InspectionItem(version=1)
    apply(item, data)
    item.full_clean()
    item.save()
    _save_version(item, actor=actor, reason=reason or _("Item created"))
    audit_record(actor=actor, action="item.create", obj=item,
                 organisation_id=item.department.root_id,
                 summary=_("Item {code} created").format(code=item.code),
                 data={"after": snapshot(item, ITEM_FIELDS), "reason": reason})
    return item


@transaction.atomic
def item_update(*, actor: User, item: InspectionItem, data: ItemFields,
                reason: str) -> InspectionItem:
    """Adjust an item; the previous version stays in its history. A reason is required."""
    if not reason.strip():
        raise ValueError(_("A reason for the adjustment is required."))
    item = InspectionItem.objects.select_for_update().get(pk=item.pk)
    before = snapshot(item, ITEM_FIELDS)
    apply(item, data)
    after = snapshot(item, ITEM_FIELDS)
    changes = diff(before, after)
    if not changes:
        return item
    item.version += 1
    item.full_clean()
    item.save()
    _save_version(item, actor=actor, reason=reason)
    audit_record(actor=actor, action="item.update", obj=item,
                 organisation_id=item.department.root_id,
                 summary=_("Item {code} adjusted to version {version}").format(
                     code=item.code, version=item.version),
                 data={"changes": changes, "reason": reason})
    return item


@transaction.atomic
def item_set_published(*, actor: User | None, item: InspectionItem, published: bool,
                       reason: str) -> InspectionItem:
    """Publish or withdraw an item from the public list (a new version either way). A
    withdrawal needs its reason: the public list's history says why an item left it."""
    if not published and not reason.strip():
        raise ValidationError({"reason": _("Say why the item is withdrawn from publication; "
                                           "it is kept in its history.")})
    item = InspectionItem.objects.select_for_update().get(pk=item.pk)
    if item.is_published == published:
        return item
    item.is_published = published
    item.version += 1
    item.save()
    _save_version(item, actor=actor, reason=reason)
    audit_record(actor=actor, action="item.publish" if published else "item.unpublish",
                 obj=item, organisation_id=item.department.root_id,
                 summary=(_("Item {code} published") if published
                          else _("Item {code} withdrawn from publication")).format(
                     code=item.code),
                 data={"reason": reason, "version": item.version})
    return item
