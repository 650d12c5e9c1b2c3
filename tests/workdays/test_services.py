"""Services of the calendar: audited, refused to those who may not keep it, read back at once."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shuangsuiji.core.audit import verify_chain
from shuangsuiji.core.models import AuditEvent
from shuangsuiji.workdays.models import CalendarDay, CalendarYear
from shuangsuiji.workdays.selectors import calendar
from shuangsuiji.workdays.services import (
    calendar_day_delete,
    calendar_day_set,
    calendar_year_set,
    may_edit,
)

from .conftest import FUTURE

pytestmark = pytest.mark.django_db


def test_it_lets_administrators_and_the_office_keep_the_calendar(world):
    editors = {role for role, user in world.users.items() if may_edit(user)}
    assert editors == {"admin", "office"}


def test_setting_a_day_is_audited_and_changes_the_calendar_at_once(world):
    office, day = world.users["office"], date(2024, 10, 8)
    assert calendar().is_workday(day)
    row = calendar_day_set(actor=office, day=day, is_workday=False, note=" 暴雨停工 ")
    assert row.note == "暴雨停工" and row.created_by == office and row.updated_by == office
    event = AuditEvent.objects.get(action="calendar.day_set")
    assert event.object_id == str(row.pk) and event.actor == office
    assert event.organisation_id == world.office.pk
    assert event.data["before"] is None and event.data["after"]["is_workday"] is False
    assert not calendar().is_workday(day)
    assert calendar().add_workdays(date(2024, 9, 30), 1).date == date(2024, 10, 9)

    calendar_day_set(actor=world.users["admin"], day=day, is_workday=True, note="暴雨停工")
    change = AuditEvent.objects.filter(action="calendar.day_set").order_by("seq").last()
    assert change.data["before"]["is_workday"] is False and change.organisation_id is None
    assert CalendarDay.objects.get(date=day).updated_by == world.users["admin"]
    assert verify_chain() is None


def test_saving_a_day_unchanged_writes_no_entry(world):
    office, day = world.users["office"], date(2024, 10, 8)
    calendar_day_set(actor=office, day=day, is_workday=False, note="停工")
    calendar_day_set(actor=office, day=day, is_workday=False, note="停工")
    assert AuditEvent.objects.filter(action="calendar.day_set").count() == 1


def test_removing_a_day_is_audited_and_gives_the_day_back_to_the_package(world):
    office, day = world.users["office"], date(2024, 10, 3)
    row = calendar_day_set(actor=office, day=day, is_workday=True, note="值班")
    assert calendar().is_workday(day)
    calendar_day_delete(actor=office, day=day)
    assert not CalendarDay.objects.exists() and not calendar().is_workday(day)
    event = AuditEvent.objects.get(action="calendar.day_delete")
    assert event.object_id == str(row.pk) and event.data["before"]["note"] == "值班"
    with pytest.raises(ValidationError) as error:
        calendar_day_delete(actor=office, day=day)
    assert "date" in error.value.error_dict


def test_declaring_a_year_complete_makes_its_deadlines_certain(world):
    office = world.users["office"]
    monday = date(FUTURE, 1, 4) + timedelta(days=(0 - date(FUTURE, 1, 4).weekday()) % 7)
    assert calendar().add_workdays(monday, 3).provisional
    with pytest.raises(ValidationError) as no_days:
        calendar_year_set(actor=office, year=FUTURE, complete=True, source="国办发明电")
    assert "complete" in no_days.value.error_dict
    calendar_day_set(actor=office, day=monday, is_workday=False, note="元旦")
    with pytest.raises(ValidationError) as no_source:
        calendar_year_set(actor=office, year=FUTURE, complete=True, source=" ")
    assert "source" in no_source.value.error_dict
    assert not CalendarYear.objects.exists()

    row = calendar_year_set(actor=office, year=FUTURE, complete=True, source="国办发明电")
    assert row.complete and row.updated_by == office
    result = calendar().add_workdays(monday - timedelta(days=1), 1)
    assert result.date == monday + timedelta(days=1) and not result.provisional
    event = AuditEvent.objects.get(action="calendar.year_set")
    assert event.object_id == str(row.pk) and event.data["after"]["complete"] is True

    calendar_year_set(actor=office, year=FUTURE, complete=False)
    assert calendar().add_workdays(monday, 3).provisional
    assert AuditEvent.objects.filter(action="calendar.year_set").count() == 2


def test_years_out_of_range_are_refused(world):
    with pytest.raises(ValidationError):
        calendar_day_set(actor=world.users["admin"], day=date(1990, 1, 1), is_workday=False)
    with pytest.raises(ValidationError):
        calendar_year_set(actor=world.users["admin"], year=2200, complete=False)


@pytest.mark.parametrize("role", ["section", "inspector", "expert", "leader", "partner"])
def test_other_roles_are_refused_by_the_services_too(world, role):
    user, day = world.users[role], date(2024, 10, 8)
    with pytest.raises(PermissionDenied):
        calendar_day_set(actor=user, day=day, is_workday=False)
    calendar_day_set(actor=world.users["office"], day=day, is_workday=False)
    with pytest.raises(PermissionDenied):
        calendar_day_delete(actor=user, day=day)
    with pytest.raises(PermissionDenied):
        calendar_year_set(actor=user, year=FUTURE, complete=False)
    assert CalendarDay.objects.count() == 1 and not CalendarYear.objects.exists()
    assert AuditEvent.objects.filter(actor=user).count() == 0
