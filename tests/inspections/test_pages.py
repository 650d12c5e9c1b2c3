"""The inspector's pages end to end through HTTP, and who gets what (403/404)."""

import base64
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shuangsuiji.inspections.models import Claim, Evidence, Signature

from .test_results import fill, jpeg, png, ready

pytestmark = pytest.mark.django_db


def login(client, world, role):
    client.force_login(world.users[role])
    return client


def result_post(result, **changes):
    data = {"inspected_on": "2026-10-20", "methods": ["on_site"], "categories": ["no_problem"],
            "conduct": "", "summary": "现场检查未发现问题"}
    for f in result.findings.all():
        data[f"outcome_{f.item_id}"] = "compliant"
        data[f"note_{f.item_id}"] = ""
    return data | changes


def test_my_tasks_claim_and_open_the_visit(client, world, drawn_task):
    login(client, world, "inspector")
    page = client.get(reverse("inspections:mine"))
    assert page.status_code == 200
    body = page.content.decode()
    assert drawn_task.task.code in body and "领取任务" in body
    response = client.post(reverse("inspections:claim", args=[drawn_task.task.pk]))
    assert response.status_code == 302
    assert Claim.objects.filter(inspector__user=world.users["inspector"]).exists()
    body = client.get(reverse("inspections:mine")).content.decode()
    assert "已领取" in body
    visit = client.get(reverse("inspections:visit", args=[drawn_task.visit.pk]))
    assert visit.status_code == 200
    text = visit.content.decode()
    # Both groups, with certificate numbers, are on the visit page.
    assert "CERT-RFB-E1" in text and "CERT-XFZD-E1" in text


def test_people_outside_the_task_get_404(client, world, drawn_task):
    for role in ("expert",):
        login(client, world, role)
        assert client.get(reverse("inspections:visit",
                                  args=[drawn_task.visit.pk])).status_code == 404
        assert client.get(reverse("inspections:result",
                                  args=[drawn_task.office_result.pk])).status_code == 404


def test_the_agreed_date_is_seen_by_the_other_group(client, world, drawn_task):
    login(client, world, "inspector")
    client.post(reverse("inspections:schedule", args=[drawn_task.visit.pk]),
                {"agreed_date": "2026-10-21", "materials": "人防工程平战转换预案"})
    login(client, world, "other_inspector")
    body = client.get(reverse("inspections:visit", args=[drawn_task.visit.pk])).content.decode()
    assert "2026-10-21" in body


def test_entering_a_result_through_the_form(client, world, drawn_task):
    result = drawn_task.office_result
    login(client, world, "inspector")
    response = client.post(reverse("inspections:result", args=[result.pk]), result_post(result))
    assert response.status_code == 302
    result.refresh_from_db()
    assert result.inspected_on == date(2026, 10, 20) and result.categories == ["no_problem"]
    # A contradiction comes back in Chinese, next to the categories, nothing saved.
    first = result.findings.first()
    bad = result_post(result, summary="改了", **{f"outcome_{first.item_id}": "non_compliant"})
    response = client.post(reverse("inspections:result", args=[result.pk]), bad)
    assert response.status_code == 400
    assert "与“未发现问题”相矛盾" in response.content.decode()
    result.refresh_from_db()
    assert result.summary == "现场检查未发现问题"


def test_a_cooperating_department_sees_but_cannot_change_the_offices_result(client, world,
                                                                           drawn_task):
    result = drawn_task.office_result
    login(client, world, "other_inspector")
    page = client.get(reverse("inspections:result", args=[result.pk]))
    assert page.status_code == 200
    assert 'name="summary"' not in page.content.decode()
    assert client.post(reverse("inspections:result", args=[result.pk]),
                       result_post(result)).status_code == 403
    assert client.post(reverse("inspections:evidence_upload", args=[result.pk]),
                       {"kind": "photo", "file": SimpleUploadedFile("a.jpg", jpeg())}
                       ).status_code == 403
    login(client, world, "partner")  # the fire rescue's office staff
    assert client.get(reverse("inspections:result", args=[result.pk])).status_code == 404


def test_evidence_is_served_only_to_those_who_may_see_the_result(client, world, drawn_task):
    result = drawn_task.office_result
    login(client, world, "inspector")
    response = client.post(reverse("inspections:evidence_upload", args=[result.pk]),
                           {"kind": "photo", "description": "消防通道",
                            "file": SimpleUploadedFile("现场.jpg", jpeg())})
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    url = reverse("inspections:evidence", args=[evidence.pk])
    got = client.get(url)
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    assert b"".join(got.streaming_content) == jpeg()
    assert got["X-Content-Type-Options"] == "nosniff"
    login(client, world, "leader")  # the office's leadership reads everything of the office
    assert client.get(url).status_code == 200
    for role in ("partner", "expert", "other_office"):
        login(client, world, role)
        assert client.get(url).status_code == 404, role
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    # Guessing the next number finds nothing either.
    login(client, world, "inspector")
    assert client.get(reverse("inspections:evidence", args=[evidence.pk + 1])).status_code == 404


def test_a_wrong_file_is_refused_with_a_reason(client, world, drawn_task):
    login(client, world, "inspector")
    response = client.post(
        reverse("inspections:evidence_upload", args=[drawn_task.office_result.pk]),
        {"kind": "photo", "file": SimpleUploadedFile("x.jpg", b"MZ\x90\x00" + b"\x00" * 100)})
    assert response.status_code == 400
    assert "仅接受" in response.content.decode()
    assert not Evidence.objects.exists()


def test_signing_on_screen_then_submitting_and_review(client, world, drawn_task):
    result = drawn_task.office_result
    fill(result, world.users["inspector"])
    login(client, world, "inspector")
    drawing = "data:image/png;base64," + base64.b64encode(png()).decode()
    response = client.post(reverse("inspections:signature", args=[result.pk]),
                           {"role": "representative", "name": "王经理", "drawing": drawing})
    assert response.status_code == 302
    assert Signature.objects.filter(role="representative", name="王经理").exists()
    for a in result.visit.drawn_target.assignments.filter(department=result.department):
        client.post(reverse("inspections:signature", args=[result.pk]),
                    {"role": "inspector", "inspector": a.inspector_id, "drawing": drawing})
    assert client.post(reverse("inspections:submit", args=[result.pk])).status_code == 302
    result.refresh_from_db()
    assert result.state == "submitted"
    # The office's reviewer sees it in the queue; the fire rescue's does not and may not act.
    login(client, world, "partner")
    assert drawn_task.visit.drawn_target.target.name not in client.get(
        reverse("inspections:review_queue")).content.decode()
    assert client.post(reverse("inspections:review", args=[result.pk]),
                       {"decision": "approve"}).status_code in {403, 404}
    login(client, world, "office")
    assert drawn_task.visit.drawn_target.target.name in client.get(
        reverse("inspections:review_queue")).content.decode()
    assert client.post(reverse("inspections:review", args=[result.pk]),
                       {"decision": "approve"}).status_code == 302
    result.refresh_from_db()
    assert result.state == "approved"


def test_the_task_progress_counts_results(client, world, drawn_task):
    ready(drawn_task.office_result, world.users["inspector"])
    login(client, world, "office")
    page = client.get(reverse("inspections:task", args=[drawn_task.task.pk]))
    assert page.status_code == 200
    assert page.context["counts"]["submitted"] == 1
    assert page.context["counts"]["total"] == 2 * len(page.context["visits"])


def test_a_target_not_inspectable_points_the_office_to_the_replacement(client, world,
                                                                       drawn_task):
    result = drawn_task.office_result
    from shuangsuiji.inspections import services

    services.inspection_save(actor=world.users["inspector"], inspection=result,
                             inspected_on=date(2026, 10, 20), methods=["on_site"],
                             categories=["moved"])
    replace = reverse("draws:result", args=[drawn_task.task.pk])
    login(client, world, "office")
    assert replace in client.get(reverse("inspections:result", args=[result.pk])).content.decode()
    login(client, world, "inspector")
    body = client.get(reverse("inspections:result", args=[result.pk])).content.decode()
    assert "替补" in body and replace + "#" not in body


def test_the_home_page_says_what_waits_for_each_user(client, world, drawn_task):
    ready(drawn_task.office_result, world.users["inspector"])
    login(client, world, "inspector")
    todo = client.get(reverse("home")).context["todo"]
    assert todo["my_targets"] == drawn_task.task.targets.count()
    # Every target has an office result for this inspector; one is submitted already.
    assert todo["to_enter"] == todo["my_targets"] - 1
    login(client, world, "office")
    todo = client.get(reverse("home")).context["todo"]
    assert todo["to_review"] == 1 and todo["to_publish"] == 0
    login(client, world, "partner")
    assert client.get(reverse("home")).context["todo"]["to_review"] == 0


def test_the_review_queue_is_paged_and_agrees_with_who_may_review(client, world, drawn_task):
    """A province's queue holds thousands: it is filtered and counted in the database and
    shown a page at a time; the counts and pages hold exactly what can_review allows."""
    from shuangsuiji.core import web
    from shuangsuiji.inspections import permissions, selectors
    from shuangsuiji.inspections.models import Inspection

    submitted = Inspection.objects.filter(visit__task=drawn_task.task)
    submitted.update(state="submitted", submitted_at=drawn_task.task.created_at)
    for role, department in (("office", drawn_task.office_result.department),
                             ("partner", drawn_task.fire_result.department)):
        user = world.users[role]
        queue = selectors.review_queue(user)
        expected = {r.pk for r in submitted if permissions.can_review(user, r)}
        assert {r.pk for r in queue} == expected
        assert expected and all(r.department_id == department.pk for r in queue)
        login(client, world, role)
        assert client.get(reverse("home")).context["todo"]["to_review"] == len(expected)
    # Other roles review nothing, whatever they may read.
    for role in ("inspector", "leader", "expert"):
        assert not selectors.review_queue(world.users[role]).exists()
    login(client, world, "office")
    page = client.get(reverse("inspections:review_queue")).context["page"]
    office = world.users["office"]
    assert page.paginator.count == selectors.review_queue(office).count()
    assert page.paginator.per_page == web.PAGE_SIZE


def test_my_tasks_leave_out_closed_tasks(client, world, drawn_task):
    """A province's inspector gathers hundreds of targets a year: once a task is closed its
    targets leave 我的任务 (the pages and the API), and its visit stays open to its group."""
    from shuangsuiji.plans import services as plans

    login(client, world, "inspector")
    for name in ("inspections:mine", "draws:mine"):
        assert drawn_task.task.code in client.get(reverse(name)).content.decode()
    assert client.get("/api/v1/my/tasks/").json()["results"]
    office = world.users["office"]
    plans.task_finish(actor=office, task=drawn_task.task)
    assert drawn_task.task.code in client.get(reverse("inspections:mine")).content.decode()
    plans.task_close(actor=office, task=drawn_task.task)
    for name in ("inspections:mine", "draws:mine"):
        assert drawn_task.task.code not in client.get(reverse(name)).content.decode()
    assert client.get("/api/v1/my/tasks/").json()["results"] == []
    assert client.get(reverse("inspections:visit",
                              args=[drawn_task.visit.pk])).status_code == 200
