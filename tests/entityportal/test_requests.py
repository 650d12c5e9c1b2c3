"""What the entity files and the office answers: every state move, deadline and permission."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.credit.services import blacklist_add
from shuangsuiji.draws.models import Assignment
from shuangsuiji.entityportal import services
from shuangsuiji.entityportal.choices import RequestKind, RequestState
from shuangsuiji.entityportal.models import EntityRequest, RequestAttachment
from shuangsuiji.inspections import services as inspection_services
from shuangsuiji.inspectors.choices import DeclaredBy
from shuangsuiji.inspectors.models import Conflict
from shuangsuiji.workdays.deadlines import deadline_after
from tests.inspections.test_results import png

from .conftest import approve

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def entity_of(entities) -> services.Entity:
    return services.Entity(uscc=entities.target.uscc, contact_id=entities.contact.pk,
                           label="张** 安全主管")


def staff(world, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def group_inspector(entities):
    return (Assignment.objects.filter(drawn_target=entities.visit.drawn_target,
                                      released_at__isnull=True)
            .select_related("inspector").order_by("pk").first().inspector)


def answer(client: Client, request: EntityRequest, state: str, text: str = "经核查，予以答复"):
    return client.post(reverse("entityportal:office_detail", args=[request.pk]),
                       {"state": state, "answer": text})


# -- Objection (陈述申辩 / 异议) ----------------------------------------------------------------

def test_an_objection_is_filed_on_the_page_with_a_deadline_in_working_days(
        entities, entity_client):
    result = approve(entities.task.office_result)
    response = entity_client.post(reverse("entityportal:result", args=[result.pk]), {
        "action": "objection", "objection-text": "消防通道当日已清理，有照片为证",
        "objection-files": [SimpleUploadedFile("photo.png", png(), "image/png")]})
    assert response.status_code == 302
    request = EntityRequest.objects.get()
    assert request.kind == RequestKind.OBJECTION and request.state == RequestState.SUBMITTED
    assert request.due_on == deadline_after(timezone.localdate(), 10).date
    assert request.attachments.count() == 1
    event = AuditEvent.objects.get(action="entity.request")
    assert event.data["uscc"] == entities.target.uscc and event.data["attachments"]


def test_an_attachment_that_is_not_a_real_document_is_refused(entities, entity_client):
    result = approve(entities.task.office_result)
    response = entity_client.post(reverse("entityportal:result", args=[result.pk]), {
        "action": "objection", "objection-text": "异议",
        "objection-files": [SimpleUploadedFile("a.png", b"<html>not an image</html>",
                                               "image/png")]})
    assert response.status_code == 200 and not EntityRequest.objects.exists()
    assert not RequestAttachment.objects.exists()


def test_an_objection_after_its_window_is_refused(entities):
    result = approve(entities.task.office_result, on=date(2026, 11, 2))
    with pytest.raises(ValidationError) as exc:
        services.request_file(entity=entity_of(entities), kind=RequestKind.OBJECTION,
                              data={"inspection": result, "text": "异议"})
    assert "text" in exc.value.error_dict


def test_a_second_pending_objection_to_one_result_is_refused(entities):
    result = approve(entities.task.office_result)
    data = {"inspection": result, "text": "异议"}
    services.request_file(entity=entity_of(entities), kind=RequestKind.OBJECTION, data=data)
    with pytest.raises(ValidationError):
        services.request_file(entity=entity_of(entities), kind=RequestKind.OBJECTION,
                              data=data)


def test_an_objection_to_an_unapproved_or_others_result_is_refused(entities, world):
    with pytest.raises(PermissionDenied):
        services.request_file(entity=entity_of(entities), kind=RequestKind.OBJECTION,
                              data={"inspection": entities.task.fire_result, "text": "异议"})
    other = approve(entities.other_visit.inspections.get(department=world.office))
    with pytest.raises(PermissionDenied):
        services.request_file(entity=entity_of(entities), kind=RequestKind.OBJECTION,
                              data={"inspection": other, "text": "异议"})


def test_the_office_answers_an_objection_and_the_entity_reads_it(entities, entity_client,
                                                                  world):
    result = approve(entities.task.office_result)
    request = services.request_file(entity=entity_of(entities), kind=RequestKind.OBJECTION,
                                    data={"inspection": result, "text": "异议"})
    office = staff(world, "office")
    listing = office.get(reverse("entityportal:office_list")).content.decode()
    assert reverse("entityportal:office_detail", args=[request.pk]) in listing
    assert answer(office, request, "rejected", "经复核，检查结果无误").status_code == 302
    request.refresh_from_db()
    assert request.state == RequestState.REJECTED and request.answered_by == world.users["office"]
    assert AuditEvent.objects.filter(action="entity.answer").count() == 1
    page = entity_client.get(reverse("entityportal:result", args=[result.pk])).content.decode()
    assert "经复核，检查结果无误" in page


def test_an_answered_request_is_not_answered_again(entities, world):
    result = approve(entities.task.office_result)
    request = services.request_file(entity=entity_of(entities), kind=RequestKind.OBJECTION,
                                    data={"inspection": result, "text": "异议"})
    services.request_answer(actor=world.users["office"], request=request, state="accepted",
                            answer="采纳")
    with pytest.raises(ValidationError):
        services.request_answer(actor=world.users["office"], request=request,
                                state="rejected", answer="不予采纳")


def test_an_answer_needs_its_text_and_a_known_state(entities, world):
    result = approve(entities.task.office_result)
    request = services.request_file(entity=entity_of(entities), kind=RequestKind.OBJECTION,
                                    data={"inspection": result, "text": "异议"})
    for state, text in (("accepted", " "), ("noted", "已阅")):
        with pytest.raises(ValidationError):
            services.request_answer(actor=world.users["office"], request=request,
                                    state=state, answer=text)


@pytest.mark.parametrize("role", ["other_office", "partner", "leader", "inspector", "section"])
def test_who_may_not_answer_an_objection_gets_404(entities, world, role):
    result = approve(entities.task.office_result)
    request = services.request_file(entity=entity_of(entities), kind=RequestKind.OBJECTION,
                                    data={"inspection": result, "text": "异议"})
    client = staff(world, role)
    assert client.get(reverse("entityportal:office_detail",
                              args=[request.pk])).status_code == 404
    assert answer(client, request, "accepted").status_code == 404
    with pytest.raises(PermissionDenied):
        services.request_answer(actor=world.users[role], request=request, state="accepted",
                                answer="采纳")


# -- Recusal (回避申请) --------------------------------------------------------------------------

def test_a_recusal_accepted_by_the_office_becomes_a_conflict(entities, entity_client, world):
    inspector = group_inspector(entities)
    response = entity_client.post(reverse("entityportal:visit", args=[entities.visit.pk]), {
        "inspector": inspector.pk, "text": "该检查人员系我单位法定代表人的近亲属"})
    assert response.status_code == 302
    request = EntityRequest.objects.get(kind=RequestKind.RECUSAL)
    assert request.due_on == min(deadline_after(timezone.localdate(), 3).date,
                                 entities.visit.agreed_date - timedelta(days=1))
    assert answer(staff(world, "office"), request, "accepted").status_code == 302
    conflict = Conflict.objects.get(inspector=inspector, target=entities.target)
    assert conflict.declared_by == DeclaredBy.ENTITY
    assert Conflict.objects.in_force_on(timezone.localdate()).filter(pk=conflict.pk).exists()
    assert AuditEvent.objects.filter(action="conflict.record").count() == 1


def test_a_rejected_recusal_records_no_conflict(entities, world):
    inspector = group_inspector(entities)
    request = services.request_file(entity=entity_of(entities), kind=RequestKind.RECUSAL,
                                    data={"visit": entities.visit, "inspector": inspector,
                                          "text": "理由"})
    services.request_answer(actor=world.users["office"], request=request, state="rejected",
                            answer="理由不成立")
    assert not Conflict.objects.exists()


def test_a_recusal_on_or_after_the_day_of_the_visit_is_refused(entities):
    from shuangsuiji.inspections.models import Visit
    Visit.objects.filter(pk=entities.visit.pk).update(agreed_date=timezone.localdate())
    entities.visit.refresh_from_db()
    with pytest.raises(ValidationError):
        services.request_file(entity=entity_of(entities), kind=RequestKind.RECUSAL,
                              data={"visit": entities.visit,
                                    "inspector": group_inspector(entities), "text": "理由"})


def test_a_recusal_of_someone_not_in_the_group_is_refused(entities):
    from tests.draws.conftest import make_inspector
    stranger = make_inspector(entities.target.department, "RFB-X9")
    with pytest.raises(ValidationError) as exc:
        services.request_file(entity=entity_of(entities), kind=RequestKind.RECUSAL,
                              data={"visit": entities.visit, "inspector": stranger,
                                    "text": "理由"})
    assert "inspector" in exc.value.error_dict


# -- Rectification report (整改报告) -------------------------------------------------------------

def rectify(world, result, kind="rectify"):
    extra = {"rectify_by": date(2027, 1, 15)} if kind == "rectify" else {}
    if kind == "penalty":
        extra = {}
    return inspection_services.follow_up_create(
        actor=world.users["office"], inspection=result, kind=kind, owner=world.users["office"],
        due_on=date(2027, 1, 30), notes="限期整改", **extra)


def test_a_rectification_report_is_filed_and_accepted(entities, entity_client, world):
    follow_up = rectify(world, approve(entities.task.office_result))
    page = entity_client.get(reverse("entityportal:follow_up", args=[follow_up.pk]),
                             **ZH).content.decode()
    assert "2027-01-15" in page and "工作日" in page
    response = entity_client.post(reverse("entityportal:follow_up", args=[follow_up.pk]), {
        "text": "已清理消防通道", "files": [SimpleUploadedFile("a.png", png(), "image/png")]})
    assert response.status_code == 302
    request = EntityRequest.objects.get(kind=RequestKind.RECTIFICATION)
    services.request_answer(actor=world.users["office"], request=request, state="accepted",
                            answer="整改到位，将安排复查")
    request.refresh_from_db()
    assert request.state == RequestState.ACCEPTED


def test_a_rectification_report_needs_an_open_order_to_rectify(entities, world):
    result = approve(entities.task.office_result)
    refer = inspection_services.follow_up_create(
        actor=world.users["office"], inspection=result, kind="refer",
        owner=world.users["office"], due_on=date(2027, 1, 30), referred_to="住建局",
        notes="移送")
    with pytest.raises(ValidationError):
        services.request_file(entity=entity_of(entities), kind=RequestKind.RECTIFICATION,
                              data={"follow_up": refer, "text": "已整改"})


# -- Credit repair (信用修复) --------------------------------------------------------------------

def test_an_accepted_credit_repair_removes_the_blacklist_entry(entities, entity_client, world):
    entry = blacklist_add(actor=world.users["office"], target=entities.target, basis="拒绝检查",
                          listed_on=date(2026, 11, 20))
    response = entity_client.post(reverse("entityportal:repair", args=[entry.pk]),
                                  {"text": "已改正并履行义务"})
    assert response.status_code == 302
    request = EntityRequest.objects.get(kind=RequestKind.REPAIR)
    services.request_answer(actor=world.users["office"], request=request, state="accepted",
                            answer="符合信用修复条件")
    entry.refresh_from_db()
    assert entry.removed_on == timezone.localdate()
    assert AuditEvent.objects.filter(action="credit.blacklist_remove").count() == 1


def test_another_entitys_blacklist_entry_answers_404(entities, entity_client, world):
    entry = blacklist_add(actor=world.users["office"], target=entities.other_target,
                          basis="拒绝检查", listed_on=date(2026, 11, 20))
    assert entity_client.get(reverse("entityportal:repair",
                                     args=[entry.pk])).status_code == 404


# -- Integrity rating (廉洁评价) -----------------------------------------------------------------

def test_an_integrity_report_goes_to_the_leadership_only(entities, entity_client, world):
    result = approve(entities.task.office_result)
    response = entity_client.post(reverse("entityportal:result", args=[result.pk]), {
        "action": "integrity", "integrity-rating": "1",
        "integrity-text": "检查人员索要财物"})
    assert response.status_code == 302
    request = EntityRequest.objects.get(kind=RequestKind.INTEGRITY)
    url = reverse("entityportal:office_detail", args=[request.pk])
    for role in ("office", "inspector", "partner", "section"):
        assert staff(world, role).get(url).status_code == 404, role
        assert "检查人员索要财物" not in staff(world, role).get(
            reverse("entityportal:office_list")).content.decode()
    leader = staff(world, "leader")
    assert "检查人员索要财物" in leader.get(url).content.decode()
    assert answer(leader, request, "noted", "已转纪检部门核查").status_code == 302
    request.refresh_from_db()
    assert request.state == RequestState.NOTED


def test_an_integrity_rating_is_from_1_to_5(entities):
    result = approve(entities.task.office_result)
    with pytest.raises(ValidationError):
        services.request_file(entity=entity_of(entities), kind=RequestKind.INTEGRITY,
                              data={"inspection": result, "rating": 6, "text": ""})


def test_the_entity_reads_its_request_deadline_on_its_home_page(entities, entity_client):
    result = approve(entities.task.office_result)
    request = services.request_file(entity=entity_of(entities), kind=RequestKind.OBJECTION,
                                    data={"inspection": result, "text": "异议"})
    page = entity_client.get(reverse("entityportal:home")).content.decode()
    assert request.due_on.isoformat() in page and timedelta(0) == timedelta(0)


def test_the_office_is_told_and_an_integrity_rating_reaches_only_the_leadership(entities,
                                                                                 world):
    from shuangsuiji.notices.choices import Kind
    from shuangsuiji.notices.models import Notice
    result = approve(entities.task.office_result)
    services.request_file(entity=entity_of(entities), kind=RequestKind.OBJECTION,
                          data={"inspection": result, "text": "异议"})
    told = set(Notice.objects.filter(kind=Kind.ENTITY_REQUEST).values_list("user__username",
                                                                           flat=True))
    assert told == {"office"}
    Notice.objects.filter(kind=Kind.ENTITY_REQUEST).delete()
    services.request_file(entity=entity_of(entities), kind=RequestKind.INTEGRITY,
                          data={"inspection": result, "rating": 1, "text": "索要财物"})
    told = set(Notice.objects.filter(kind=Kind.ENTITY_REQUEST).values_list("user__username",
                                                                           flat=True))
    assert told == {"leader"}
    assert all("索要财物" not in n.body for n in Notice.objects.all())


def test_a_recusal_is_answered_by_the_eve_of_the_visit(entities):
    from shuangsuiji.inspections.models import Visit
    tomorrow = timezone.localdate() + timedelta(days=1)
    Visit.objects.filter(pk=entities.visit.pk).update(agreed_date=tomorrow)
    entities.visit.refresh_from_db()
    request = services.request_file(entity=entity_of(entities), kind=RequestKind.RECUSAL,
                                    data={"visit": entities.visit,
                                          "inspector": group_inspector(entities),
                                          "text": "理由"})
    assert request.due_on == timezone.localdate()
