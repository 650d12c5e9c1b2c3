"""What the entity sees of its own, and that it reaches nothing of another's (404)."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from shuangsuiji.credit.models import Complaint
from shuangsuiji.entityportal import services
from shuangsuiji.entityportal.choices import RequestKind
from shuangsuiji.entityportal.models import EntityRequest, RequestAttachment
from shuangsuiji.inspections import services as inspection_services

from .conftest import approve, sign_in

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def test_the_home_page_shows_the_notice_inspections_and_results(entities, entity_client):
    approve(entities.task.office_result)
    page = entity_client.get(reverse("entityportal:home"), **ZH).content.decode()
    assert entities.task.task.name in page
    assert entities.visit.agreed_date.isoformat() in page
    assert reverse("entityportal:visit", args=[entities.visit.pk]) in page
    assert reverse("entityportal:result", args=[entities.task.office_result.pk]) in page
    # The cooperating department's result is not approved yet: not shown.
    assert reverse("entityportal:result", args=[entities.task.fire_result.pk]) not in page
    assert entities.other_target.name not in page


def test_the_notice_shows_items_materials_inspectors_certificates_and_the_qr_check(
        entities, entity_client):
    page = entity_client.get(reverse("entityportal:visit", args=[entities.visit.pk]),
                             **ZH).content.decode()
    assert "CERT-RFB-E1" in page and "检查员RFB-E1" in page
    assert "事项RF-01" in page and "事项XF-01" in page
    assert "人防工程平时使用证" in page
    assert "<svg" in page and reverse("visit_public", args=[entities.visit.token]) in page


def test_the_entity_never_sees_risk_classes_complaints_or_inspectors_personal_data(
        entities, entity_client, world):
    approve(entities.task.office_result)
    from shuangsuiji.inspectors.models import Inspector
    Inspector.objects.update(phone="13512345678", id_number_masked="140502********1234",
                             specialties="私密专长")
    Complaint.objects.create(target=entities.target, organisation=world.office,
                             received_on=date(2026, 11, 1), summary="举报内容保密",
                             created_by=world.users["office"])
    pages = [reverse("entityportal:home"),
             reverse("entityportal:visit", args=[entities.visit.pk]),
             reverse("entityportal:result", args=[entities.task.office_result.pk])]
    for url in pages:
        for lang in ({}, ZH):
            page = entity_client.get(url, **lang).content.decode()
            assert "13512345678" not in page and "********" not in page, url
            assert "私密专长" not in page, url
            assert "举报内容保密" not in page, url
            assert "risk" not in page.lower() and "风险" not in page, url


@pytest.mark.parametrize("name", ["visit", "result", "follow_up"])
def test_another_entitys_records_answer_404(entities, entity_client, world, name):
    other_result = approve(
        entities.other_visit.inspections.get(department=world.office))
    follow_up = inspection_services.follow_up_create(
        actor=world.users["office"], inspection=other_result, kind="rectify",
        owner=world.users["office"], due_on=date(2027, 1, 30), rectify_by=date(2027, 1, 15),
        notes="限期整改")
    pk = {"visit": entities.other_visit.pk, "result": other_result.pk,
          "follow_up": follow_up.pk}[name]
    assert entity_client.get(reverse(f"entityportal:{name}", args=[pk])).status_code == 404
    assert entity_client.post(reverse(f"entityportal:{name}", args=[pk]),
                              {"text": "x", "inspector": 1}).status_code == 404


def test_an_unapproved_result_answers_404(entities, entity_client):
    url = reverse("entityportal:result", args=[entities.task.fire_result.pk])
    assert entity_client.get(url).status_code == 404


def test_another_entitys_attachment_answers_404(entities, entity_client):
    approve(entities.other_visit.inspections.first())
    other = services.Entity(uscc=entities.other_target.uscc,
                            contact_id=entities.other_contact.pk, label="李*")
    request = services.request_file(entity=other, kind=RequestKind.OBJECTION, data={
        "inspection": entities.other_visit.inspections.first(), "text": "不服"})
    attachment = RequestAttachment.objects.create(request=request, file="entity/x.pdf",
                                                  original_name="x.pdf",
                                                  content_type="application/pdf", size=1)
    url = reverse("entityportal:attachment", args=[attachment.pk])
    assert entity_client.get(url).status_code == 404


def test_the_other_entity_sees_its_own_and_not_the_first(entities):
    client = sign_in(Client(), entities.other_target, entities.other_contact)
    assert client.get(reverse("entityportal:visit",
                              args=[entities.other_visit.pk])).status_code == 200
    assert client.get(reverse("entityportal:visit",
                              args=[entities.visit.pk])).status_code == 404


def test_an_entity_sees_every_target_that_shares_its_code(entities, world):
    from shuangsuiji.entities.models import Target
    twin = Target.objects.create(department=world.fire, uscc=entities.target.uscc,
                                 name="同一企业（消防名录）", region_code="140502")
    client = sign_in(Client(), entities.target, entities.contact)
    assert "同一企业（消防名录）" in client.get(reverse("entityportal:home")).content.decode()
    assert twin.pk


def test_the_public_credit_file_is_linked_when_the_public_has_one(entities, entity_client,
                                                                   world):
    from shuangsuiji.credit.services import blacklist_add
    assert reverse("portal:entity", args=[entities.target.uscc]) not in entity_client.get(
        reverse("entityportal:home")).content.decode()
    blacklist_add(actor=world.users["office"], target=entities.target, basis="拒绝检查",
                  listed_on=date(2026, 11, 20))
    page = entity_client.get(reverse("entityportal:home")).content.decode()
    assert reverse("portal:entity", args=[entities.target.uscc]) in page
    assert EntityRequest.objects.count() == 0 and timedelta(0) == timedelta(0)


def test_no_entity_page_writes_on_a_get(entities, entity_client, world):
    from tests.security.test_get_never_writes import _snapshot
    result = approve(entities.task.office_result)
    follow_up = inspection_services.follow_up_create(
        actor=world.users["office"], inspection=result, kind="rectify",
        owner=world.users["office"], due_on=date(2027, 1, 30), rectify_by=date(2027, 1, 15),
        notes="限期整改")
    before = _snapshot()
    for url in (reverse("entityportal:home"),
                reverse("entityportal:visit", args=[entities.visit.pk]),
                reverse("entityportal:result", args=[result.pk]),
                reverse("entityportal:follow_up", args=[follow_up.pk])):
        assert entity_client.get(url).status_code == 200, url
    assert _snapshot() == before
