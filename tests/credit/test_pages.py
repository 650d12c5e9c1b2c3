"""The credit-file pages: who sees which file, the office's tools, the import report."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shuangsuiji.credit.models import BlacklistEntry, Complaint, PartnerToken
from tests.draws.conftest import make_targets


@pytest.fixture
def target(world):
    return make_targets(world, n=1)[0]


def _client(world, role):
    client = Client()
    client.force_login(world.users[role])
    return client


@pytest.mark.parametrize(("role", "status"), [
    ("admin", 200), ("office", 200), ("section", 200), ("leader", 200), ("partner", 404),
    ("other_office", 404), ("inspector", 403), ("expert", 403)])
def test_it_shows_the_file_to_the_organisations_staff(world, target, role, status):
    response = _client(world, role).get(f"/credit/{target.pk}/")
    assert response.status_code == status
    if status == 200:
        assert target.uscc in response.content.decode()


def test_search_finds_by_name_and_code_within_the_organisation(world, target):
    office = _client(world, "office")
    assert f"/credit/{target.pk}/" in office.get("/credit/", {"q": "测试企业"}).content.decode()
    assert f"/credit/{target.pk}/" in office.get("/credit/",
                                                 {"q": target.uscc[:10]}).content.decode()
    assert f"/credit/{target.pk}/" not in _client(world, "partner").get(
        "/credit/", {"q": "测试企业"}).content.decode()


def test_the_directory_links_to_the_file(world, target):
    page = _client(world, "office").get(f"/targets/{target.pk}/").content.decode()
    assert f'href="/credit/{target.pk}/"' in page


def test_the_office_records_a_complaint_and_a_section_may_not(world, target):
    day = timezone.localdate().isoformat()
    data = {"received_on": day, "summary": "群众举报占用人防工程", "substantiated": "unknown"}
    assert _client(world, "section").post(f"/credit/{target.pk}/complaints/add/",
                                          data).status_code == 403
    response = _client(world, "office").post(f"/credit/{target.pk}/complaints/add/", data)
    assert response.status_code == 302
    assert Complaint.objects.get(target=target).substantiated is None


def test_blacklist_and_credit_repair_pages(world, target):
    office = _client(world, "office")
    day = timezone.localdate()
    listed = (day - timedelta(days=3)).isoformat()
    response = office.post(f"/credit/{target.pk}/blacklist/add/",
                           {"basis": "拒不整改", "listed_on": listed})
    assert response.status_code == 302
    entry = BlacklistEntry.objects.get(target=target)
    page = office.get(f"/credit/{target.pk}/").content.decode()
    assert f"/credit/blacklist/{entry.pk}/remove/" in page
    response = office.post(f"/credit/blacklist/{entry.pk}/remove/",
                           {"removed_on": day.isoformat(), "removal_reason": ""})
    assert response.status_code == 200  # the reason is required
    office.post(f"/credit/blacklist/{entry.pk}/remove/",
                {"removed_on": day.isoformat(), "removal_reason": "完成信用修复"})
    entry.refresh_from_db()
    assert entry.removed_on == day


def test_the_import_page_names_each_rejected_row(world, target):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = f"统一社会信用代码,风险等级,分类日期\n{target.uscc},X,2026-10-31\n".encode()
    response = _client(world, "office").post(
        "/credit/import/", {"file": SimpleUploadedFile("m.csv", data, "text/csv")})
    page = response.content.decode()
    assert response.status_code == 200 and "<td>2</td>" in page and "风险等级" in page
    target.refresh_from_db()
    assert target.risk_class == "A"


def test_partner_keys_page_shows_the_key_once(world):
    office = _client(world, "office")
    assert _client(world, "section").get("/credit/partners/").status_code == 403
    response = office.post("/credit/partners/", {"name": "市信用平台", "rate_per_minute": 30})
    token = PartnerToken.objects.get()
    page = response.content.decode()
    assert 'id="partner-key"' in page and response["Cache-Control"] == "no-store"
    assert 'id="partner-key"' not in office.get("/credit/partners/").content.decode()
    office.post(f"/credit/partners/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    # Another organisation's office cannot revoke it.
    assert _client(world, "other_office").post(
        f"/credit/partners/{token.pk}/revoke/").status_code == 403


def test_the_office_manages_risk_rules(world):
    office = _client(world, "office")
    response = office.post("/credit/rules/", {"trigger": "complaints", "raise_to": "C",
                                              "threshold": 3, "period_days": 90,
                                              "is_active": "on"})
    assert response.status_code == 302
    rule = world.office.risk_rules.get()
    assert (rule.trigger, rule.threshold) == ("complaints", 3)
    assert _client(world, "section").get("/credit/rules/").status_code == 403
    office.post(f"/credit/rules/{rule.pk}/", {"delete": "1"})
    assert not world.office.risk_rules.exists()
