"""Who sees the dashboard, the drill-downs and the report, and what they see."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shuangsuiji.oversight import selectors, views
from tests.oversight.conftest import TODAY
from tests.web_draws.test_draw_pages import poppler

pytestmark = pytest.mark.django_db

URL = reverse("oversight:dashboard")
RECORDS = reverse("oversight:records")


@pytest.fixture(autouse=True)
def as_of(monkeypatch):
    """The pages count as of the known world's day."""
    monkeypatch.setattr(views, "today", lambda: TODAY)


def login(client, world, role):
    client.force_login(world.users[role])
    return client


@pytest.mark.parametrize("role,status", [("leader", 200), ("office", 200), ("partner", 200),
                                         ("other_office", 200), ("section", 403),
                                         ("inspector", 403), ("expert", 403),
                                         ("other_inspector", 403), ("admin", 200)])
def test_it_opens_to_leadership_office_and_partner_staff_only(client, world, known, role,
                                                              status):
    login(client, world, role)
    for url in (URL, f"{RECORDS}?metric=results&key=all", reverse("oversight:report_xlsx")):
        assert client.get(url + ("&" if "?" in url else "?") + "year=2026").status_code in (
            {status} if status != 200 or role != "admin" else {200, 404})


def test_anonymous_users_are_sent_to_sign_in(client, world):
    assert client.get(URL).status_code == 302


def test_the_offices_dashboard_shows_its_figures_and_links_to_them(client, world, known):
    response = login(client, world, "leader").get(URL + "?year=2026")
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures.organisation == world.office
    body = response.content.decode()
    assert "23.1%" in body and "33.3%" in body and "50.0%" in body
    assert f"{RECORDS}?year=2026&amp;metric=findings&amp;key=all" in body
    assert 'href="/inspections/overdue/"' in body
    assert "<svg" in body and 'role="img"' in body
    # Nothing of the fire rescue: its targets, results and inspectors are absent.
    assert "消防重点单位" not in body and "XFZD-E1" not in body


def test_another_organisation_cannot_be_asked_for(client, world, known):
    login(client, world, "partner")
    assert client.get(f"{URL}?org={world.office.pk}").status_code == 404
    response = client.get(f"{URL}?org={world.fire.pk}&year=2026")
    assert response.context["figures"].organisation == world.fire
    assert client.get(f"{RECORDS}?org={world.office.pk}&metric=results&key=all"
                      ).status_code == 404
    login(client, world, "office")
    assert client.get(f"{URL}?org={world.fire.pk}").status_code == 404


def test_the_brigades_partner_sees_the_fire_rescues_figures(client, world, known):
    response = login(client, world, "other_office").get(URL + "?year=2026")
    assert response.context["figures"].organisation == world.fire


def test_an_administrator_chooses_an_organisation(client, world, known):
    login(client, world, "admin")
    response = client.get(URL)
    assert response.templates[0].name == "oversight/choose.html"
    assert f"?org={world.fire.pk}" in response.content.decode()
    response = client.get(f"{URL}?org={world.fire.pk}&year=2026")
    assert response.context["figures"].organisation == world.fire
    assert f"org={world.fire.pk}" in response.context["links"].records("results")
    assert client.get(f"{URL}?org={world.legal.pk}").status_code == 404  # a section
    assert client.get(f"{URL}?year=abc").status_code == 404


def test_the_drill_down_lists_exactly_the_counted_records(client, world, known):
    login(client, world, "office")
    response = client.get(f"{RECORDS}?year=2026&metric=findings&key=all")
    assert [r.pk for r in response.context["items"]] == [known.r1.pk]
    body = response.content.decode()
    assert reverse("inspections:result", args=[known.r1.pk]) in body
    assert reverse("inspections:result", args=[known.fire.pk]) not in body
    response = client.get(f"{RECORDS}?year=2026&metric=inspected&key=risk:A")
    assert response.context["page"].paginator.count == 2
    response = client.get(f"{RECORDS}?year=2026&metric=targets&key=all&page=1")
    assert response.context["page"].paginator.count == 13
    assert client.get(f"{RECORDS}?year=2026&metric=bogus&key=all").status_code == 404
    assert client.get(f"{RECORDS}?year=2026&metric=targets&key=risk:Z").status_code == 404


def test_the_drill_down_pages(client, world, known, settings):
    login(client, world, "office")
    settings.SHUANGSUIJI_PAGE_SIZE = 50
    for metric in selectors.METRICS:
        response = client.get(f"{RECORDS}?year=2026&metric={metric}&key=all")
        assert response.status_code == 200, metric
    f = selectors.compute(world.office, 2026, known.r1.inspected_on.replace(month=12, day=15))
    response = client.get(f"{RECORDS}?year=2026&metric=assignments&key={f.inspectors[0].key}")
    assert len(response.context["items"]) == 3


def test_the_excel_report_holds_the_figures_and_the_records(client, world, known):
    response = login(client, world, "leader").get(reverse("oversight:report_xlsx") + "?year=2026")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 7
    summary = [row for row in book.worksheets[0].iter_rows(values_only=True)]
    counts = {row[0]: row[1:4] for row in summary if row and row[0]}
    coverage = [v for k, v in counts.items() if v[0] == 3 and v[1] == 13]
    assert coverage and coverage[0][2] == "23.1%"
    results = [row for row in book.worksheets[2].iter_rows(values_only=True)]
    names = {row[0] for row in results}
    for r in (known.r1, known.r2, known.r3):
        assert r.visit.drawn_target.target.name in names
    assert all("消防" not in str(cell) for row in results for cell in row if cell)
    tasks = {row[0] for row in book.worksheets[5].iter_rows(values_only=True)}
    assert {"RFB-2026-LH01", "RFB-2026-01"} <= tasks and "XFZD-2026-01" not in tasks


def test_the_pdf_report_is_a_pdf_with_a_chinese_heading(client, world, known):
    response = login(client, world, "office").get(reverse("oversight:report_pdf") + "?year=2026")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    text = poppler("pdftotext", response.content)
    assert "晋城市人民防空办公室" in text
    assert "覆盖" in text or "2026" in text
    assert "23.1%" in text


def test_regions_and_industries_are_named_beside_their_codes(client, world, known):
    client = login(client, world, "leader")
    body = client.get(URL + "?year=2026").content.decode()
    assert "晋城市 城区 140502" in body and "晋城市 沁水县 140521" in body
    records = client.get(f"{RECORDS}?year=2026&metric=inspected&key=region:140502")
    listed = records.content.decode()
    assert 'title="山西省 晋城市 城区"' in listed and "铁路工程建筑" in listed
    book = load_workbook(io.BytesIO(client.get(reverse("oversight:report_xlsx") + "?year=2026")
                                    .content))
    text = " ".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row
                    if c.value)
    assert "山西省 晋城市 城区" in text and "铁路工程建筑" in text


def test_it_opens_on_the_latest_year_with_tasks_and_says_when_a_year_has_none(
        client, world, known, monkeypatch):
    login(client, world, "office")
    assert client.get(URL).context["year"] == 2026  # the known world's tasks begin in 2026
    monkeypatch.setattr(views, "today", lambda: TODAY.replace(year=2028))
    response = client.get(URL)
    assert response.context["year"] == 2026  # not 2028, whose figures are all 0
    empty = client.get(URL + "?year=2027").content.decode()
    assert "本单位没有检查期间始于 2027 年的抽查任务" in empty
    assert "本单位没有检查期间" not in response.content.decode()
