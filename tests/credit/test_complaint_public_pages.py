"""The public complaint form, its receipt and the look-up by tracking code (no sign-in)."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shuangsuiji.credit import complaints as C
from shuangsuiji.credit.models import Complaint
from shuangsuiji.portal import complaint_views
from tests.inspections.test_results import png

from .test_complaints import NAME, PHONE

NEW, STATUS = "/public/complaints/new/", "/public/complaints/status/"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def public():
    cache.clear()
    return Client(enforce_csrf_checks=False)


def _post(public, target, **extra):
    data = {"target": target.pk, "summary": "地下室人防工程被占用堆放杂物",
            "complainant_name": NAME, "complainant_phone": PHONE} | extra
    return public.post(NEW, data, **ZH)


def test_the_entity_is_found_by_name_part_or_code(public, target, fire_target):
    page = public.get(NEW, {"q": "兴达"}, **ZH).content.decode()
    assert target.name in page and fire_target.name not in page
    assert f"?target={target.pk}" in page
    page = public.get(NEW, {"q": fire_target.uscc}, **ZH).content.decode()
    assert fire_target.name in page
    assert "has-error" in public.get(NEW, {"q": "兴"}, **ZH).content.decode()


def test_a_complaint_is_submitted_and_the_receipt_shows_the_tracking_code(public, target):
    response = _post(public, target, attachments=[
        SimpleUploadedFile("现场.png", png(), content_type="image/png")])
    assert response.status_code == 200, response.content.decode()[:2000]
    complaint = Complaint.objects.get()
    page = response.content.decode()
    assert complaint.tracking_code in page and "投诉举报已受理" in page
    assert NAME not in page and PHONE not in page
    assert complaint.attachments.count() == 1 and complaint.source == "public"
    assert response["Cache-Control"] == "private, no-store"


def test_the_form_says_what_is_wrong_on_the_field(public, target):
    response = _post(public, target, complainant_name="", summary="")
    assert response.status_code == 200 and not Complaint.objects.exists()
    page = response.content.decode()
    assert "has-error" in page


def test_an_anonymous_complaint_needs_no_name(public, target):
    assert _post(public, target, complainant_name="", complainant_phone="",
                 anonymous="on").status_code == 200
    assert Complaint.objects.get().anonymous


def test_submissions_are_limited_per_address(public, target, monkeypatch):
    monkeypatch.setattr(complaint_views, "SUBMITS_PER_HOUR", 2)
    assert _post(public, target).status_code == 200
    assert _post(public, target).status_code == 200
    assert _post(public, target).status_code == 429
    assert Complaint.objects.count() == 2
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert _post(other, target).status_code == 200


def test_the_status_page_shows_state_and_reply_but_no_personal_data(public, world, target):
    complaint = C.complaint_submit(target_id=target.pk, summary="占用",
                                   complainant={"name": NAME, "phone": PHONE})
    C.complaint_reply(actor=world.users["office"], complaint=complaint, reply="已责令整改")
    page = public.post(STATUS, {"code": complaint.tracking_code.lower()}, **ZH)
    text = page.content.decode()
    assert page.status_code == 200 and "已责令整改" in text and target.name in text
    assert NAME not in text and PHONE not in text and "占用" not in text
    missing = public.post(STATUS, {"code": "AAAA-BBBB-CCCC"}, **ZH).content.decode()
    assert "已责令整改" not in missing and "has-error" in missing


def test_look_ups_are_limited_per_address(public, target, monkeypatch):
    monkeypatch.setattr(complaint_views, "LOOKUPS_PER_HOUR", 3)
    for _ in range(3):
        assert public.post(STATUS, {"code": "AAAA-BBBB-CCCC"}).status_code == 200
    assert public.post(STATUS, {"code": "AAAA-BBBB-CCCC"}).status_code == 429
