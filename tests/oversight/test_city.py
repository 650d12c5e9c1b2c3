"""The city's view on the known world (conftest), each figure computed by hand; its scoping.

On top of the known world: R2 is entered by the 工程科 (a section), the 法宣科 initiates a task
of its own (random, not joint), and the entities filed an integrity rating of 1 about R2, an
objection the office upheld about R1, a rating of 4 (not a complaint) and an objection not
upheld (not one either), and a rating of 1 about the fire rescue's result (its own).
"""

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shuangsuiji.accounts.choices import Role
from shuangsuiji.core.models import AuditEvent
from shuangsuiji.entityportal.choices import RequestKind, RequestState
from shuangsuiji.entityportal.models import EntityRequest
from shuangsuiji.inspections.models import Inspection
from shuangsuiji.oversight import city, city_views, views
from shuangsuiji.oversight.models import EvaluationCriteria
from shuangsuiji.plans.models import CityPolicy, InspectionTask
from shuangsuiji.rules.oversight import Share
from tests.conftest import make_user
from tests.oversight.conftest import TODAY

pytestmark = pytest.mark.django_db
CITY, RECORDS, CITY_RECORDS = (reverse("oversight:city"), reverse("oversight:records"),
                               reverse("oversight:city_records"))


@pytest.fixture(autouse=True)
def as_of(monkeypatch):
    monkeypatch.setattr(views, "today", lambda: TODAY)
    monkeypatch.setattr(city_views, "today", lambda: TODAY)


def _request(organisation, result, kind, *, rating=None, state=RequestState.SUBMITTED):
    request = EntityRequest.objects.create(
        organisation=organisation, kind=kind, state=state, uscc=result.visit.drawn_target
        .target.uscc or "", target=result.visit.drawn_target.target, visit=result.visit,
        inspection=result, filed_by="企业联系人", text="", rating=rating, due_on=TODAY)
    EntityRequest.objects.filter(pk=request.pk).update(
        created_at=datetime(2026, 11, 2, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
    return request


@pytest.fixture
def more(world, known):
    Inspection.objects.filter(pk=known.r2.pk).update(department=world.engineering)
    section_task = InspectionTask.objects.create(
        code="RFB-FXK-2026-01", name="法宣科任务", initiating=world.legal, state="frozen",
        period_start=date(2026, 3, 1), period_end=date(2026, 4, 30))
    complaints = [_request(world.office, known.r2, RequestKind.INTEGRITY, rating=1),
                  _request(world.office, known.r1, RequestKind.OBJECTION,
                           state=RequestState.ACCEPTED)]
    _request(world.office, known.r1, RequestKind.INTEGRITY, rating=4)
    _request(world.office, known.r3, RequestKind.OBJECTION, state=RequestState.REJECTED)
    _request(world.fire, known.fire, RequestKind.INTEGRITY, rating=1)
    return section_task, complaints


def units(c):
    return {u.department.code: u for u in c.units}


def test_it_sums_every_organisation_and_breaks_down_by_region_and_industry(world, known):
    c = city.compute(2026, TODAY)
    # The office 3/13, the fire rescue 0/2; results R1–R3 and the fire's one.
    assert c.totals["coverage"] == Share(3, 15)
    assert c.totals["findings"] == Share(2, 4)  # R1 corrected, the fire's pending
    assert c.totals["entry"] == Share(1, 6)  # R1; the fire's three are late
    assert c.totals["publication"] == Share(1, 3)  # R1 on time; R2 and the fire's late
    assert c.totals["joint"] == Share(2, 4)  # the joint task counts for each of the two
    assert {g.key: (g.share.part, g.share.whole) for g in c.by_region} == {
        "region:140502": (2, 13), "region:140521": (1, 1), "region:": (0, 1)}
    region = next(g for g in c.by_region if g.key == "region:140502")
    assert [(o.code, s) for o, s in region.parts] == [("RFB", Share(2, 11)),
                                                     ("XFZD", Share(0, 2))]
    assert {g.key: (g.share.part, g.share.whole) for g in c.by_industry} == {
        "industry:E": (2, 11), "industry:F": (1, 1), "industry:H": (0, 2), "industry:?": (0, 1)}


def test_it_counts_entities_by_inspections_in_the_year_against_the_cap(world, known):
    c = city.compute(2026, TODAY)
    # The joint task's 3 drawn targets, once each (the fire's and the office's groups are one
    # inspection); the other tasks draw nothing.
    assert [(b.times, b.entities, b.over_cap) for b in c.burden] == [(1, 3, False)]
    assert c.cap == 2
    # A second task drawing the same entity (same 统一社会信用代码, another directory) makes it 2.
    entity = known.r1.visit.drawn_target
    entity.pk = None
    entity.task, entity.draw, entity.ident = known.fire_task, None, "X-1"
    entity.save()
    c = city.compute(2026, TODAY)
    assert [(b.times, b.entities) for b in c.burden] == [(1, 2), (2, 1)]
    rows = city.inspections_of(2026, 2)
    assert {d.task.code for d in rows} == {known.task.code, known.fire_task.code}


def test_the_burden_by_organisation_region_and_industry(world, known, client):
    entity = known.r1.visit.drawn_target
    entity.pk = None
    entity.task, entity.draw, entity.ident = known.fire_task, None, "X-1"
    entity.save()
    CityPolicy.objects.update_or_create(pk=1, defaults={"yearly_cap": 1})
    c = city.compute(2026, TODAY)
    by_org = {g.key: (g.entities, g.inspections, g.over_cap) for g in c.burden_by["org"]}
    # The office's joint task inspected 3 entities; the fire rescue's task one of them again,
    # which is then over a cap of 1 in both rows.
    assert by_org == {f"org:{world.office.pk}": (3, 3, 1), f"org:{world.fire.pk}": (1, 1, 1)}
    for dim in ("region", "industry"):
        rows = c.burden_by[dim]
        assert sum(g.inspections for g in rows) == 4 and sum(g.entities for g in rows) == 3
        assert sum(g.over_cap for g in rows) == 1
    office_row = next(g for g in c.burden_by["org"] if g.entities == 3)
    assert office_row.per_entity == "1.00" and office_row.label == world.office.name
    # Each figure opens its inspections.
    kind, rows, _label = city.records(c, "inspections", f"org:{world.fire.pk}")
    assert kind == "inspection" and [d.task.code for d in rows] == [known.fire_task.code]
    for g in c.burden_by["industry"]:
        assert city.records(c, "inspections", g.key)[1].count() == g.inspections
    user = make_user("city2", Role.CITY, None)
    client.force_login(user)
    page = client.get(CITY_RECORDS, {"year": 2026, "metric": "inspections",
                                      "key": f"org:{world.fire.pk}"})
    assert page.status_code == 200 and known.fire_task.code in page.content.decode()
    assert client.get(CITY_RECORDS, {"year": 2026, "metric": "inspections",
                                      "key": "org:999999"}).status_code == 404
    assert "Inspections per entity by region" in client.get(
        CITY, {"year": 2026}, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_each_department_and_section_is_scored_against_the_years_criteria(world, more):
    c = city.compute(2026, TODAY)
    rows = units(c)
    assert list(rows) == ["RFB", "RFB-FXK", "RFB-GCK", "XFZD", "XFZD-CQ"]
    office, legal, engineering = rows["RFB"], rows["RFB-FXK"], rows["RFB-GCK"]
    assert office.figures["plan"] == Share(3, 3)
    assert office.figures["joint"] == Share(1, 3)  # joint task, own task, the section's
    assert engineering.figures == {"plan": Share(1, 1), "findings": Share(0, 1),
                                   "entry": Share(0, 1), "publication": Share(0, 1),
                                   "joint": Share(0, 0)}
    assert legal.figures["joint"] == Share(0, 1) and legal.figures["plan"] == Share(0, 0)
    # Defaults: plan 40 (100 %), publication 30 (100 %), joint 20 (30 %), complaints 10 (2).
    points = {code: [s.points for s in u.card.scores] for code, u in rows.items()}
    # 2 complaints of 3 results: 66.7 per 100, 10 × 2 / 66.7 = 0.3.
    assert points["RFB"] == [Decimal("40.0"), Decimal("15.0"), Decimal("20.0"), Decimal("0.3")]
    assert office.card.total == Decimal("75.3")
    # 1 complaint of 1 result: 100 per 100, 0.2; joint not scored: 40.2 of 80 → 50.25 → 50.3.
    assert points["RFB-GCK"] == [Decimal("40.0"), Decimal("0.0"), None, Decimal("0.2")]
    assert engineering.card.total == Decimal("50.3")
    assert points["RFB-FXK"] == [None, None, Decimal("0.0"), None]
    assert rows["XFZD-CQ"].card.total is None
    # The fire's complaint is its own: 1 of its 1 entered result.
    assert rows["XFZD"].card.scores[3].measure.part == 1


def test_criteria_the_city_sets_change_the_scores(world, more):
    EvaluationCriteria.objects.create(year=2026, plan_weight=25, publication_weight=25,
                                      joint_weight=25, joint_target=Decimal(50),
                                      complaints_weight=25, complaints_target=Decimal(100))
    office = units(city.compute(2026, TODAY))["RFB"]
    # 25 + 12.5 + 25 × 33.3/50 = 16.7 + 25 (66.7 ≤ 100)
    assert [s.points for s in office.card.scores] == [Decimal("25.0"), Decimal("12.5"),
                                                      Decimal("16.7"), Decimal("25.0")]


def test_every_figure_links_to_its_records_and_they_are_the_ones_counted(client, world, more):
    user = make_user("city", Role.CITY, None)
    client.force_login(user)
    body = client.get(CITY + "?year=2026").content.decode()
    engineering = f"department:{world.engineering.pk}"
    link = f"{RECORDS}?org={world.office.pk}&amp;year=2026&amp;metric=complaints&amp;key="
    assert link + "all" in body and link + engineering in body
    assert f"{CITY_RECORDS}?year=2026&amp;metric=inspections&amp;key=times:1" in body
    # The section's complaint: the rating of 1 about R2, and nothing else.
    page = client.get(f"{RECORDS}?org={world.office.pk}&year=2026&metric=complaints"
                      f"&key={engineering}")
    assert page.status_code == 200
    assert [r.pk for r in page.context["items"]] == [more[1][0].pk]
    page = client.get(f"{RECORDS}?org={world.office.pk}&year=2026&metric=complaints&key=all")
    assert [r.pk for r in page.context["items"]] == [c.pk for c in more[1]]
    page = client.get(f"{CITY_RECORDS}?year=2026&metric=targets&key=region:140502")
    assert page.context["page"].paginator.count == 13
    assert "消防重点单位0" in page.content.decode()
    page = client.get(f"{CITY_RECORDS}?year=2026&metric=inspected&key=region:140502")
    assert page.context["page"].paginator.count == 2
    page = client.get(f"{CITY_RECORDS}?year=2026&metric=results&key=all")
    assert page.context["page"].paginator.count == 4
    page = client.get(f"{CITY_RECORDS}?year=2026&metric=inspections&key=times:1")
    assert page.context["page"].paginator.count == 3
    for bad in ("metric=inspections&key=times:7", "metric=nothing&key=all",
                "metric=targets&key=region:999999", "metric=results&key=region:140502"):
        assert client.get(f"{CITY_RECORDS}?year=2026&{bad}").status_code == 404


def test_the_city_never_sees_credit_risk_classes(client, world, known):
    client.force_login(make_user("city", Role.CITY, None))
    for url in (f"{RECORDS}?org={world.office.pk}&year=2026&metric=targets&key=all",
                f"{CITY_RECORDS}?year=2026&metric=targets&key=all", CITY + "?year=2026"):
        body = client.get(url).content.decode()
        assert "Credit risk class" not in body and "risk:" not in body, url


@pytest.mark.parametrize("role", ["office", "leader", "partner", "section", "inspector",
                                  "other_office"])
def test_no_organisation_sees_the_city_pages(client, world, known, role):
    client.force_login(world.users[role])
    for url in (CITY, f"{CITY_RECORDS}?metric=results&key=all", reverse("oversight:criteria"),
                reverse("oversight:city_report_xlsx"), reverse("oversight:city_report_pdf")):
        assert client.get(url + ("&" if "?" in url else "?") + "year=2026").status_code == 403
    menu = client.get(reverse("accounts:password_change")).content.decode()
    assert "/oversight/city/" not in menu


def test_an_office_never_reads_another_organisations_records(client, world, known):
    client.force_login(world.users["leader"])
    url = f"{RECORDS}?org={world.fire.pk}&year=2026&metric=complaints&key=all"
    assert client.get(url).status_code == 404
    url = f"{RECORDS}?year=2026&metric=results&key=department:{world.brigade.pk}"
    assert client.get(url).status_code == 404  # not a department of its own organisation


def test_the_city_sets_the_criteria_audited_and_checked(client, world, known):
    url = reverse("oversight:criteria") + "?year=2026"
    data = {"plan_weight": 30, "plan_target": "95", "publication_weight": 30,
            "publication_target": "90", "joint_weight": 20, "joint_target": "25",
            "complaints_weight": 20, "complaints_target": "1.5"}
    client.force_login(world.users["office"])
    assert client.post(url, data).status_code == 403
    client.force_login(make_user("city", Role.CITY, None))
    response = client.post(url, data | {"complaints_weight": 25})  # 105 points
    assert response.status_code == 200 and not EvaluationCriteria.objects.exists()
    assert client.post(url, data).status_code == 302
    stored = EvaluationCriteria.objects.get(year=2026)
    assert (stored.plan_target, stored.complaints_weight) == (Decimal("95.0"), 20)
    event = AuditEvent.objects.get(action="evaluation_criteria.set")
    assert event.data["after"]["plan_target"] == "95"
    assert event.data["before"]["plan_target"] == "100"


def test_the_citys_annual_report_downloads(client, world, more):
    client.force_login(world.users["admin"])
    response = client.get(reverse("oversight:city_report_xlsx") + "?year=2026")
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 6
    rows = list(book.worksheets[2].values)  # the evaluation
    assert ("晋城市人民防空办公室", "100.0", "40.0", "50.0", "15.0", "33.3", "20.0", "66.7",
            "0.3", "75.3") in rows
    response = client.get(reverse("oversight:city_report_pdf") + "?year=2026")
    assert response.content.startswith(b"%PDF")
