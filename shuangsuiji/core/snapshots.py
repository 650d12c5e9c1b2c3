"""JSON snapshots of model fields, for version history and change records."""

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """Field name → JSON-able value; foreign keys by id."""
    out: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = field.attname if isinstance(field, models.ForeignKey) else name
        out[name] = jsonable(getattr(obj, attname))
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k)}


def apply(obj: models.Model, data: Mapping[str, object]) -> None:
    """Set fields from a dict; a foreign key accepts either an instance or an id."""
    for name, value in data.items():
        field = obj._meta.get_field(name)
        is_id = isinstance(field, models.ForeignKey) and not isinstance(value, models.Model)
        setattr(obj, field.attname if is_id else name, value)
