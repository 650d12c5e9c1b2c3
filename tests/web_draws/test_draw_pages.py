"""The draw through the pages: freeze, the public ceremony, the result, replacements, records."""

import json
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from shuangsuiji.draws.models import Assignment, DrawnTarget, DrawRecord, Freeze
from shuangsuiji.inspectors.models import Conflict, Inspector
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.rules.draw.verify import verify

from .conftest import CEREMONY, NAME

pytestmark = pytest.mark.django_db


def ceremony_payload(**changes: object) -> dict[str, object]:
    return {"ceremony_input": CEREMONY, "source": "十面骰子 20 次",
            "witnesses": "王新根\n李华（纪检）", "present": "张三、李四",
            "place": "晋城市人民防空办公室三楼会议室"} | changes


def page(client, name: str, task: InspectionTask, status: int = 200) -> str:  # type: ignore[no-untyped-def]
    response = client.get(reverse(name, args=[task.pk]))
    assert response.status_code == status, (name, response.status_code)
    return response.content.decode()


def poppler(tool: str, pdf: bytes) -> str:
    """Run a poppler tool (pdfinfo, pdftotext) on a PDF given on standard input."""
    path = shutil.which(tool)
    assert path, f"{tool} (poppler-utils) is needed"
    return subprocess.run([path, "-", "-"] if tool == "pdftotext" else [path, "-"],
                          input=pdf, capture_output=True, check=True).stdout.decode()


def test_the_whole_flow_through_the_pages(login, world, seed):
    client = login("office")
    when = timezone.localtime() + timedelta(hours=2)
    response = client.post(reverse("draws:freeze", args=[seed.task.pk]), {
        "planned_draw_at": when.strftime("%Y-%m-%dT%H:%M"), "confirm": "on"})
    assert response.status_code == 302
    freeze = Freeze.objects.get(task=seed.task)
    announced = page(client, "plans:task_detail", seed.task)
    assert freeze.commitment in announced and freeze.pool_digest in announced
    assert freeze.inspector_digest in announced and when.strftime("%Y-%m-%d %H:%M") in announced

    response = client.post(reverse("draws:ceremony", args=[seed.task.pk]), ceremony_payload())
    assert response.status_code == 302
    assert response["Location"] == reverse("draws:result", args=[seed.task.pk])
    draw = DrawRecord.objects.get(task=seed.task)
    assert draw.witnesses == ["王新根", "李华（纪检）"] and draw.present == ["张三", "李四"]
    assert verify(draw.record) is None

    result = client.get(reverse("draws:result", args=[seed.task.pk]))
    targets = result.context["targets"]
    assert [v.drawn.ident for v in targets] == [t["id"] for t in draw.record["drawn"]]
    assert all([g.department.code for g in v.groups] == ["RFB", "XFZD"] for v in targets)
    text = result.content.decode()
    some = Assignment.objects.filter(task=seed.task).select_related("inspector").first()
    for value in (draw.seed, draw.record_digest, freeze.commitment, some.inspector.name,
                  f"CERT-{some.inspector.code}", targets[0].target.name):
        assert value in text
    assert result.context["standby"] == 31 and result.context["drawn_count"] == 6

    out = targets[1].drawn.ident
    response = client.post(reverse("draws:replace", args=[seed.task.pk]),
                           {"ident": out, "reason": "已注销"}, follow=True)
    draw.refresh_from_db()
    incoming = draw.record["replacements"][0]["in"]
    assert incoming == draw.record["standby"]["ALL"][0]
    assert response.context["highlight"] == incoming
    after = response.context["targets"]
    assert after[1].drawn.ident == incoming and after[1].replaces.ident == out
    assert [g.department.code for g in after[1].groups] == ["RFB", "XFZD"]
    assert response.context["history"][0]["reason"] == "已注销"
    assert verify(draw.record) is None

    printed = page(client, "draws:print", seed.task)
    for value in (NAME, CEREMONY, "十面骰子 20 次", "王新根", "张三", draw.seed, "经办人",
                  "见证人", "参加人员", freeze.server_secret):
        assert value in printed, value
    pdf = client.get(reverse("draws:pdf", args=[seed.task.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    info = poppler("pdfinfo", pdf.content)
    assert int(info.split("Pages:")[1].split()[0]) >= 1
    text = poppler("pdftotext", pdf.content)  # the Chinese text is real text, in a CJK font
    assert NAME in text and "见证人" in text and draw.record_digest in text.replace("\n", "")


def test_the_secret_is_never_shown_before_the_draw(login, world, seed, frozen):
    secret = frozen.server_secret
    client = login("office")
    for name in ("plans:task_detail", "draws:ceremony"):
        assert secret not in page(client, name, seed.task)
    assert secret not in client.get(reverse("plans:task_list")).content.decode()
    assert client.get(reverse("draws:freeze", args=[seed.task.pk])).status_code == 302
    for name in ("draws:result", "draws:print", "draws:record_json", "draws:public_json",
                 "draws:pdf"):
        assert secret not in page(client, name, seed.task, status=404)
    assert secret not in page(login("partner"), "plans:task_detail", seed.task)
    assert frozen.commitment in page(login("partner"), "plans:task_detail", seed.task)


def test_a_second_draw_through_the_page_is_refused(login, seed, drawn):
    client = login("office")
    response = client.post(reverse("draws:ceremony", args=[seed.task.pk]),
                           ceremony_payload(ceremony_input="11111111112222222222"))
    assert response.status_code == 409
    assert "already been drawn" in response.content.decode()
    assert DrawRecord.objects.get().ceremony_input == CEREMONY
    assert "already been drawn" in page(client, "draws:ceremony", seed.task)


def test_a_short_ceremony_input_or_no_witness_is_refused(login, seed, frozen):
    client = login("office")
    response = client.post(reverse("draws:ceremony", args=[seed.task.pk]),
                           ceremony_payload(ceremony_input="1234567890", witnesses=" \n "))
    assert set(response.context["form"].errors) == {"ceremony_input", "witnesses"}
    assert not DrawRecord.objects.exists()
    response = client.post(reverse("draws:ceremony", args=[seed.task.pk]),
                           ceremony_payload(ceremony_input="12345"),
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    # what a person would write, not Django's 确保该变量至少包含 20 字符(目前字符数 5)
    assert response.context["form"].errors["ceremony_input"] == [
        "摇号输入至少需要 20 位，已输入 5 位。"]


def test_a_failed_draw_names_the_department_and_draws_nothing(login, seed, frozen):
    for inspector in Inspector.objects.filter(code__startswith="F"):
        for target in seed.targets:
            Conflict.objects.create(inspector=inspector, target=target, relation="interest",
                                    declared_by="office", reason="测试")
    response = login("office").post(reverse("draws:ceremony", args=[seed.task.pk]),
                                    ceremony_payload())
    assert response.status_code == 409
    error = str(response.context["form"].non_field_errors())
    assert "XFZD" in error and "conflicts of interest" in error
    assert not DrawRecord.objects.exists()
    assert InspectionTask.objects.get(pk=seed.task.pk).state == "frozen"


def test_a_planned_draw_time_in_the_past_is_refused(login, seed):
    past = timezone.localtime() - timedelta(days=1)
    response = login("office").post(reverse("draws:freeze", args=[seed.task.pk]), {
        "planned_draw_at": past.strftime("%Y-%m-%dT%H:%M"), "confirm": "on"})
    assert "planned_draw_at" in response.context["form"].errors
    assert not Freeze.objects.exists()


def test_the_freeze_page_shows_sizes_and_eligible_inspectors(login, seed):
    response = login("office").get(reverse("draws:freeze", args=[seed.task.pk]))
    assert [(r.n, r.k) for r in response.context["pool_rows"]] == [(37, 6)]
    assert [(d["participant"].department.code, d["officers"])
            for d in response.context["departments"]] == [("RFB", 6), ("XFZD", 4)]
    assert not any(t.uscc in response.content.decode() for t in seed.targets)


def test_the_freeze_page_proposes_nine_on_the_next_working_day(login, seed):
    from shuangsuiji.workdays.selectors import calendar

    response = login("office").get(reverse("draws:freeze", args=[seed.task.pk]))
    proposed = timezone.localtime(response.context["form"].initial["planned_draw_at"])
    cal, today = calendar(), timezone.localdate()
    assert (proposed.hour, proposed.minute) == (9, 0) and proposed.date() > today
    assert cal.is_workday(proposed.date())
    assert cal.workdays_between(today, proposed.date()).days == 1  # none skipped
    assert proposed.strftime("%Y-%m-%dT%H:%M") in response.content.decode()


def test_only_the_office_may_freeze(login, seed, outsider):
    when = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    url = reverse("draws:freeze", args=[seed.task.pk])
    for role in ("partner", "section", "leader"):
        assert login(role).post(url, {"planned_draw_at": when, "confirm": "on"}
                                ).status_code == 403, role
    assert login("outsider").post(url, {"planned_draw_at": when, "confirm": "on"}
                                  ).status_code == 404
    assert not Freeze.objects.exists()


def test_the_office_moves_a_drawn_task_forward_only(login, seed, drawn):
    client = login("office")
    url = reverse("plans:task_advance", args=[seed.task.pk])
    client.post(url, {"to": "closed"})
    assert InspectionTask.objects.get(pk=seed.task.pk).state == "drawn"
    client.post(url, {"to": "in_progress"})
    assert InspectionTask.objects.get(pk=seed.task.pk).state == "in_progress"
    assert login("partner").post(url, {"to": "finished"}).status_code == 403


def test_a_cooperating_department_cannot_run_or_change_the_draw(login, seed, frozen):
    client = login("partner")
    assert client.get(reverse("draws:ceremony", args=[seed.task.pk])).status_code == 403
    assert client.post(reverse("draws:ceremony", args=[seed.task.pk]),
                       ceremony_payload()).status_code == 403
    assert not DrawRecord.objects.exists()
    for role in ("section", "leader", "inspector"):
        assert login(role).post(reverse("draws:ceremony", args=[seed.task.pk]),
                                ceremony_payload()).status_code in {403, 404}, role
    assert not DrawRecord.objects.exists()


def test_a_cooperating_department_sees_its_own_groups_and_the_public_record(login, seed, drawn):
    client = login("partner")
    response = client.get(reverse("draws:result", args=[seed.task.pk]))
    assert response.status_code == 200 and response.context["mode"] == "partner"
    assert {g.department.code for v in response.context["targets"] for g in v.groups} == {
        "XFZD"}
    text = response.content.decode()
    assert not any(f">{i.name}" in text for i in Inspector.objects.filter(code__startswith="E"))
    assert reverse("draws:record_json", args=[seed.task.pk]) not in text
    assert client.get(reverse("draws:record_json", args=[seed.task.pk])).status_code == 403
    assert client.get(reverse("draws:print", args=[seed.task.pk])).status_code == 403
    public = json.loads(client.get(reverse("draws:public_json", args=[seed.task.pk])).content)
    assert "lines" not in public["pool"] and public["record_digest"] == drawn.record_digest
    ident = drawn.record["drawn"][0]["id"]
    assert client.post(reverse("draws:replace", args=[seed.task.pk]),
                       {"ident": ident, "reason": "x"}).status_code == 403
    assert not DrawnTarget.objects.filter(replaced_at__isnull=False).exists()


def test_risk_classes_are_shown_to_the_office_only(login, world, seed):
    from shuangsuiji.plans.services import task_update

    from .conftest import draw, freeze

    task_update(actor=world.users["office"], task=seed.task, data={"stratification": "risk"})
    freeze(world, seed.task)
    draw(world, seed.task)
    office = page(login("office"), "draws:result", seed.task)
    assert "Risk class" in office
    partner = login("partner").get(reverse("draws:result", args=[seed.task.pk]))
    assert "Risk class" not in partner.content.decode()
    public = json.loads(login("partner").get(
        reverse("draws:public_json", args=[seed.task.pk])).content)
    assert "strata" not in public and all("stratum" not in t for t in public["drawn"])
    full = json.loads(login("office").get(reverse("draws:record_json", args=[seed.task.pk])
                                          ).content)
    assert full["server_secret"] and len(full["pool"]["lines"]) == 37


def test_an_inspector_sees_only_their_own_targets(login, seed, drawn, outsider):
    mine = set(Assignment.objects.filter(inspector=seed.e001, released_at__isnull=True)
               .values_list("drawn_target__ident", flat=True))
    assert mine
    client = login("inspector")
    response = client.get(reverse("draws:mine"))
    blocks = response.context["blocks"]
    assert [b.task for b in blocks] == [seed.task]
    assert {v.drawn.ident for v in blocks[0].targets} == mine
    for view in blocks[0].targets:  # the other department's group, to agree the date
        assert [g.department.code for g in view.groups] == ["RFB", "XFZD"]
        assert seed.e001 in view.groups[0].members
    text = response.content.decode()
    others = set(DrawnTarget.objects.values_list("ident", flat=True)) - mine
    assert not any(ident in text for ident in others)
    result = client.get(reverse("draws:result", args=[seed.task.pk]))
    assert {v.drawn.ident for v in result.context["targets"]} == mine
    assert client.get(reverse("draws:print", args=[seed.task.pk])).status_code == 403
    assert client.get(reverse("draws:ceremony", args=[seed.task.pk])).status_code == 403


def test_an_inspector_cannot_see_tasks_they_are_not_assigned_to(login, world, seed, drawn):
    from shuangsuiji.plans.services import task_create

    other = task_create(actor=world.users["office"], data={
        "code": "RFB-2023-02", "name": "另一个任务", "initiating": world.office,
        "period_start": "2023-05-01", "period_end": "2023-06-30"})
    client = login("inspector")
    assert client.get(reverse("plans:task_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("draws:freeze", args=[other.pk])).status_code == 404
    assert [t.code for t in client.get(reverse("plans:task_list")).context["page"]] == [
        seed.task.code]


def test_my_tasks_shows_the_targets_contacts_and_the_colleagues_phones(login, seed, drawn):
    from shuangsuiji.entities.models import Contact

    assignment = Assignment.objects.filter(inspector=seed.e001).select_related(
        "drawn_target__target").first()
    target = assignment.drawn_target.target
    Contact.objects.create(target=target, name="钱联系", position="负责人", phone="13800000002")
    fire_group = Inspector.objects.filter(assignments__drawn_target=assignment.drawn_target,
                                          assignments__department__code="XFZD")
    text = login("inspector").get(reverse("draws:mine")).content.decode()
    assert "钱联系" in text and "13800000002" in text
    assert all(i.phone and i.phone in text for i in fire_group)


def test_a_user_without_an_inspector_record_has_no_tasks(login, seed, drawn):
    response = login("expert").get(reverse("draws:mine"))
    assert response.status_code == 200 and response.context["has_record"] is False


def test_the_result_is_paged_with_groups_on_every_page(login, seed, drawn, monkeypatch):
    from shuangsuiji.draws import views

    monkeypatch.setattr(views, "RESULT_PAGE", 4)
    client = login("office")
    url = reverse("draws:result", args=[seed.task.pk])
    first, second = client.get(url).context, client.get(url, {"page": 2}).context
    assert len(first["targets"]) == 4 and len(second["targets"]) == 2
    assert all(len(v.groups) == 2 for v in second["targets"])
    shown = [v.drawn.ident for v in [*first["targets"], *second["targets"]]]
    assert shown == [t["id"] for t in drawn.record["drawn"]]
    assert len(first["replace_form"].fields["ident"].choices) == 7  # "—" and all six


def test_the_announcement_names_departments_not_codes(login, world, seed, frozen, client):
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    pages = [login("office").get(reverse("draws:ceremony", args=[seed.task.pk]), **zh),
             client.get(reverse("portal:task", args=[seed.task.code]), **zh)]
    for response in pages:
        body = response.content.decode()
        assert f"{world.office.name}：" in body and f"{world.office.code}：" not in body


def test_the_written_record_says_where_the_draw_was_held(login, seed, frozen):
    client = login("office")
    url = reverse("draws:ceremony", args=[seed.task.pk])
    response = client.post(url, ceremony_payload(place=" "))
    assert "place" in response.context["form"].errors and not DrawRecord.objects.exists()
    assert client.post(url, ceremony_payload()).status_code == 302
    assert DrawRecord.objects.get().place == "晋城市人民防空办公室三楼会议室"
    written = client.get(reverse("draws:print", args=[seed.task.pk])).content.decode()
    assert "晋城市人民防空办公室三楼会议室" in written


def test_the_home_page_lists_what_waits_for_the_office_with_its_date(login, seed, frozen):
    steps = login("office").get(reverse("home")).context["steps"]
    draw = [s for s in steps if s.pk == seed.task.pk]
    assert [s.what for s in draw] == ["Hold the draw"]
    assert draw[0].due == timezone.localtime(frozen.planned_draw_at).date()
    assert login("partner").get(reverse("home")).context["steps"] == []  # not theirs to draw
    assert login("inspector").get(reverse("home")).context["steps"] == []
    login("office").post(reverse("draws:ceremony", args=[seed.task.pk]), ceremony_payload())
    # Its draw step is gone (its results, long past their deadline, are listed instead).
    assert not [s for s in login("office").get(reverse("home")).context["steps"]
                if s.pk == seed.task.pk and s.url_name == "plans:task_detail"]
