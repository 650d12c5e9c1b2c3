"""The working-day calendar: the package exactly, overrides on top, unknown years flagged."""

from datetime import date, timedelta

import chinese_calendar
import pytest

from shuangsuiji.rules.workdays import (
    DayKind,
    Light,
    Override,
    Source,
    WorkdayCalendar,
    package_years,
    traffic_light,
)

COVERED = package_years()
LAST = COVERED[-1]
# The first year the installed package knows nothing about (2027 with chinese-calendar 1.11).
FUTURE = COVERED.stop
ONE = timedelta(days=1)


def every_day(first: date, last: date):  # type: ignore[no-untyped-def]
    day = first
    while day <= last:
        yield day
        day += ONE


def next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def brute_add(start: date, n: int) -> date:
    day = start
    while n:
        day += ONE
        n -= chinese_calendar.is_workday(day)
    return day


def test_it_covers_2004_through_2026_at_least():
    assert COVERED.start == 2004 and LAST >= 2026


def test_it_agrees_with_the_package_on_every_day_from_2004_to_2026():
    calendar = WorkdayCalendar()
    for day in every_day(date(2004, 1, 1), date(2026, 12, 31)):
        expected = chinese_calendar.is_workday(day)
        info = calendar.day(day)
        assert calendar.is_workday(day) is expected, day
        assert info.is_workday is expected and info.source == Source.PACKAGE, day
        assert not info.provisional, day


def test_adding_and_counting_agree_with_stepping_through_the_package():
    calendar = WorkdayCalendar()
    for start in every_day(date(2004, 1, 1), date(LAST, 10, 1)):
        if start.toordinal() % 11:
            continue
        for n in (1, 5, 20):
            result = calendar.add_workdays(start, n)
            assert result.date == brute_add(start, n) and not result.provisional, (start, n)
            count = calendar.workdays_between(start, result.date)
            assert count.days == n and not count.provisional


def test_national_day_2024_with_its_working_sunday_and_saturday():
    calendar = WorkdayCalendar()
    # 2024-09-29 (Sunday) and 2024-10-12 (Saturday) were worked; October 1–7 were off.
    assert calendar.day(date(2024, 9, 29)).kind == DayKind.ADJUSTED_WORKDAY
    assert calendar.day(date(2024, 10, 12)).kind == DayKind.ADJUSTED_WORKDAY
    assert calendar.day(date(2024, 10, 5)).kind == DayKind.HOLIDAY
    assert calendar.day(date(2024, 10, 1)).holiday_zh == "国庆节"
    assert calendar.day(date(2024, 10, 19)).kind == DayKind.WEEKEND
    assert calendar.add_workdays(date(2024, 9, 28), 1).date == date(2024, 9, 29)
    assert calendar.add_workdays(date(2024, 9, 30), 1).date == date(2024, 10, 8)
    assert calendar.add_workdays(date(2024, 9, 30), 5).date == date(2024, 10, 12)
    assert calendar.add_workdays(date(2024, 9, 30), 6).date == date(2024, 10, 14)
    # 20 working days from September 27: 29, 30 September, 8–12 October (Saturday too),
    # then three weeks of five less two days.
    assert calendar.add_workdays(date(2024, 9, 27), 20).date == date(2024, 10, 30)
    assert calendar.workdays_between(date(2024, 9, 27), date(2024, 10, 12)).days == 7


def test_spring_festival_2025_with_its_working_sunday_and_saturday():
    calendar = WorkdayCalendar()
    # 2025-01-26 (Sunday) and 2025-02-08 (Saturday) were worked; January 28 – February 4 off.
    assert calendar.is_workday(date(2025, 1, 26)) and calendar.is_workday(date(2025, 2, 8))
    assert not calendar.is_workday(date(2025, 2, 3))
    assert calendar.add_workdays(date(2025, 1, 24), 1).date == date(2025, 1, 26)
    assert calendar.add_workdays(date(2025, 1, 24), 2).date == date(2025, 1, 27)
    assert calendar.add_workdays(date(2025, 1, 24), 3).date == date(2025, 2, 5)
    assert calendar.add_workdays(date(2025, 1, 27), 4).date == date(2025, 2, 8)
    assert calendar.workdays_between(date(2025, 1, 27), date(2025, 2, 10)).days == 5


def test_zero_days_is_the_start_itself_and_negative_is_refused():
    calendar = WorkdayCalendar()
    holiday = date(2024, 10, 3)
    assert calendar.add_workdays(holiday, 0).date == holiday
    assert not calendar.add_workdays(date(FUTURE, 3, 3), 0).provisional
    with pytest.raises(ValueError, match="zero or more"):
        calendar.add_workdays(holiday, -1)


def test_counting_between_has_a_sign():
    calendar = WorkdayCalendar()
    a, b = date(2024, 9, 27), date(2024, 10, 12)
    assert calendar.workdays_between(a, b).days == 7
    assert calendar.workdays_between(b, a).days == -7
    assert calendar.workdays_between(a, a).days == 0
    # The day after a deadline that fell on a working day: one day overdue.
    assert calendar.workdays_between(date(2024, 10, 21), date(2024, 10, 18)).days == -1


def test_an_override_beats_the_package():
    day = date(2024, 10, 8)  # a Tuesday the package says was worked
    calendar = WorkdayCalendar({day: Override(is_workday=False, note="暴雨停工")})
    info = calendar.day(day)
    assert not info.is_workday and info.source == Source.OVERRIDE and info.note == "暴雨停工"
    assert info.kind == DayKind.HOLIDAY and not info.provisional
    assert calendar.add_workdays(date(2024, 9, 30), 1).date == date(2024, 10, 9)
    holiday = date(2024, 10, 3)
    worked = WorkdayCalendar({holiday: Override(is_workday=True, note="值班")})
    assert worked.add_workdays(date(2024, 9, 30), 1).date == holiday
    assert WorkdayCalendar().add_workdays(date(2024, 9, 30), 1).date == date(2024, 10, 8)


def test_a_year_the_package_does_not_know_follows_the_weekly_rule_and_is_provisional():
    calendar = WorkdayCalendar()
    monday = next_weekday(date(FUTURE, 3, 1), 0)
    saturday = monday + timedelta(days=5)
    assert calendar.is_workday(monday) and not calendar.is_workday(saturday)
    assert calendar.day(monday).source == Source.WEEKLY_RULE and calendar.day(monday).provisional
    assert calendar.is_provisional_year(FUTURE) and not calendar.is_provisional_year(LAST)
    result = calendar.add_workdays(monday, 5)
    assert result.date == monday + timedelta(days=7)
    assert result.provisional and result.provisional_years == (FUTURE,)
    # Before 2004 too: never an exception.
    assert calendar.day(date(2003, 12, 31)).provisional


def test_crossing_into_an_unknown_year_makes_the_answer_provisional():
    calendar = WorkdayCalendar()
    assert not calendar.add_workdays(date(LAST, 12, 1), 5).provisional
    crossing = calendar.add_workdays(date(LAST, 12, 20), 20)
    assert crossing.date.year == FUTURE and crossing.provisional_years == (FUTURE,)
    count = calendar.workdays_between(date(LAST, 12, 31), date(FUTURE, 1, 10))
    assert count.provisional_years == (FUTURE,)
    back = calendar.workdays_between(date(FUTURE, 1, 10), date(LAST, 12, 31))
    assert back.days == -count.days and back.provisional
    assert not calendar.workdays_between(date(LAST, 12, 1), date(LAST, 12, 31)).provisional


def test_overrides_extend_the_calendar_and_a_declared_year_is_certain():
    # A made-up schedule for the unknown year: its first Monday off, the Saturday after worked.
    monday = next_weekday(date(FUTURE, 1, 4), 0)
    saturday = monday + timedelta(days=5)
    table = {monday: Override(False, "元旦"), saturday: Override(True, "调休上班")}
    draft = WorkdayCalendar(table)
    assert draft.day(monday).kind == DayKind.HOLIDAY and draft.day(monday).note == "元旦"
    assert draft.day(saturday).kind == DayKind.ADJUSTED_WORKDAY
    assert draft.add_workdays(monday - ONE, 1).date == monday + ONE
    assert draft.add_workdays(saturday - ONE, 1).date == saturday
    assert draft.add_workdays(saturday - ONE, 1).provisional
    assert draft.day(saturday).provisional

    declared = WorkdayCalendar(table, complete_years={FUTURE})
    result = declared.add_workdays(monday - ONE, 5)
    assert result.date == saturday and not result.provisional
    assert not declared.workdays_between(date(LAST, 12, 1), date(FUTURE, 12, 31)).provisional
    assert not declared.day(monday).provisional
    # Declaring the unknown year complete says nothing about the one after it.
    assert declared.add_workdays(date(FUTURE, 12, 30), 5).provisional_years == (FUTURE + 1,)


def test_traffic_light_thresholds():
    assert traffic_light(10, yellow_days=5, red_days=1) == Light.GREEN
    assert traffic_light(6, yellow_days=5, red_days=1) == Light.GREEN
    assert traffic_light(5, yellow_days=5, red_days=1) == Light.YELLOW
    assert traffic_light(2, yellow_days=5, red_days=1) == Light.YELLOW
    assert traffic_light(1, yellow_days=5, red_days=1) == Light.RED
    assert traffic_light(0, yellow_days=5, red_days=1) == Light.RED
    assert traffic_light(-3, yellow_days=5, red_days=1) == Light.RED
    # Overdue is red even when the red threshold is set below zero.
    assert traffic_light(-1, yellow_days=5, red_days=-5) == Light.RED
