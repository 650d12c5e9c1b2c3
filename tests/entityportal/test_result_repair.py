"""信用修复 of a published result: the entity applies where the rules allow, the office
accepts, and the public versions show the result as repaired while the office keeps it."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.credit import services as credit_services
from shuangsuiji.entityportal import services
from shuangsuiji.entityportal.choices import RequestKind, RequestState
from shuangsuiji.entityportal.models import EntityRequest
from shuangsuiji.inspections import services as inspection_services
from shuangsuiji.inspections.models import Inspection
from shuangsuiji.portal import selectors as portal
from shuangsuiji.publication import services as publication
from shuangsuiji.publication.models import PublishedResult, ResultRepair

from .conftest import approve, sign_in
from .test_requests import ZH, entity_of, rectify, staff

FINDING = "消防通道堵塞"  # approve()'s summary: what the public reads until the repair


def published(world, result: Inspection, *, days_ago: int = 120) -> PublishedResult:
    """The result published `days_ago` days ago (its snapshot as the service writes it)."""
    snapshot = publication.result_publish(actor=world.users["office"], inspection=result)
    PublishedResult.objects.filter(pk=snapshot.pk).update(
        published_on=timezone.localdate() - timedelta(days=days_ago))
    snapshot.refresh_from_db()
    return snapshot


def rectified(world, result: Inspection) -> None:
    follow_up = rectify(world, result)
    office = world.users["office"]
    follow_up = inspection_services.follow_up_recheck(
        actor=office, follow_up=follow_up, day=timezone.localdate(), passed=True,
        note="复查合格")
    inspection_services.follow_up_close(actor=office, follow_up=follow_up,
                                        closed_on=timezone.localdate())


@pytest.fixture
def repairable(entities, world) -> PublishedResult:
    """The office's result: problems found, ordered to rectify, re-checked and closed,
    published four months ago."""
    result = approve(entities.task.office_result)
    rectified(world, result)
    return published(world, result)


def apply(entities, snapshot, text="已全部整改到位，复查合格"):
    return services.request_file(entity=entity_of(entities), kind=RequestKind.REPAIR,
                                 data={"published_result": snapshot, "text": text})


def refusals(entities, snapshot) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        apply(entities, snapshot)
    assert "text" in exc.value.message_dict
    assert not EntityRequest.objects.filter(kind=RequestKind.REPAIR,
                                            state=RequestState.SUBMITTED).exists()
    return exc.value.message_dict["text"]


def public_page(snapshot) -> str:
    return Client().get(reverse("portal:result", args=[snapshot.pk]), **ZH).content.decode()


def entity_file_page(code) -> str:
    return Client().get(reverse("portal:entity", args=[code]), **ZH).content.decode()


def test_the_entity_applies_on_its_result_page_and_the_office_accepts(
        entities, entity_client, world, repairable):
    url = reverse("entityportal:result", args=[entities.task.office_result.pk])
    assert "repair-text" in entity_client.get(url, **ZH).content.decode()  # the form
    response = entity_client.post(url, {"action": "repair", "repair-text": "已整改到位"})
    assert response.status_code == 302, response.content.decode()[:3000]
    request = EntityRequest.objects.get(kind=RequestKind.REPAIR)
    assert request.published_result == repairable
    assert request.inspection == entities.task.office_result
    assert request.organisation_id == world.office.pk
    assert answer_ok(world, request)
    repair = ResultRepair.objects.get(result=repairable)
    assert repair.repaired_on == timezone.localdate()
    assert repair.approved_by == world.users["office"]
    page = entity_client.get(url, **ZH).content.decode()
    assert "已信用修复" in page and timezone.localdate().isoformat() in page
    event = AuditEvent.objects.get(action="result.repair")
    assert event.data["repair"] == repair.pk and event.actor == world.users["office"]
    assert AuditEvent.objects.filter(action="entity.answer",
                                     data__published_result=repairable.pk).exists()


def answer_ok(world, request) -> bool:
    response = staff(world, "office").post(
        reverse("entityportal:office_detail", args=[request.pk]),
        {"state": "accepted", "answer": "符合信用修复条件，予以修复"})
    request.refresh_from_db()
    return response.status_code == 302 and request.state == RequestState.ACCEPTED


def test_the_public_page_and_credit_file_before_and_after_the_repair(entities, world,
                                                                     repairable):
    code = repairable.uscc
    before, before_file = public_page(repairable), entity_file_page(code)
    assert FINDING in before and "已信用修复" not in before
    assert "责令改正" in before_file and "已信用修复" not in before_file
    services.request_answer(actor=world.users["office"], request=apply(entities, repairable),
                            state="accepted", answer="予以修复")
    after, after_file = public_page(repairable), entity_file_page(code)
    day = timezone.localdate().isoformat()
    assert "已信用修复" in after and day in after
    assert FINDING not in after and "发现问题" not in after
    assert "已信用修复" in after_file and "发现问题" not in after_file
    assert "整改期限" not in after_file  # the decision on it is no longer published
    assert not portal.entity_file(code).decisions
    rows = Client().get("/api/v1/public/results/", {"code": code}).json()["results"]
    api = next(r for r in rows if r["id"] == repairable.pk)
    assert api["repaired_on"] == day
    assert api["findings"] == "" and api["category_text"] == "" and api["categories"] == []
    # The office's records and the snapshot keep the result as found and published.
    repairable.refresh_from_db()
    assert repairable.findings == FINDING and repairable.category_text
    assert Inspection.objects.get(pk=entities.task.office_result.pk).summary == FINDING


def test_the_entitys_own_public_file_shows_the_repair(entities, entity_client, world,
                                                      repairable):
    services.request_answer(actor=world.users["office"], request=apply(entities, repairable),
                            state="accepted", answer="予以修复")
    file = services.selectors.public_file(entities.target.uscc)
    assert file is not None
    assert [r.repaired_on for r in file.results] == [timezone.localdate()]
    assert file.results[0].findings == ""


def test_a_result_without_problems_is_refused(entities, world):
    result = approve(entities.task.office_result)
    Inspection.objects.filter(pk=result.pk).update(categories=["no_problem"])
    result.refresh_from_db()
    assert any("未发现问题" in r for r in refusals(entities, published(world, result)))


def test_an_open_order_to_rectify_is_refused(entities, world):
    result = approve(entities.task.office_result)
    rectify(world, result)
    assert any("责令改正" in r for r in refusals(entities, published(world, result)))


def test_a_pending_penalty_is_refused(entities, world):
    result = approve(entities.task.office_result)
    rectified(world, result)
    rectify(world, result, kind="penalty")
    assert any("行政处罚" in r for r in refusals(entities, published(world, result)))


def test_too_early_is_refused_with_the_first_day(entities, world, settings):
    result = approve(entities.task.office_result)
    rectified(world, result)
    snapshot = published(world, result, days_ago=10)
    reasons = refusals(entities, snapshot)
    assert any("3" in r and (snapshot.published_on + timedelta(days=80)).isoformat()[:4] in r
               for r in reasons), reasons
    settings.SHUANGSUIJI_REPAIR_MIN_PUBLIC_MONTHS = 0
    assert apply(entities, snapshot).state == RequestState.SUBMITTED


def test_the_refusals_are_in_chinese_on_the_entitys_page(entities, entity_client, world):
    result = approve(entities.task.office_result)
    rectify(world, result)
    published(world, result, days_ago=10)
    page = entity_client.get(reverse("entityportal:result", args=[result.pk]),
                             **ZH).content.decode()
    assert "责令改正" in page and "整改复查合格" in page and "个月" in page
    assert "repair-text" not in page  # no form to file
    response = entity_client.post(reverse("entityportal:result", args=[result.pk]),
                                  {"action": "repair", "repair-text": "请求修复"}, **ZH)
    assert response.status_code == 200 and "整改复查合格" in response.content.decode()
    assert not EntityRequest.objects.exists()


def test_the_office_acceptance_checks_the_rules_again(entities, world, repairable):
    request = apply(entities, repairable)
    rectify(world, entities.task.office_result)  # a new order after the application
    with pytest.raises(ValidationError):
        services.request_answer(actor=world.users["office"], request=request,
                                state="accepted", answer="予以修复")
    assert not ResultRepair.objects.exists()
    request.refresh_from_db()
    assert request.state == RequestState.SUBMITTED


def test_a_repaired_result_is_not_repaired_twice(entities, world, repairable):
    services.request_answer(actor=world.users["office"], request=apply(entities, repairable),
                            state="accepted", answer="予以修复")
    assert any("已信用修复" in r or "already repaired" in r
               for r in refusals(entities, repairable))


def test_an_unpublished_or_withdrawn_result_has_no_repair(entities, entity_client, world):
    result = approve(entities.task.office_result)
    rectified(world, result)
    response = entity_client.post(reverse("entityportal:result", args=[result.pk]),
                                  {"action": "repair", "repair-text": "请求修复"})
    assert response.status_code == 404
    snapshot = published(world, result)
    publication.result_withdraw(actor=world.users["office"], published=snapshot,
                                reason="更正")
    with pytest.raises(PermissionDenied):
        apply(entities, snapshot)


def test_another_entity_cannot_apply_for_someone_elses_result(entities, world, repairable):
    other = services.Entity(uscc=entities.other_target.uscc,
                            contact_id=entities.other_contact.pk, label="李*")
    with pytest.raises(PermissionDenied):
        services.request_file(entity=other, kind=RequestKind.REPAIR,
                              data={"published_result": repairable, "text": "修复"})
    client = sign_in(Client(), entities.other_target, entities.other_contact)
    url = reverse("entityportal:result", args=[entities.task.office_result.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "repair", "repair-text": "修复"}).status_code == 404
    assert not EntityRequest.objects.exists()


def test_only_the_publishing_office_accepts(entities, world, repairable):
    request = apply(entities, repairable)
    for role in ("other_office", "inspector", "section"):
        with pytest.raises(PermissionDenied):
            services.request_answer(actor=world.users[role], request=request,
                                    state="accepted", answer="予以修复")
    with pytest.raises(PermissionDenied):
        publication.result_repair(actor=world.users["other_office"], published=repairable,
                                  reason="越权")
    assert not ResultRepair.objects.exists()


def test_a_rejected_application_changes_nothing_public(entities, world, repairable):
    services.request_answer(actor=world.users["office"], request=apply(entities, repairable),
                            state="rejected", answer="整改材料不全")
    assert not ResultRepair.objects.exists()
    assert FINDING in public_page(repairable)


def test_a_partner_system_reads_the_repair_as_the_public_does(entities, world, repairable):
    """The city credit platform's key: a repaired result shows its day and no longer what it
    found; the office's own (staff) read keeps the categories."""
    _token, key = credit_services.partner_token_create(
        actor=world.users["office"], name="市信用平台", organisation_id=world.office.pk,
        rate_per_minute=60)
    partner = APIClient()
    partner.credentials(HTTP_AUTHORIZATION=f"Partner {key}")
    url = f"/api/v1/credit-files/{repairable.uscc}/"

    def row(client):
        results = client.get(url).json()["results"]
        return next(r for r in results if r["task"] == entities.task.task.code
                    and r["department"] == entities.task.office_result.department.name)

    before = row(partner)
    assert before["repaired_on"] is None and before["categories"]
    services.request_answer(actor=world.users["office"], request=apply(entities, repairable),
                            state="accepted", answer="予以修复")
    after = row(partner)
    assert after["repaired_on"] == timezone.localdate().isoformat()
    assert after["categories"] == [] and after["conduct"] == ""
    office = APIClient()
    office.force_authenticate(world.users["office"])
    mine = row(office)
    assert mine["repaired_on"] == after["repaired_on"] and mine["categories"]
