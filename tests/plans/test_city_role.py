"""The city's leading group office (联席会议办公室, Role.CITY) reads every organisation's plans,
tasks, draws and figures, and nothing else: it changes nothing, and never sees credit-risk
classes, the directories or full draw records."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from rest_framework.test import APIClient

from shuangsuiji.accounts.choices import DepartmentKind, Role
from shuangsuiji.accounts.models import Department
from shuangsuiji.core.models import AuditEvent
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


def test_an_approved_plan_is_filed_with_the_city_which_signs_for_it(p, city, login):
    user, _task = city
    office = login("office")
    assert "File with the city" in office.get(f"/plans/{p.plan.pk}/").content.decode()
    assert office.post(f"/plans/{p.plan.pk}/filing/", {"step": "receive"}).status_code == 403
    assert office.post(f"/plans/{p.plan.pk}/filing/").status_code == 302
    p.plan.refresh_from_db()
    assert p.plan.city_filed_at and not p.plan.city_received_at
    city_client = _client(user)
    assert city_client.post(f"/plans/{p.plan.pk}/filing/").status_code == 403  # not its plan
    page = city_client.get(f"/plans/{p.plan.pk}/").content.decode()
    assert "Sign for the filing" in page
    assert city_client.post(f"/plans/{p.plan.pk}/filing/", {"step": "receive"}).status_code == 302
    p.plan.refresh_from_db()
    assert p.plan.city_received_by == user
    assert AuditEvent.objects.filter(action="plan.filing_received",
                                     object_id=str(p.plan.pk)).exists()


def test_a_draft_plan_is_not_filed_and_a_filing_is_signed_for_once(p, city):
    user, _task = city
    draft = plans.plan_create(actor=p.world.users["office"], organisation_id=p.world.office.pk,
                              year=2027, title="2027年度随机抽查计划")
    with pytest.raises(ValidationError):
        plans.plan_file_with_city(actor=p.world.users["office"], plan=draft)
    with pytest.raises(ValidationError):
        plans.plan_receive_filing(actor=user, plan=draft)
    filed = plans.plan_file_with_city(actor=p.world.users["office"], plan=p.plan)
    with pytest.raises(PermissionDenied):
        plans.plan_receive_filing(actor=p.world.users["leader"], plan=filed)
    plans.plan_receive_filing(actor=user, plan=filed)
    with pytest.raises(ValidationError):
        plans.plan_receive_filing(actor=user, plan=filed)
