"""Exports that the imports read back (the item list), for the view and the command."""

from typing import IO, Any

from shuangsuiji.catalog.models import InspectionItem

from . import item_list


def items_for_export(queryset: Any = None) -> Any:
    """Items in code order with their departments (one query)."""
    base = InspectionItem.objects.all() if queryset is None else queryset
    return base.select_related("department").order_by("code")


def items_xlsx(items: Any, out: IO[bytes]) -> int:
    return item_list.export_xlsx(items.iterator(chunk_size=2000), out)
