"""Enforcement documents (执法文书): what each kind needs, who may issue and read them, the
facts they keep, and numbers that never repeat, even under two clerks at once."""

import threading
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.enforcement import services
from shuangsuiji.enforcement.models import IssuedDocument
from shuangsuiji.inspections import services as inspections
from shuangsuiji.inspections.models import Inspection, ItemFinding

INSPECTED = date(2026, 11, 2)


@pytest.fixture
def result(world, drawn_task):
    """The office's result of the first visit, entered with one line not compliant."""
    result = drawn_task.office_result
    Inspection.objects.filter(pk=result.pk).update(categories=["corrected"],
                                                   inspected_on=INSPECTED, summary="警报设施未维护")
    line = ItemFinding.objects.filter(inspection=result).order_by("item__code").first()
    line.outcome, line.note = "non_compliant", "维护记录缺失"
    line.save()
    result.refresh_from_db()
    services.scheme_set(actor=world.users["office"], organisation=world.office,
                        abbreviation="晋人防")
    return result


def _rectify(world, result):
    return inspections.follow_up_create(
        actor=world.users["office"], inspection=result, kind="rectify",
        owner=world.users["office"], due_on=INSPECTED + timedelta(days=40),
        rectify_by=INSPECTED + timedelta(days=20))


def test_an_on_site_record_states_the_checklist_and_is_numbered_and_audited(world, result):
    doc = services.document_issue(actor=world.users["inspector"], inspection=result,
                                  kind="site_record", data={"place": "地下车库"})
    year = timezone.localdate().year
    assert doc.number == f"晋人防检〔{year}〕1号"
    assert doc.organisation == world.office
    lines = {f["note"]: f["outcome"] for f in doc.content["findings"]}
    assert lines["维护记录缺失"] == "non_compliant"
    assert doc.content["place"] == "地下车库" and doc.content["entity"]["name"]
    names = {i["name"] for i in doc.content["inspectors"]}
    assert names and all(i["certificate"] for i in doc.content["inspectors"])
    event = AuditEvent.objects.get(action="enforcement.issue", object_id=str(doc.pk))
    assert event.data["number"] == doc.number and event.organisation_id == world.office.pk


def test_numbers_run_per_word_and_a_document_keeps_what_it_stated(world, result):
    first = services.document_issue(actor=world.users["office"], inspection=result,
                                    kind="site_record")
    second = services.document_issue(actor=world.users["office"], inspection=result,
                                     kind="site_record")
    order = services.document_issue(actor=world.users["office"], inspection=result,
                                    kind="rectify", follow_up=_rectify(world, result))
    assert [first.serial, second.serial, order.serial] == [1, 2, 1]
    assert "改〔" in order.number and order.content["rectify_by"] == "2026-11-22"
    Inspection.objects.filter(pk=result.pk).update(summary="改过的结论")
    first.refresh_from_db()
    assert first.content["summary"] == "警报设施未维护"


@pytest.mark.parametrize("kind,why", [
    ("rectify", "follow_up"),      # an order rests on a 责令改正 follow-up
    ("recheck", "follow_up"),
    ("case", "follow_up"),
    ("lead", "follow_up"),
])
def test_a_document_without_the_follow_up_it_rests_on_is_refused(world, result, kind, why):
    with pytest.raises(ValidationError) as refused:
        services.document_issue(actor=world.users["office"], inspection=result, kind=kind)
    assert why in refused.value.error_dict
    assert not IssuedDocument.objects.exists()


def test_a_recheck_opinion_waits_for_the_recheck_and_a_refusal_for_the_conduct(world, result):
    follow_up = _rectify(world, result)
    with pytest.raises(ValidationError):
        services.document_issue(actor=world.users["office"], inspection=result, kind="recheck",
                                follow_up=follow_up)
    with pytest.raises(ValidationError):
        services.document_issue(actor=world.users["office"], inspection=result, kind="refusal")
    assert not IssuedDocument.objects.exists()


def test_a_transfer_letter_names_its_recipient_from_the_follow_up(world, result):
    follow_up = inspections.follow_up_create(
        actor=world.users["office"], inspection=result, kind="judicial",
        owner=world.users["office"], due_on=INSPECTED + timedelta(days=40),
        referred_to="晋城市公安局城区分局")
    doc = services.document_issue(actor=world.users["office"], inspection=result, kind="case",
                                  follow_up=follow_up,
                                  data={"facts": "擅自拆除警报设施",
                                        "attachments": ["现场照片3张"]})
    assert doc.content["recipient"] == "晋城市公安局城区分局"
    assert "移〔" in doc.number


def test_without_an_abbreviation_nothing_is_numbered(world, drawn_task):
    with pytest.raises(ValidationError):
        services.document_issue(actor=world.users["office"], inspection=drawn_task.office_result,
                                kind="site_record")


def test_only_the_departments_reviewers_and_group_issue(world, result):
    for who in ("partner", "leader", "expert"):
        with pytest.raises(PermissionDenied):
            services.document_issue(actor=world.users[who], inspection=result,
                                    kind="site_record")
    assert not IssuedDocument.objects.exists()


def test_another_organisation_gets_404_for_a_document_and_its_pdf(world, result, drawn_task):
    doc = services.document_issue(actor=world.users["office"], inspection=result,
                                  kind="site_record")
    stranger = Client()
    stranger.force_login(world.users["partner"])  # the fire rescue: not its result
    for name in ("enforcement:document", "enforcement:document_pdf"):
        assert stranger.get(reverse(name, args=[doc.pk])).status_code == 404
    # Its own result's page works, and issues nothing of the office's.
    fire = drawn_task.fire_result
    page = stranger.get(reverse("enforcement:inspection_documents", args=[fire.pk]))
    assert page.status_code == 200 and doc.number not in page.content.decode()
    anonymous = Client().get(reverse("enforcement:document", args=[doc.pk]))
    assert anonymous.status_code in {302, 404}


def test_the_office_issues_from_the_page_and_reads_it_in_chinese(world, result):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(world.users["office"])
    url = reverse("enforcement:inspection_documents", args=[result.pk])
    page = client.get(url)
    assert page.status_code == 200 and "执法文书" in page.content.decode()
    response = client.post(url, {"kind": "site_record", "place": "人防工程地下一层"})
    doc = IssuedDocument.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/documents/{doc.pk}/")
    printed = client.get(response["Location"]).content.decode()
    assert "现场检查笔录" in printed and doc.number in printed and "人防工程地下一层" in printed
    assert "维护记录缺失" in printed
    refused = client.post(url, {"kind": "rectify"})
    assert refused.status_code == 400 and "后续处置" in refused.content.decode()


def test_the_pdf_is_a_pdf(world, result):
    doc = services.document_issue(actor=world.users["office"], inspection=result,
                                  kind="site_record")
    client = Client()
    client.force_login(world.users["office"])
    pdf = client.get(reverse("enforcement:document_pdf", args=[doc.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_only_the_office_sets_its_abbreviation(world, drawn_task):
    with pytest.raises(ValidationError):
        services.scheme_set(actor=world.users["office"], organisation=world.office,
                            abbreviation="晋 人防")
    with pytest.raises(PermissionDenied):
        services.scheme_set(actor=world.users["partner"], organisation=world.office,
                            abbreviation="晋消")
    client = Client()
    client.force_login(world.users["section"])
    assert client.get(reverse("enforcement:numbering")).status_code == 403


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time")
@pytest.mark.django_db(transaction=True)
def test_two_clerks_issuing_at_once_never_get_one_number(world, drawn_task,
                                                         allow_audit_flush):
    result = drawn_task.office_result
    Inspection.objects.filter(pk=result.pk).update(categories=["corrected"],
                                                   inspected_on=INSPECTED)
    services.scheme_set(actor=world.users["office"], organisation=world.office,
                        abbreviation="晋人防")
    start, errors = threading.Barrier(4), []

    def issue(who: str) -> None:
        try:
            start.wait()
            for _ in range(5):
                services.document_issue(actor=world.users[who], inspection=result,
                                        kind="site_record")
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(w,))
               for w in ("office", "inspector", "section", "office")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    serials = sorted(IssuedDocument.objects.values_list("serial", flat=True))
    assert serials == list(range(1, 21))
