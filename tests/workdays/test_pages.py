"""Calendar pages: everyone signed in reads them; the administrator and the office edit."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.workdays.models import CalendarDay, CalendarYear
from shuangsuiji.workdays.services import calendar_day_set

from .conftest import FUTURE

pytestmark = pytest.mark.django_db

CALENDAR = reverse("workdays:calendar")
BANNER = 'id="provisional-warning"'


def page(client, **params):  # type: ignore[no-untyped-def]
    with translation.override("en"):
        return client.get(CALENDAR, params, HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize("role", ["admin", "office", "section", "inspector", "expert",
                                  "leader", "partner", "other_inspector"])
def test_every_signed_in_user_reads_the_calendar(login, role):
    response = login(role).get(CALENDAR, {"year": 2024})
    assert response.status_code == 200
    body = response.content.decode()
    assert "2024-10-12" in body and "2024-09-29" in body  # the working weekend days
    assert BANNER not in body
    assert ('id="day-form"' in body) is (role in {"admin", "office"})


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(CALENDAR)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_year_the_package_does_not_cover_shows_the_provisional_banner(login, world):
    client = login("inspector")
    response = page(client, year=FUTURE)
    body = response.content.decode()
    assert response.status_code == 200 and BANNER in body
    assert "Provisional" in body
    calendar_day_set(actor=world.users["office"], day=date(FUTURE, 1, 1), is_workday=False,
                     note="元旦")
    body = page(client, year=FUTURE).content.decode()
    assert "元旦" in body and "Calendar table" in body and BANNER in body
    login("office").post(reverse("workdays:year_set", args=[FUTURE]),
                         {"complete": "on", "source": "国务院办公厅通知"})
    body = page(client, year=FUTURE).content.decode()
    assert BANNER not in body and "国务院办公厅通知" in body


def test_package_days_and_table_days_are_told_apart(login, world):
    calendar_day_set(actor=world.users["office"], day=date(2024, 10, 8), is_workday=False,
                     note="暴雨停工")
    response = page(login("leader"), year=2024)
    rows = {row.day.date: row for row in response.context["rows"]}
    assert rows[date(2024, 10, 8)].entry is not None
    assert rows[date(2024, 10, 1)].entry is None
    # The labels are lazy: read them in one language, whatever the request left active.
    with translation.override("en"):
        assert str(rows[date(2024, 10, 8)].source) == "Calendar table"
        assert str(rows[date(2024, 10, 1)].source) == "Built-in holiday data"
        assert str(rows[date(2024, 10, 12)].kind) == "Working weekend day (调休上班)"


def test_a_bad_year_falls_back_to_this_year_with_a_message(login):
    response = login("section").get(CALENDAR, {"year": "abc"})
    assert response.status_code == 200 and response.context["year"] >= 2024
    assert list(response.context["messages"])


@pytest.mark.parametrize("role", ["inspector", "partner", "section", "leader", "expert"])
def test_others_cannot_edit_403(login, world, role):
    calendar_day_set(actor=world.users["office"], day=date(2024, 10, 8), is_workday=False)
    client = login(role)
    assert client.post(reverse("workdays:day_set"), {
        "date": "2024-10-09", "is_workday": "0", "note": "x"}).status_code == 403
    assert client.post(reverse("workdays:day_delete", args=["2024-10-08"])).status_code == 403
    assert client.post(reverse("workdays:year_set", args=[FUTURE]), {
        "complete": "on", "source": "x"}).status_code == 403
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [date(2024, 10, 8)]
    assert not CalendarYear.objects.exists()


@pytest.mark.parametrize("role", ["admin", "office"])
def test_the_administrator_and_the_office_edit(login, role):
    client = login(role)
    response = client.post(reverse("workdays:day_set"), {
        "date": f"{FUTURE}-01-01", "is_workday": "0", "note": "元旦"})
    assert response.status_code == 302 and response["Location"].endswith(f"?year={FUTURE}")
    row = CalendarDay.objects.get()
    assert (row.date, row.is_workday, row.note) == (date(FUTURE, 1, 1), False, "元旦")
    assert AuditEvent.objects.filter(action="calendar.day_set").count() == 1

    response = client.post(reverse("workdays:year_set", args=[FUTURE]), {
        "complete": "on", "source": "国务院办公厅通知", "notes": "全年安排"})
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=FUTURE).complete

    response = client.post(reverse("workdays:day_delete", args=[f"{FUTURE}-01-01"]))
    assert response.status_code == 302 and not CalendarDay.objects.exists()
    assert AuditEvent.objects.filter(action__startswith="calendar.").count() == 3


def test_a_refused_form_is_shown_again_with_its_errors(login):
    client = login("office")
    response = client.post(reverse("workdays:day_set"), {"date": "1990-01-01",
                                                         "is_workday": "0"})
    assert response.status_code == 200 and response.context["day_form"].errors
    response = client.post(reverse("workdays:year_set", args=[FUTURE]), {"complete": "on"})
    assert response.status_code == 200 and "source" in response.context["declare_form"].errors
    assert client.post(reverse("workdays:year_set", args=[1800]), {}).status_code == 404
    assert client.post(reverse("workdays:day_delete", args=["2024-02-30"])).status_code == 404
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()


def test_counting_working_days(login):
    client = login("inspector")
    with translation.override("en"):
        response = client.get(reverse("workdays:count"), {"start": "2024-09-30", "n": "5"})
    assert response.status_code == 200
    assert response.context["result"].date == date(2024, 10, 12)
    assert BANNER not in response.content.decode()
    with translation.override("en"):
        response = client.get(reverse("workdays:count"),
                              {"start": f"{FUTURE - 1}-12-20", "n": "20"})
    body = response.content.decode()
    assert response.context["result"].provisional and BANNER in body and str(FUTURE) in body
    response = client.get(reverse("workdays:count"), {"start": "2024-09-30", "n": "-1"})
    assert response.status_code == 200 and "result" not in response.context
