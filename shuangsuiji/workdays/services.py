"""Changes to the working-day calendar: set or remove a day, declare a year complete.

The calendar is national and sets every deadline, so only system administrators and the
organising office (which the domain makes responsible for the holiday calendar) change it;
everyone signed in reads it. Each change is audited in its own transaction.
"""

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import User
from shuangsuiji.accounts.scoping import is_admin, user_organisation_id
from shuangsuiji.core.audit import audit_record
from shuangsuiji.core.snapshots import snapshot
from shuangsuiji.rules.workdays import package_covers

from .models import FIRST_YEAR, LAST_YEAR, CalendarDay, CalendarYear

DAY_FIELDS = ["date", "is_workday", "note"]
YEAR_FIELDS = ["year", "complete", "source", "notes"]
EDITOR_ROLES = frozenset({Role.OFFICE})


def may_edit(user: Any) -> bool:
    """System administrators and the organising office keep the calendar."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_admin(user) or user.role in EDITOR_ROLES


def _check_editor(actor: User | None) -> None:
    # None is the system itself (a seeding command), which may always write.
    if actor is not None and not may_edit(actor):
        raise PermissionDenied


def _check_year(year: int, field: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError({field: _("The calendar keeps the years {first} to {last}.")
                               .format(first=FIRST_YEAR, last=LAST_YEAR)})


def _log_of(actor: User | None) -> int | None:
    """The calendar belongs to no organisation: its entries go to the log of the organisation
    the actor acts for (none for the system itself)."""
    return None if actor is None else user_organisation_id(actor)


@transaction.atomic
def calendar_day_set(*, actor: User | None, day: date, is_workday: bool,
                     note: str = "") -> CalendarDay:
    """Set one day as a working day or a day off, whatever the package says."""
    _check_editor(actor)
    _check_year(day.year, "date")
    row = CalendarDay.objects.select_for_update().filter(date=day).first()
    before = snapshot(row, DAY_FIELDS) if row is not None else None
    if row is None:
        row = CalendarDay(date=day, created_by=actor)
    row.is_workday, row.note, row.updated_by = is_workday, note.strip(), actor
    after = snapshot(row, DAY_FIELDS)
    if before == after:
        return row
    row.full_clean()
    row.save()
    summary = (_("Calendar: {date} is a working day") if is_workday
               else _("Calendar: {date} is a day off")).format(date=day.isoformat())
    audit_record(actor=actor, action="calendar.day_set", obj=row,
                 organisation_id=_log_of(actor), summary=summary,
                 data={"before": before, "after": after})
    return row


@transaction.atomic
def calendar_day_delete(*, actor: User | None, day: date) -> None:
    """Remove a day from the table: the package (or the weekly rule) decides it again."""
    _check_editor(actor)
    row = CalendarDay.objects.select_for_update().filter(date=day).first()
    if row is None:
        raise ValidationError({"date": _("{date} is not in the calendar's table.").format(
            date=day.isoformat())})
    before, pk = snapshot(row, DAY_FIELDS), row.pk
    row.delete()
    audit_record(actor=actor, action="calendar.day_delete", object_type="workdays.calendarday",
                 object_id=str(pk), organisation_id=_log_of(actor),
                 summary=_("Calendar: {date} removed from the table").format(
                     date=day.isoformat()),
                 data={"before": before})


@transaction.atomic
def calendar_year_set(*, actor: User | None, year: int, complete: bool, source: str = "",
                      notes: str = "") -> CalendarYear:
    """Declare whether the table holds the year's whole official schedule.

    A year the package does not cover needs its days entered first, and a complete year names
    the notice it comes from: the declaration turns provisional deadlines into certain ones.
    """
    _check_editor(actor)
    _check_year(year, "year")
    source, notes = source.strip(), notes.strip()
    if complete and not source:
        raise ValidationError({"source": _(
            "Name the notice the schedule comes from before declaring the year complete.")})
    if complete and not package_covers(year) and not CalendarDay.objects.filter(
            date__year=year).exists():
        raise ValidationError({"complete": _(
            "Enter the year's holidays and 调休 days before declaring {year} complete.").format(
                year=year)})
    row = CalendarYear.objects.select_for_update().filter(year=year).first()
    before = snapshot(row, YEAR_FIELDS) if row is not None else None
    if row is None:
        row = CalendarYear(year=year, created_by=actor)
    row.complete, row.source, row.notes, row.updated_by = complete, source, notes, actor
    after = snapshot(row, YEAR_FIELDS)
    if before == after:
        return row
    row.full_clean()
    row.save()
    summary = (_("Calendar: {year} declared complete") if complete
               else _("Calendar: {year} not complete")).format(year=year)
    audit_record(actor=actor, action="calendar.year_set", obj=row,
                 organisation_id=_log_of(actor), summary=summary,
                 data={"before": before, "after": after})
    return row
