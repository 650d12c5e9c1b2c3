"""The city's leading group office (联席会议办公室, Role.CITY) reads every organisation's plans,
tasks, draws and figures, and nothing else: it changes nothing, and never sees credit-risk
classes, the directories or full draw records."""

from datetime import date

import pytest
from django.test import Client
from rest_framework.test import APIClient

from shuangsuiji.accounts.choices import DepartmentKind, Role
from shuangsuiji.accounts.models import Department
from shuangsuiji.plans import services as plans
from shuangsuiji.plans.selectors import sees_internal
from tests.conftest import make_user
from tests.draws.conftest import make_item


@pytest.fixture
def city(p):
    """A city user, and a second organisation with a task of its own."""
    market = Department.objects.create(code="SJJ", name="晋城市市场监督管理局",
                                       kind=DepartmentKind.EXTERNAL, region_code="140500")
    officer = make_user("sjj.office", Role.OFFICE, market)
    task = plans.task_create(actor=officer, data={
        "code": "SJJ-2026-01", "name": "食品经营者双随机抽查", "initiating": market,
        "period_start": date(2026, 12, 1), "period_end": date(2027, 3, 31), "ratio": "5"})
    plans.task_set_department(actor=officer, task=task, department_id=market.pk,
                              item_ids=[make_item(market, "SC-01").pk])
    return make_user("city", Role.CITY, None), task


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_it_reads_every_organisations_tasks_and_plans(p, city):
    user, market_task = city
    client = _client(user)
    tasks = client.get("/plans/tasks/").content.decode()
    assert p.task.code in tasks and market_task.code in tasks
    assert client.get(f"/plans/tasks/{market_task.pk}/").status_code == 200
    assert client.get(f"/plans/tasks/{p.task.pk}/").status_code == 200
    assert client.get(f"/plans/{p.plan.pk}/").status_code == 200
    listed = APIClient()
    listed.force_authenticate(user)
    codes = {t["code"] for t in listed.get("/api/v1/tasks/").json()["results"]}
    assert {p.task.code, market_task.code} <= codes


def test_it_changes_nothing(p, city):
    user, market_task = city
    client = _client(user)
    assert client.get("/plans/tasks/new/").status_code == 403
    assert client.post(f"/plans/tasks/{p.task.pk}/edit/", {"name": "x"}).status_code == 403
    answer = f"/plans/tasks/{p.task.pk}/departments/{p.world.fire.pk}/invitation/"
    assert client.post(answer, {"accept": "no", "answer_note": "x"}).status_code == 403
    api = APIClient()
    api.force_authenticate(user)
    assert api.post("/api/v1/tasks/", {}, format="json").status_code == 403
    assert api.patch(f"/api/v1/tasks/{market_task.pk}/", {"name": "x"},
                     format="json").status_code == 403


def test_it_never_sees_the_organisations_internal_data(p, city):
    user, market_task = city
    assert not sees_internal(user=user, task=p.task)
    assert not sees_internal(user=user, task=market_task)
    client = _client(user)
    for path in ("/targets/", "/inspectors/", "/credit/", "/audit/"):
        assert client.get(path).status_code in {403, 404}, path


def test_it_compares_the_organisations_figures_without_risk_classes(p, city):
    user, market_task = city
    client = _client(user)
    table = client.get("/oversight/?year=2026").content.decode()
    assert "晋城市人民防空办公室" in table and "晋城市市场监督管理局" in table
    dashboard = client.get(f"/oversight/?org={market_task.initiating_id}&year=2026")
    assert dashboard.status_code == 200
    assert "By credit risk class" not in dashboard.content.decode()
    office = client.get(f"/oversight/?org={p.world.office.pk}&year=2026")
    assert office.status_code == 200
    risk = f"/oversight/records/?org={p.world.office.pk}&year=2026&metric=risk:A&key=all"
    assert client.get(risk).status_code == 404
