"""Deadline helpers for the rest of the project: 20 working days and the traffic light."""

from datetime import date

import pytest

from shuangsuiji.workdays.deadlines import days_left, deadline_after, traffic_light
from shuangsuiji.workdays.selectors import calendar
from shuangsuiji.workdays.services import calendar_day_set

from .conftest import FUTURE

pytestmark = pytest.mark.django_db


def test_deadline_after_counts_twenty_working_days_by_default(world):
    assert deadline_after(date(2024, 9, 27)).date == date(2024, 10, 30)
    assert deadline_after(date(2024, 9, 30), 5).date == date(2024, 10, 12)
    assert deadline_after(date(FUTURE - 1, 12, 20)).provisional
    calendar_day_set(actor=world.users["office"], day=date(2024, 10, 30), is_workday=False)
    assert deadline_after(date(2024, 9, 27)).date == date(2024, 10, 31)


def test_traffic_light_follows_the_settings(settings, world):
    deadline = date(2024, 10, 31)  # a Thursday
    cal = calendar()
    assert days_left(deadline, date(2024, 10, 21), cal=cal).days == 8
    assert traffic_light(deadline, date(2024, 10, 21), cal=cal) == "green"
    assert traffic_light(deadline, date(2024, 10, 24), cal=cal) == "yellow"  # 5 left
    assert traffic_light(deadline, date(2024, 10, 30), cal=cal) == "red"  # 1 left
    assert traffic_light(deadline, date(2024, 11, 1), cal=cal) == "red"  # overdue
    settings.SHUANGSUIJI_DEADLINE_YELLOW_DAYS = 10
    settings.SHUANGSUIJI_DEADLINE_RED_DAYS = 0
    assert traffic_light(deadline, date(2024, 10, 21), cal=cal) == "yellow"
    assert traffic_light(deadline, date(2024, 10, 30), cal=cal) == "yellow"
    assert traffic_light(deadline, date(2024, 10, 31), cal=cal) == "red"
