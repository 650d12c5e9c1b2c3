"""The complainant's name and phone (投诉举报人) never leave the complaint: the attacker is the
reported entity or anyone curious, reading the public site, the entity's public credit file,
the partner credit-file API, the audit log, or the server's logs; or another organisation's
staff trying complaint URLs and API ids. Each place is read after a public and a hotline
complaint went through every state."""

import logging

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from shuangsuiji.credit import complaints as C
from shuangsuiji.credit import services as credit
from shuangsuiji.credit.models import Complaint
from shuangsuiji.entities.models import Target
from shuangsuiji.rules.uscc import make_valid

pytestmark = pytest.mark.django_db

NAME, PHONE = "举报人周七", "13766665555"
HOTLINE_NAME, HOTLINE_PHONE = "热线来电王八", "0356-2251169"


@pytest.fixture
def handled(world, caplog):
    """A public complaint (through the page) and a hotline push, replied and closed as
    substantiated; the logs of it all are kept in caplog."""
    cache.clear()
    caplog.set_level(logging.DEBUG)
    target = Target.objects.create(department=world.office,
                                   uscc=make_valid("91140500MA0K77777"), name="晋城市某商场")
    response = Client().post("/public/complaints/new/", {
        "target": target.pk, "summary": "人防工程被占用", "complainant_name": NAME,
        "complainant_phone": PHONE})
    assert response.status_code == 200
    _token, key = credit.partner_token_create(actor=world.users["office"], name="12345热线",
                                              organisation_id=world.office.pk)
    hotline = APIClient()
    hotline.credentials(HTTP_AUTHORIZATION=f"Partner {key}")
    assert hotline.post("/api/v1/complaints/hotline/", {
        "external_id": "GD-9", "uscc": target.uscc, "summary": "占用",
        "complainant_name": HOTLINE_NAME, "complainant_phone": HOTLINE_PHONE},
        format="json").status_code == 201
    office = world.users["office"]
    for complaint in Complaint.objects.all():
        C.complaint_assign(actor=office, complaint=complaint, section=world.engineering)
        C.complaint_reply(actor=office, complaint=complaint, reply="已责令清理")
        C.complaint_close(actor=office, complaint=complaint, substantiated=True)
    return target, key


def _clean(text: str, where: str) -> None:
    for secret in (NAME, PHONE, HOTLINE_NAME, HOTLINE_PHONE):
        assert secret not in text, f"{secret} in {where}"


def test_no_public_page_shows_the_complainant(world, handled):
    target, _key = handled
    public = Client()
    for url in ("/public/", f"/public/entities/{target.uscc}/", "/public/results/",
                f"/public/complaints/new/?q={target.uscc}",
                f"/public/complaints/new/?target={target.pk}"):
        _clean(public.get(url).content.decode(), url)
    for complaint in Complaint.objects.all():
        page = public.post("/public/complaints/status/", {"code": complaint.tracking_code})
        assert "已责令清理" in page.content.decode()
        _clean(page.content.decode(), "status page")


def test_the_partner_credit_file_api_carries_no_complaint(world, handled):
    target, key = handled
    partner = APIClient()
    partner.credentials(HTTP_AUTHORIZATION=f"Partner {key}")
    response = partner.get(f"/api/v1/credit-files/{target.uscc}/")
    assert response.status_code == 200
    assert "complaints" not in response.json()
    _clean(response.content.decode(), "partner credit file")
    staff = APIClient()
    staff.force_authenticate(world.users["office"])
    body = staff.get(f"/api/v1/credit-files/{target.uscc}/").content.decode()
    assert "complaints" in body
    _clean(body, "staff credit file API")
    _clean(staff.get("/api/v1/complaints/").content.decode(), "complaint API")


def test_the_audit_log_and_the_logs_hold_no_personal_data(world, handled, caplog):
    leader = Client()
    leader.force_login(world.users["leader"])
    _clean(leader.get("/audit/").content.decode(), "audit page")
    api = APIClient()
    api.force_authenticate(world.users["leader"])
    _clean(api.get("/api/v1/audit/").content.decode(), "audit API")
    _clean(caplog.text, "logs")
    # The staff credit file lists complaints without their complainants.
    page = leader.get(f"/credit/{handled[0].pk}/").content.decode()
    _clean(page, "staff credit file page")


def test_the_phone_is_not_stored_in_clear(world, handled):
    for complaint in Complaint.objects.all():
        assert complaint.complainant_phone_encrypted
        assert PHONE not in complaint.complainant_phone_encrypted
        assert HOTLINE_PHONE not in complaint.complainant_phone_encrypted


def test_another_organisation_reaches_no_complaint(world, handled):
    for who in ("partner", "other_office"):
        client = Client()
        client.force_login(world.users[who])
        api = APIClient()
        api.force_authenticate(world.users[who])
        for complaint in Complaint.objects.all():
            assert client.get(f"/credit/complaints/{complaint.pk}/").status_code == 404
            assert api.get(f"/api/v1/complaints/{complaint.pk}/").status_code == 404
        assert api.get("/api/v1/complaints/").json()["results"] == []


def test_a_replayed_push_makes_one_complaint(world, handled):
    _target, key = handled
    hotline = APIClient()
    hotline.credentials(HTTP_AUTHORIZATION=f"Partner {key}")
    before = Complaint.objects.count()
    for _ in range(3):
        assert hotline.post("/api/v1/complaints/hotline/", {
            "external_id": "GD-9", "uscc": _target.uscc, "summary": "又一次"},
            format="json").status_code == 200
    assert Complaint.objects.count() == before
