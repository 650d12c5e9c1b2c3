"""Plans and tasks through the API: proposals and entries, drafts, departments, strata, states."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from shuangsuiji.catalog.services import item_create
from shuangsuiji.core.models import AuditEvent
from shuangsuiji.plans.models import InspectionTask, PlanProposal

from .conftest import ApiWorld, client_for, item_data
from .task_world import TaskWorld

API = "/api/v1"


def _send(client: APIClient, method: str, path: str, data: Any = None) -> Any:
    return client.generic(method, API + path, data=None if data is None else _json(data),
                          content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def _json(data: Any) -> str:
    import json

    return json.dumps(data)


@pytest.fixture
def office(api_world: ApiWorld) -> APIClient:
    return client_for(api_world.user("office"))


# --- Plans --------------------------------------------------------------------------------


def test_a_section_proposes_and_the_office_merges_approves_and_publishes(
        task_world: TaskWorld, office: APIClient):
    w = task_world.api
    plan = task_world.plan
    section = client_for(w.user("section"))
    refused = _send(section, "POST", f"/plans/{plan.pk}/proposals/",
                    {"section": w.world.legal.pk, "text": "建议"})
    assert refused.status_code == 400 and list(refused.json()) == ["section"]
    proposed = _send(section, "POST", f"/plans/{plan.pk}/proposals/",
                     {"section": w.world.engineering.pk, "items": [w.rfb.item.pk],
                      "text": "建议二季度抽查人防工程使用单位"})
    assert proposed.status_code == 201 and proposed.json()["submitted_by"] == "section"

    entry = _send(office, "POST", f"/plans/{plan.pk}/entries/", {
        "name": "人防工程使用单位抽查", "items": [w.rfb.item.pk], "ratio": "15",
        "proposal": proposed.json()["id"], "starts_on": "2026-04-01", "ends_on": "2026-06-30"})
    assert entry.status_code == 201
    assert PlanProposal.objects.get(pk=proposed.json()["id"]).status == "merged"
    # One proposal may become several entries (batches), as in the demo's plan.
    twice = _send(office, "POST", f"/plans/{plan.pk}/entries/", {
        "name": "第二批", "items": [w.rfb.item.pk], "proposal": proposed.json()["id"],
        "starts_on": "2026-07-01", "ends_on": "2026-09-30"})
    assert twice.status_code == 201
    PlanProposal.objects.filter(pk=proposed.json()["id"]).update(status="declined")
    declined = _send(office, "POST", f"/plans/{plan.pk}/entries/", {
        "name": "第三批", "items": [w.rfb.item.pk], "proposal": proposed.json()["id"]})
    assert declined.status_code == 400 and list(declined.json()) == ["proposal"]

    assert _send(office, "POST", f"/plans/{plan.pk}/approve/").json()["status"] == "approved"
    late = _send(section, "POST", f"/plans/{plan.pk}/proposals/",
                 {"section": w.world.engineering.pk, "text": "迟到的建议"})
    assert late.status_code == 409 and "no longer open" in late.json()["detail"]
    published = _send(office, "POST", f"/plans/{plan.pk}/publish/").json()
    assert published["status"] == "published" and published["published_at"]
    assert [e["name"] for e in published["entries"]] == ["人防工程使用单位抽查", "第二批"]
    again = _send(office, "POST", f"/plans/{plan.pk}/publish/")
    assert again.status_code == 409 and "draft to approved to published" in again.json()["detail"]


def test_a_plan_entry_is_checked_field_by_field(task_world: TaskWorld, office: APIClient):
    w = task_world.api
    draft_item = item_create(actor=w.user("partner"), data=item_data("XFZD-002", w.world.fire))
    entry = {"name": "联合抽查", "items": [draft_item.pk], "is_joint": True, "participants": [],
             "ratio": "1e2", "starts_on": "2026-06-01", "ends_on": "2026-05-01"}
    response = _send(office, "POST", f"/plans/{task_world.plan.pk}/entries/", entry)
    assert response.status_code == 400 and set(response.json()) == {"ratio"}  # its form
    # The plan's rules (plans.services.plan_add_entry): every field's error at once.
    response = _send(office, "POST", f"/plans/{task_world.plan.pk}/entries/",
                     entry | {"ratio": "150"})
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"items", "ratio", "ends_on", "participants"}
    assert "XFZD-002" in errors["items"][0]  # another department's item, not published
    assert not task_world.plan.entries.filter(name="联合抽查").exists()


def test_a_second_plan_for_the_same_year_is_refused_on_the_year(task_world: TaskWorld,
                                                                 office: APIClient):
    response = _send(office, "POST", "/plans/", {"year": 2026, "title": "重复的计划"})
    assert response.status_code == 400 and list(response.json()) == ["year"]
    admin = client_for(task_world.api.user("admin"))
    response = _send(admin, "POST", "/plans/", {"year": 2024, "title": "没有机关"})
    assert response.status_code == 400 and list(response.json()) == ["organisation"]


# --- Tasks --------------------------------------------------------------------------------


def test_the_office_creates_a_draft_task_headed_by_its_department(api_world: ApiWorld,
                                                                   office: APIClient):
    response = _send(office, "POST", "/tasks/", {
        "code": "RFB-2027-01", "name": "2027年人防工程抽查",
        "initiating": api_world.world.office.pk, "period_start": "2027-04-01",
        "period_end": "2027-11-30", "ratio": "2.5",
        "filter_regions": ["1405"], "filter_industries": ["E48"], "stratification": "risk"})
    assert response.status_code == 201, response.json()
    task = response.json()
    assert task["state"] == "draft" and task["is_editable"] and task["ratio"] == "2.5"
    assert [(p["department_code"], p["role"], p["items"]) for p in task["participants"]] == [
        ("RFB", "initiating", [])]
    assert task["method_text"].startswith("1.各检查人员登录平台领取任务")
    event = AuditEvent.objects.get(action="task.create", object_id=str(task["id"]))
    assert event.actor == api_world.user("office")


def test_a_task_is_checked_field_by_field_with_the_entry_named(api_world: ApiWorld,
                                                               office: APIClient):
    response = _send(office, "POST", "/tasks/", {
        "code": "RFB-2027-02", "name": "x", "initiating": api_world.world.fire.pk,
        "period_start": "2027-04-01", "period_end": "2027-03-01", "ratio": "101",
        "filter_industries": ["E48", "ZZ"]})
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"initiating", "ratio", "filter_industries"}
    assert errors["filter_industries"] == [
        "Entry 2: Not an industry code or prefix (a letter A–T and up to four digits)."]
    assert "100" in errors["ratio"][0]
    response = _send(office, "POST", "/tasks/", {
        "code": "RFB-2027-02", "name": "x", "initiating": api_world.world.office.pk,
        "period_start": "2027-04-01", "period_end": "2027-03-01"})
    assert response.status_code == 400 and list(response.json()) == ["period_end"]


def test_departments_join_with_their_own_items_and_group_size(task_world: TaskWorld,
                                                              office: APIClient):
    w, task = task_world.api, task_world.draft
    base = f"/tasks/{task.pk}/participants/"
    foreign = _send(office, "PUT", f"{base}{w.world.fire.pk}/", {"items": [w.rfb.item.pk]})
    assert foreign.status_code == 400 and "RFB-001" in foreign.json()["items"][0]
    # Its own organisation's, but a draft of the list, or no longer in force: the same reason
    # as on the page, not an unknown id.
    draft = item_create(actor=w.user("partner"), data=item_data("XFZD-003", w.world.fire))
    unlisted = _send(office, "PUT", f"{base}{w.world.fire.pk}/", {"items": [draft.pk]})
    assert unlisted.status_code == 400
    assert unlisted.json()["items"][0].startswith("Not published on the item list")
    assert "XFZD-003" in unlisted.json()["items"][0]
    small = _send(office, "PUT", f"{base}{w.world.fire.pk}/",
                  {"items": [w.xfzd.item.pk], "officers": 1})
    assert small.status_code == 400 and list(small.json()) == ["officers"]
    changed = _send(office, "PUT", f"{base}{w.world.fire.pk}/",
                    {"items": [w.xfzd.item.pk], "officers": 3, "experts": 1})
    assert changed.status_code == 200
    assert changed.json() | {"department": 0} == {
        "department": 0, "department_code": "XFZD", "department_name": "晋城市消防救援支队",
        "role": "cooperating", "order": 1, "items": [w.xfzd.item.pk], "officers": 3,
        "experts": 1, "invitation": "invited", "answered_at": None, "answer_note": ""}
    initiating = _send(office, "DELETE", f"{base}{w.world.office.pk}/")
    assert initiating.status_code == 400 and "initiating" in initiating.json()["detail"]
    removed = _send(office, "DELETE", f"{base}{w.world.fire.pk}/")
    assert [p["department_code"] for p in removed.json()] == ["RFB"]
    assert _send(office, "DELETE", f"{base}{w.world.fire.pk}/").status_code == 404
    assert _send(office, "PUT", f"{base}999999/", {"items": []}).status_code == 404


def test_the_invited_organisation_answers_through_the_api(task_world: TaskWorld,
                                                         office: APIClient):
    w, task = task_world.api, task_world.draft
    path = f"/tasks/{task.pk}/participants/{w.world.fire.pk}/"
    assert _send(office, "PUT", path, {"items": [w.xfzd.item.pk], "officers": 3}
                 ).json()["invitation"] == "invited"
    assert _send(office, "POST", path + "invitation/", {"accept": True}).status_code == 403
    partner = client_for(w.user("partner"))
    declined = _send(partner, "POST", path + "invitation/", {"accept": False})
    assert declined.status_code == 400 and list(declined.json()) == ["answer_note"]
    accepted = _send(partner, "POST", path + "invitation/",
                     {"accept": True, "officers": 2, "experts": 1})
    assert accepted.status_code == 200
    assert accepted.json()["invitation"] == "accepted" and accepted.json()["experts"] == 1
    answers = AuditEvent.objects.filter(action="task.invitation", object_id=str(task.pk))
    assert answers.latest("seq").data["accepted"] is True
    frozen = f"/tasks/{task_world.frozen.pk}/participants/{w.world.fire.pk}/invitation/"
    assert _send(partner, "POST", frozen, {"accept": False, "note": "x"}).status_code == 409


def test_stratum_rules_are_replaced_and_each_bad_rule_is_named(task_world: TaskWorld,
                                                                office: APIClient):
    path = f"/tasks/{task_world.draft.pk}/strata/"
    unknown = _send(office, "PUT", path, {"strata": [{"label": "A", "ratio": "10"},
                                                     {"label": "Q", "count": 1}]})
    assert unknown.status_code == 400
    assert unknown.json()["strata"][0].startswith("Entry 2: label:")
    bad = _send(office, "PUT", path, {"strata": [
        {"label": "A", "ratio": "10", "count": 2}, {"label": "B"}, {"label": "C", "ratio": "x"},
        {"label": "D", "ratio": "1e2"}, {"label": "U", "ratio": "150"}]})
    assert bad.status_code == 400
    assert [m.split(":")[0] for m in bad.json()["strata"]] == ["A", "B", "C", "D", "U"]
    assert "100 percent" in bad.json()["strata"][4]
    good = _send(office, "PUT", path, {"strata": [{"label": "D", "count": 5},
                                                  {"label": "A", "ratio": "10"}]})
    assert good.status_code == 200
    assert good.json() == [{"label": "A", "ratio": "10", "count": None},
                           {"label": "D", "ratio": "", "count": 5}]
    assert _send(office, "GET", path).json() == good.json()
    assert AuditEvent.objects.filter(action="task.strata",
                                     object_id=str(task_world.draft.pk)).count() == 1
    both = _send(office, "PUT", path, {"strata": [{"label": "A", "ratio": "10", "count": 2}]})
    assert both.json() == {"strata": ["A: give a ratio or a count, not both or neither."]}


@pytest.mark.parametrize(("method", "suffix", "data"), [
    ("PATCH", "", {"ratio": "50"}),
    ("PUT", "participants/{fire}/", {"items": []}),
    ("DELETE", "participants/{fire}/", None),
    ("PUT", "strata/", {"strata": [{"label": "A", "ratio": "1"}]}),
])
def test_a_frozen_task_is_not_edited_and_says_why(task_world: TaskWorld, office: APIClient,
                                                  method: str, suffix: str, data: Any):
    task = task_world.frozen
    before = InspectionTask.objects.get(pk=task.pk).updated_at
    path = f"/tasks/{task.pk}/" + suffix.format(fire=task_world.api.world.fire.pk)
    response = _send(office, method, path, data)
    assert response.status_code == 409
    assert response.json() == {"detail": (
        "Task RFB-API-FROZEN is Frozen (pools fixed, commitment published): it can no longer "
        "be edited.")}
    assert InspectionTask.objects.get(pk=task.pk).updated_at == before
    assert task.participants.count() == 2


def test_a_task_moves_forward_only(task_world: TaskWorld, office: APIClient):
    task = task_world.drawn
    early = _send(office, "POST", f"/tasks/{task.pk}/close/")
    assert early.status_code == 409 and "cannot become Closed" in early.json()["detail"]
    assert _send(office, "POST", f"/tasks/{task.pk}/start/").json()["state"] == "in_progress"
    assert _send(office, "POST", f"/tasks/{task.pk}/finish/").json()["state"] == "finished"
    assert _send(office, "POST", f"/tasks/{task.pk}/close/").json()["state"] == "closed"
    assert AuditEvent.objects.filter(object_id=str(task.pk), action__in=[
        "task.in_progress", "task.finished", "task.closed"]).count() == 3


def test_the_list_filters_and_each_role_lists_what_it_may_see(task_world: TaskWorld):
    w = task_world.api

    def codes(role: str, query: str = "") -> set[str]:
        rows = client_for(w.user(role)).get(f"{API}/tasks/{query}").json()["results"]
        return {row["code"] for row in rows}

    every = {"RFB-API-DRAFT", "RFB-API-FROZEN", "RFB-API-DRAWN", "RFB-API-DONE"}
    assert codes("office") == codes("partner") == codes("other_office") == every
    assert codes("inspector") == codes("other_inspector") == {"RFB-API-DRAWN", "RFB-API-DONE"}
    assert codes("expert") == set()
    assert codes("office", "?state=frozen") == {"RFB-API-FROZEN"}
    assert codes("office", "?q=draw") == {"RFB-API-DRAWN"}
    assert codes("office", "?year=2026") == every and codes("office", "?year=2027") == set()
    assert client_for(w.user("office")).get(f"{API}/tasks/?year=99999").status_code == 400


def test_a_task_from_a_joint_plan_entry_gets_its_departments_and_items(
        task_world: TaskWorld, office: APIClient):
    """As on the page: "1+X" — each department's items of the entry become its checklist."""
    from shuangsuiji.catalog.services import item_set_published

    w = task_world.api
    item_set_published(actor=w.user("partner"), item=w.xfzd.item, published=True,
                       reason="公布")
    entry = _send(office, "POST", f"/plans/{task_world.plan.pk}/entries/", {
        "name": "部门联合抽查", "items": [w.rfb.item.pk, w.xfzd.item.pk], "is_joint": True,
        "participants": [w.world.fire.pk], "ratio": "15"})
    assert entry.status_code == 201, entry.json()
    assert _send(office, "POST", f"/plans/{task_world.plan.pk}/approve/").status_code == 200
    response = _send(office, "POST", "/tasks/", {
        "code": "RFB-2027-LH", "name": "2027年部门联合抽查", "initiating": w.world.office.pk,
        "period_start": "2027-04-01", "period_end": "2027-11-30", "ratio": "15",
        "plan_entry": entry.json()["id"]})
    assert response.status_code == 201, response.json()
    assert [(p["department_code"], p["role"], p["items"])
            for p in response.json()["participants"]] == [
        ("RFB", "initiating", [w.rfb.item.pk]), ("XFZD", "cooperating", [w.xfzd.item.pk])]
