"""Reads of the 抽查事项清单 for pages: scoped lists, one item, its version history."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Action, Domain, can, get_for_user
from shuangsuiji.core.web import FieldChange, display_value, field_changes

from .models import InspectionItem, InspectionItemVersion


def item_list(*, user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[InspectionItem]:
    """Items the user may see, filtered by the list page's criteria."""
    filters = filters or {}
    items = InspectionItem.objects.for_user(user).select_related("department")
    exact = {"category": "category", "department": "department", "kind": "kind",
             "published": "is_published", "active": "is_active"}
    for key, lookup in exact.items():
        value = filters.get(key)
        if value not in (None, ""):
            items = items.filter(**{lookup: value})
    text = (filters.get("q") or "").strip()
    if text:
        items = items.filter(Q(code__icontains=text) | Q(matter__icontains=text)
                             | Q(sub_item__icontains=text) | Q(category__icontains=text)
                             | Q(content__icontains=text) | Q(basis__icontains=text))
    return items


def item_categories(*, user: Any) -> list[str]:
    """The 抽查类别 in use, for the list filter."""
    return list(InspectionItem.objects.for_user(user).order_by("category")
                .values_list("category", flat=True).distinct())


def item_get(*, user: Any, pk: int, action: Action = Action.VIEW) -> InspectionItem:
    return get_for_user(InspectionItem.objects.select_related("department"), user, action,
                        pk=pk)


@dataclass(frozen=True)
class VersionEntry:
    """One version with what changed since the one before it."""

    version: InspectionItemVersion
    changes: list[FieldChange]
    is_first: bool


def item_history(*, item: InspectionItem) -> list[VersionEntry]:
    """Every version, newest first, each with its field diff against the previous version."""
    versions = list(item.versions.select_related("changed_by").order_by("version"))
    department_ids = {v.snapshot.get("department") for v in versions}
    names = {"department": dict(Department.objects.filter(pk__in=department_ids)
                                .values_list("pk", "name"))}
    entries, previous = [], None
    for version in versions:
        if previous is None:
            changes: list[FieldChange] = []
        else:
            changes = field_changes(InspectionItem, previous.snapshot, version.snapshot, names)
            if previous.is_published != version.is_published:
                field = InspectionItem._meta.get_field("is_published")
                changes.append(FieldChange(str(field.verbose_name),
                                           display_value(field, previous.is_published),
                                           display_value(field, version.is_published)))
        entries.append(VersionEntry(version, changes, previous is None))
        previous = version
    return entries[::-1]


def item_summary(*, user: Any) -> dict[str, Any] | None:
    """The home page's panel: how many items, how many in force but not yet published."""
    if not can(user, Domain.ITEMS):
        return None
    counts = InspectionItem.objects.for_user(user).aggregate(
        total=Count("id"), published=Count("id", filter=Q(is_published=True, is_active=True)),
        unpublished=Count("id", filter=Q(is_published=False, is_active=True)))
    return counts | {"can_change": can(user, Domain.ITEMS, Action.CHANGE)}
