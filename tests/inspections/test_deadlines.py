"""Deadlines of results and follow-ups in working days, their lights, and the overdue lists.

Expected dates are counted here straight from the chinese_calendar package, not through the
project's calendar.
"""

from datetime import date, timedelta

import chinese_calendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from shuangsuiji.inspections import deadlines, services
from shuangsuiji.inspections.models import FollowUp, Inspection
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.rules.workdays import package_years
from shuangsuiji.workdays.models import CalendarDay, CalendarYear
from shuangsuiji.workdays.selectors import calendar

# A Friday; then 调休 Sunday 9-29, National Day 10-1 to 10-7, 调休 Saturday 10-12.
NATIONAL_DAY_END = date(2024, 9, 27)


@pytest.fixture(autouse=True)
def thresholds(settings):
    settings.SHUANGSUIJI_DEADLINE_YELLOW_DAYS = 5
    settings.SHUANGSUIJI_DEADLINE_RED_DAYS = 1


def nth_workday_after(start: date, n: int) -> date:
    day = start
    while n:
        day += timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


def workdays_left(today: date, due: date) -> int:
    step = 1 if due >= today else -1
    low, high = sorted((today, due))
    days = (high - low).days
    return step * sum(chinese_calendar.is_workday(low + timedelta(days=i))
                      for i in range(1, days + 1))


def weekdays_after(start: date, n: int) -> date:
    day = start
    while n:
        day += timedelta(days=1)
        n -= day.weekday() < 5
    return day


# -- Deadlines -----------------------------------------------------------------------------------

def test_it_counts_the_entry_deadline_across_national_day_and_its_tiaoxiu(db):
    assert chinese_calendar.is_workday(date(2024, 9, 29))  # 调休: a Sunday worked
    assert not chinese_calendar.is_workday(date(2024, 10, 7))
    expected = nth_workday_after(NATIONAL_DAY_END, 20)
    task = InspectionTask(period_end=NATIONAL_DAY_END)
    deadline = deadlines.entry_deadline(task, today=date(2024, 10, 8))
    assert deadline.due == expected == date(2024, 10, 30)
    assert deadline.due != weekdays_after(NATIONAL_DAY_END, 20)  # the holiday matters
    assert deadline.days_left == workdays_left(date(2024, 10, 8), expected) == 17
    assert (deadline.light, deadline.provisional, deadline.overdue) == ("green", False, False)


@pytest.mark.parametrize("today,light,overdue", [
    (date(2024, 10, 8), "green", False),
    (date(2024, 10, 22), "green", False),  # 6 working days left
    (date(2024, 10, 23), "yellow", False),  # 5 left
    (date(2024, 10, 28), "yellow", False),  # 2 left
    (date(2024, 10, 29), "red", False),  # 1 left
    (date(2024, 10, 30), "red", False),  # the day itself
    (date(2024, 10, 31), "red", True),
])
def test_the_light_follows_the_working_days_left(db, today, light, overdue):
    deadline = deadlines.entry_deadline(InspectionTask(period_end=NATIONAL_DAY_END), today=today)
    assert deadline.days_left == workdays_left(today, date(2024, 10, 30))
    assert (deadline.light, deadline.overdue) == (light, overdue)
    assert deadline.attention == (light != "green")


def test_the_light_of_a_deadline_after_a_holiday_counts_only_working_days(db):
    # Seven calendar days but one working day: National Day lies between.
    deadline = deadlines.follow_up_deadline(FollowUp(due_on=date(2024, 10, 8)),
                                            today=date(2024, 10, 1))
    assert deadline.days_left == workdays_left(date(2024, 10, 1), date(2024, 10, 8)) == 1
    assert deadline.light == "red"


def test_a_late_deadline_says_how_many_working_days_late(db):
    deadline = deadlines.follow_up_deadline(FollowUp(due_on=date(2024, 9, 30)),
                                            today=date(2024, 10, 9))
    # 10-8 and 10-9 are the working days since; the holiday week does not count.
    assert (deadline.days_left, deadline.days_late, deadline.overdue) == (-2, 2, True)


def test_the_publication_deadline_runs_from_the_inspection_day(db):
    inspected = date(2024, 9, 30)
    result = Inspection(inspected_on=inspected)
    deadline = deadlines.publication_deadline(result, today=date(2024, 10, 8))
    assert deadline.due == nth_workday_after(inspected, 20) == date(2024, 11, 1)
    assert deadlines.publication_deadline(Inspection(), today=date(2024, 10, 8)) is None


def test_a_day_the_administrator_sets_moves_the_deadline(db):
    CalendarDay.objects.create(date=date(2024, 10, 14), is_workday=False, note="临时放假")
    deadline = deadlines.entry_deadline(InspectionTask(period_end=NATIONAL_DAY_END),
                                        today=date(2024, 10, 8))
    assert deadline.due == date(2024, 10, 31)


def test_a_count_into_an_unknown_year_is_provisional_until_the_year_is_declared(db):
    last = package_years()[-1]
    task = InspectionTask(period_end=date(last, 12, 20))
    deadline = deadlines.entry_deadline(task, today=date(last, 12, 21))
    assert deadline.due.year == last + 1 and deadline.provisional
    CalendarYear.objects.create(year=last + 1, complete=True, source="国办发明电")
    assert not deadlines.entry_deadline(task, today=date(last, 12, 21)).provisional
    # Within a known year nothing is provisional.
    assert not deadlines.entry_deadline(InspectionTask(period_end=date(last, 3, 2)),
                                        today=date(last, 3, 3)).provisional


def test_the_deadline_badge_says_provisional(db):
    from django.template.loader import render_to_string

    last = package_years()[-1]
    deadline = deadlines.entry_deadline(InspectionTask(period_end=date(last, 12, 20)),
                                        today=date(last, 12, 21))
    with translation.override("en"):
        html = render_to_string("inspections/followups/_deadline.html", {"d": deadline})
    assert "provisional" in html and 'data-light="green"' in html


# -- Overdue lists -------------------------------------------------------------------------------

TASK_DUE = date(2026, 12, 11)  # 20 working days after the fixture task's period (11-13)
NEAR = date(2026, 12, 8)  # 3 working days before


@pytest.fixture
def late(world, drawn_task):
    """Visit 1: both results approved (office inspected 11-02, due for publication 11-30; fire
    11-13, due 12-11). Visit 2: the office's result entered, the fire rescue's submitted.
    Follow-ups: one past due for each department, one not yet due, one closed."""
    task = drawn_task.task
    visits = list(task.visits.order_by("pk"))
    assert len(visits) == 2
    v1 = {r.department_id: r for r in visits[0].inspections.all()}
    v2 = {r.department_id: r for r in visits[1].inspections.all()}
    office, fire = world.office.pk, world.fire.pk
    Inspection.objects.filter(pk=v1[office].pk).update(
        state="approved", inspected_on=date(2026, 11, 2), categories=["pending"])
    Inspection.objects.filter(pk=v1[fire].pk).update(
        state="approved", inspected_on=date(2026, 11, 13), categories=["pending"])
    Inspection.objects.filter(pk=v2[fire].pk).update(state="submitted")
    for r in (*v1.values(), *v2.values()):
        r.refresh_from_db()
    users = world.users
    past = date(2026, 11, 20)

    def follow(result, actor, owner, due, **extra):
        return services.follow_up_create(actor=users[actor], inspection=result, kind="refer",
                                         owner=users[owner], due_on=due, referred_to="住建局",
                                         **extra)

    office_late = follow(v1[office], "office", "office", past)
    fire_late = follow(v1[fire], "partner", "partner", past)
    follow(v1[office], "office", "section", date(2026, 12, 31))
    closed = follow(v1[office], "office", "office", past)
    services.follow_up_close(actor=users["office"], follow_up=closed, closed_on=past)
    return {"v1": v1, "v2": v2, "office_late": office_late, "fire_late": fire_late,
            "task": task}


def lists(world, role, today):
    cal = calendar()
    user = world.users[role]
    return (deadlines.late_entries(user=user, today=today, cal=cal),
            deadlines.late_publications(user=user, today=today, cal=cal),
            deadlines.late_follow_ups(user=user, today=today, cal=cal))


def test_the_office_sees_every_late_item_of_its_task(world, late):
    entries, publications, follow_ups = lists(world, "office", NEAR)
    assert {(r.department.code, r.unsubmitted, r.awaiting_review) for r in entries} == {
        ("RFB", 1, 0), ("XFZD", 0, 1)}
    assert all(r.deadline.due == TASK_DUE and r.deadline.light == "yellow" for r in entries)
    assert [r.results[0].pk for r in entries if r.department.code == "RFB"] == [
        late["v2"][world.office.pk].pk]
    # Publication: the office's result is overdue (11-30), the fire rescue's near (12-11).
    assert [(r.inspection.pk, r.deadline.overdue) for r in publications] == [
        (late["v1"][world.office.pk].pk, True), (late["v1"][world.fire.pk].pk, False)]
    assert {r.follow_up.pk for r in follow_ups} == {late["office_late"].pk,
                                                    late["fire_late"].pk}


def test_nothing_is_listed_while_every_deadline_is_far(world, late):
    entries, publications, follow_ups = lists(world, "office", date(2026, 11, 16))
    # 11-16: 10 working days before the office's publication deadline, 19 before the task's.
    assert entries == [] and publications == []
    assert {r.follow_up.pk for r in follow_ups} == set()  # due 11-20: not yet past


def test_a_result_is_listed_once_its_publication_deadline_is_near(world, late):
    assert lists(world, "office", date(2026, 11, 20))[1] == []  # 6 working days left
    near = lists(world, "office", date(2026, 11, 23))[1]  # 5 left
    assert [r.inspection.pk for r in near] == [late["v1"][world.office.pk].pk]
    assert near[0].deadline.light == "yellow"


@pytest.mark.parametrize("role,codes", [
    ("partner", {"XFZD"}), ("other_inspector", {"XFZD"}), ("inspector", {"RFB"}),
    ("leader", {"RFB", "XFZD"}), ("section", {"RFB", "XFZD"}),
])
def test_each_user_sees_only_the_late_items_in_their_scope(world, late, role, codes):
    entries, publications, follow_ups = lists(world, role, NEAR)
    assert {r.department.code for r in entries} == codes
    assert {r.inspection.department.code for r in publications} == codes
    assert {f.follow_up.inspection.department.code for f in follow_ups} == codes


def test_the_overdue_page_shows_the_three_tables_with_links(world, late, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: NEAR)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.users["office"])
    page = client.get(reverse("inspections:overdue"))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("inspections:result", args=[late["v2"][world.office.pk].pk]) in html
    assert reverse("inspections:result", args=[late["v1"][world.office.pk].pk]) in html
    assert reverse("inspections:followup", args=[late["office_late"].pk]) in html
    assert reverse("inspections:task", args=[late["task"].pk]) in html
    assert "working days late" in html
    client.force_login(world.users["partner"])
    theirs = client.get(reverse("inspections:overdue")).content.decode()
    # Another organisation's late items are not shown: neither the office's result nor its
    # follow-up.
    assert reverse("inspections:result", args=[late["v1"][world.office.pk].pk]) not in theirs
    assert reverse("inspections:followup", args=[late["office_late"].pk]) not in theirs
    assert reverse("inspections:followup", args=[late["fire_late"].pk]) in theirs


def test_the_overdue_page_flags_a_refusal_for_publication(world, late, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: NEAR)
    Inspection.objects.filter(pk=late["v1"][world.office.pk].pk).update(conduct="refused")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.users["office"])
    assert "Flagged for publication" in client.get(reverse("inspections:overdue")).content.decode()
