"""The office's and sections' complaint pages: list, detail, assign, reply, close; another
organisation (or a section the complaint is not assigned to) gets 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shuangsuiji.credit import complaints as C
from shuangsuiji.credit.models import ComplaintState
from tests.inspections.test_results import png

from .test_complaints import NAME, PHONE


def _as(world, who):
    client = Client()
    client.force_login(world.users[who])
    return client


@pytest.fixture
def complaint(target):
    return C.complaint_submit(
        target_id=target.pk, summary="地下室被占用",
        complainant={"name": NAME, "phone": PHONE},
        attachments=[SimpleUploadedFile("现场.png", png(), content_type="image/png")])


def test_the_office_lists_and_handles_a_complaint_through_the_pages(world, complaint):
    office = _as(world, "office")
    listing = office.get("/credit/complaints/").content.decode()
    assert f"/credit/complaints/{complaint.pk}/" in listing
    page = office.get(f"/credit/complaints/{complaint.pk}/").content.decode()
    assert NAME in page and PHONE in page  # the office handles it: it may call back
    assert f"/credit/complaints/{complaint.pk}/assign/" in page
    response = office.post(f"/credit/complaints/{complaint.pk}/assign/",
                           {"section": world.engineering.pk})
    assert response.status_code == 302
    response = office.post(f"/credit/complaints/{complaint.pk}/reply/", {"reply": "已核查"})
    assert response.status_code == 302
    response = office.post(f"/credit/complaints/{complaint.pk}/close/", {"substantiated": "1"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.CLOSED and complaint.substantiated is True


def test_a_bad_assignment_is_shown_on_the_field(world, complaint):
    response = _as(world, "office").post(f"/credit/complaints/{complaint.pk}/assign/",
                                         {"section": world.brigade.pk})
    assert response.status_code == 200 and "has-error" in response.content.decode()


def test_the_assigned_section_replies_on_the_page(world, complaint):
    section = _as(world, "section")
    assert section.get(f"/credit/complaints/{complaint.pk}/").status_code == 404
    C.complaint_assign(actor=world.users["office"], complaint=complaint,
                       section=world.engineering)
    page = section.get(f"/credit/complaints/{complaint.pk}/").content.decode()
    assert "/reply/" in page and "/assign/" not in page and "/close/" not in page
    assert section.post(f"/credit/complaints/{complaint.pk}/assign/",
                        {"section": world.legal.pk}).status_code == 403
    assert section.post(f"/credit/complaints/{complaint.pk}/reply/",
                        {"reply": "已责令清理"}).status_code == 302


def test_the_leader_reads_without_the_complainants_data(world, complaint):
    page = _as(world, "leader").get(f"/credit/complaints/{complaint.pk}/").content.decode()
    assert NAME not in page and PHONE not in page and "/assign/" not in page


@pytest.mark.parametrize("who", ["partner", "other_office"])
def test_another_organisation_gets_404_for_every_complaint_url(world, complaint, who):
    client = _as(world, who)
    attachment = complaint.attachments.get()
    for url in (f"/credit/complaints/{complaint.pk}/",
                f"/credit/complaints/files/{attachment.pk}/"):
        assert client.get(url).status_code == 404, url
    for action, data in (("assign", {"section": world.engineering.pk}),
                         ("reply", {"reply": "x"}), ("close", {"substantiated": "1"})):
        assert client.post(f"/credit/complaints/{complaint.pk}/{action}/",
                            data).status_code == 404
    assert f"/credit/complaints/{complaint.pk}/" not in \
        client.get("/credit/complaints/").content.decode()


def test_the_attachment_is_served_privately_to_the_office(world, complaint):
    attachment = complaint.attachments.get()
    response = _as(world, "office").get(f"/credit/complaints/files/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert Client().get(f"/credit/complaints/files/{attachment.pk}/").status_code == 302


def test_the_credit_file_links_a_complaint_only_for_those_who_may_open_it(world, complaint):
    url = f"/credit/complaints/{complaint.pk}/"
    assert url in _as(world, "office").get(f"/credit/{complaint.target_id}/").content.decode()
    section_page = _as(world, "section").get(f"/credit/{complaint.target_id}/")
    assert section_page.status_code == 200 and url not in section_page.content.decode()
