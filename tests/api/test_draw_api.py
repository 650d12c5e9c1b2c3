"""The draw through the API: pool, freeze, announcement, the one draw, records, groups,
replacements, my tasks, and the server secret kept until the draw reveals it."""

import hashlib
import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.draws.models import Assignment, DrawRecord, Freeze
from shuangsuiji.entities.models import Target
from shuangsuiji.inspectors.models import Conflict, Inspector
from shuangsuiji.plans import services as plans
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.rules.draw.verify import verify
from tests.draws.conftest import make_inspector

from .conftest import ApiWorld, client_for
from .task_world import CEREMONY, FAR, TaskWorld, joint_task

API = "/api/v1"
ROLES_THAT_SEE = ["admin", "office", "section", "leader", "partner", "other_office"]


def _get(client: APIClient, path: str) -> Any:
    return client.get(API + path, HTTP_ACCEPT_LANGUAGE="en")


def _post(client: APIClient, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(API + path, data or {}, format="json", HTTP_ACCEPT_LANGUAGE="en")


def _ceremony(**changes: Any) -> dict[str, Any]:
    return {"ceremony_input": CEREMONY, "witnesses": ["王新根", "李华（纪检）"],
            "source": "十面骰子 20 次", "present": ["张三"]} | changes


def _planned(hours: int = 1) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


@pytest.fixture
def office(api_world: ApiWorld) -> APIClient:
    return client_for(api_world.user("office"))


# --- Pool and freeze ----------------------------------------------------------------------


def test_the_pool_shows_sizes_and_eligible_inspectors_before_freezing(task_world: TaskWorld,
                                                                       office: APIClient):
    pool = _get(office, f"/tasks/{task_world.draft.pk}/pool/").json()
    assert pool["frozen"] is False
    assert (pool["total"], pool["sample_total"]) == (8, 2)  # ceil(8 × 15%)
    assert [(s["label"], s["n"], s["rule"], s["k"]) for s in pool["strata"]] == [
        ("ALL", 8, "15%", 2)]
    assert [(d["code"], d["officers"], d["eligible_officers"]) for d in pool["departments"]] == [
        ("RFB", 2, 2), ("XFZD", 2, 2)]
    assert set(pool) == {"frozen", "total", "sample_total", "strata", "departments"}


def test_risk_classes_in_the_pool_are_for_the_initiating_organisation_only(
        task_world: TaskWorld, office: APIClient):
    task = joint_task(task_world.api, "RFB-API-RISK", stratification="risk")
    internal = _get(office, f"/tasks/{task.pk}/pool/").json()
    assert [(s["label"], s["n"]) for s in internal["strata"]] == [
        ("A", 2), ("B", 2), ("C", 2), ("D", 2)]
    partner = _get(client_for(task_world.api.user("partner")), f"/tasks/{task.pk}/pool/").json()
    assert partner["strata"] == [] and partner["total"] == 8


def test_freezing_publishes_the_commitment_and_refuses_a_second_freeze(
        task_world: TaskWorld, office: APIClient):
    task = task_world.draft
    past = _post(office, f"/tasks/{task.pk}/freeze/",
                 {"planned_draw_at": (timezone.now() - timedelta(hours=1)).isoformat()})
    assert past.status_code == 400 and list(past.json()) == ["planned_draw_at"]
    response = _post(office, f"/tasks/{task.pk}/freeze/", {"planned_draw_at": _planned()})
    assert response.status_code == 201
    freeze = Freeze.objects.get(task=task)
    announced = response.json()
    assert announced["commitment"] == hashlib.sha256(freeze.server_secret.encode()).hexdigest()
    assert announced["pool_digest"] == freeze.pool_digest and announced["pool_size"] == 8
    assert announced["inspector_digest"] == freeze.inspector_digest
    assert announced["inspector_size"] == 4 and announced["frozen_by"] == "office"
    assert announced == _get(office, f"/tasks/{task.pk}/announcement/").json()
    again = _post(office, f"/tasks/{task.pk}/freeze/", {"planned_draw_at": _planned()})
    assert again.status_code == 409
    assert again.json() == {"detail": "Task RFB-API-DRAFT is Frozen (pools fixed, commitment "
                                      "published)."}


def test_a_draft_has_no_announcement_and_an_undrawn_task_no_record(task_world: TaskWorld,
                                                                   office: APIClient):
    response = _get(office, f"/tasks/{task_world.draft.pk}/announcement/")
    assert response.status_code == 404 and "not frozen yet" in response.json()["detail"]
    for suffix in ("draw/", "record/", "record/public/", "groups/", "replacements/"):
        response = _get(office, f"/tasks/{task_world.frozen.pk}/{suffix}")
        assert response.status_code == 404, suffix
        assert "has not been drawn yet" in response.json()["detail"]
    replace = _post(office, f"/tasks/{task_world.frozen.pk}/replacements/",
                    {"ident": "X-1", "reason": "已注销"})
    assert replace.status_code == 409


# --- The secret ----------------------------------------------------------------------------


def _everything_readable(task: InspectionTask) -> list[str]:
    return ["/tasks/", f"/tasks/{task.pk}/", f"/tasks/{task.pk}/participants/",
            f"/tasks/{task.pk}/strata/", f"/tasks/{task.pk}/pool/",
            f"/tasks/{task.pk}/announcement/", f"/tasks/{task.pk}/draw/",
            f"/tasks/{task.pk}/groups/", f"/tasks/{task.pk}/replacements/", "/my/tasks/",
            "/audit/?page_size=500"]


def _bodies(w: ApiWorld, paths: list[str], roles: list[str]) -> str:
    return "\n".join(_get(client_for(w.user(role)), path).content.decode()
                     for role in roles for path in paths)


def test_the_secret_is_never_answered_before_the_draw_and_only_in_records_after(
        task_world: TaskWorld, office: APIClient):
    w, task = task_world.api, task_world.draft
    roles = [*ROLES_THAT_SEE, "inspector", "other_inspector"]
    frozen = _post(office, f"/tasks/{task.pk}/freeze/", {"planned_draw_at": _planned()})
    secret = Freeze.objects.get(task=task).server_secret
    assert secret not in frozen.content.decode()
    assert secret not in _bodies(w, _everything_readable(task), roles)
    for suffix in ("record/", "record/public/"):
        assert _get(office, f"/tasks/{task.pk}/{suffix}").status_code == 404

    drawn = _post(office, f"/tasks/{task.pk}/draw/", _ceremony())
    assert drawn.status_code == 201 and secret not in drawn.content.decode()
    assert secret not in _bodies(w, _everything_readable(task), roles)
    assert _get(office, f"/tasks/{task.pk}/record/").json()["server_secret"] == secret
    assert _get(office, f"/tasks/{task.pk}/record/public/").json()["server_secret"] == secret


# --- The draw ------------------------------------------------------------------------------


def test_the_draw_happens_once_and_its_records_verify(task_world: TaskWorld, office: APIClient):
    task = task_world.frozen
    response = _post(office, f"/tasks/{task.pk}/draw/", _ceremony())
    assert response.status_code == 201
    draw = DrawRecord.objects.get(task=task)
    summary = response.json()
    assert summary["record_digest"] == draw.record_digest and summary["seed"] == draw.seed
    assert (summary["candidates"], summary["drawn"]) == (8, 2)
    assert summary["witnesses"] == ["王新根", "李华（纪检）"] and summary["present"] == ["张三"]
    assert _get(office, f"/tasks/{task.pk}/draw/").json() == summary

    again = _post(office, f"/tasks/{task.pk}/draw/", _ceremony(ceremony_input="9" * 20))
    assert again.status_code == 409
    assert again.status_code == 409
    assert again.json() == {"detail": "Task RFB-API-FROZEN has already been drawn: a task is "
                                      "drawn once."}
    assert DrawRecord.objects.filter(task=task).count() == 1

    full = _get(office, f"/tasks/{task.pk}/record/").json()
    assert full == json.loads(json.dumps(draw.record)) and verify(full) is None
    partner = client_for(task_world.api.user("partner"))
    public = _get(partner, f"/tasks/{task.pk}/record/public/").json()
    assert "lines" not in public["pool"] and public["record_digest"] == draw.record_digest
    assert verify(public) is None
    refused = _get(partner, f"/tasks/{task.pk}/record/")
    assert refused.status_code == 403 and "record/public/" in refused.json()["detail"]


def test_the_public_record_of_a_risk_draw_hides_the_classes_and_verifies(
        task_world: TaskWorld, office: APIClient):
    task = joint_task(task_world.api, "RFB-API-RISK", stratification="risk", ratio="50")
    _post(office, f"/tasks/{task.pk}/freeze/", {"planned_draw_at": _planned()})
    assert _post(office, f"/tasks/{task.pk}/draw/", _ceremony()).status_code == 201
    public = _get(client_for(task_world.api.user("partner")),
                  f"/tasks/{task.pk}/record/public/").json()
    assert "strata" not in public and "standby" not in public
    assert all("stratum" not in t for t in public["drawn"]) and len(public["drawn"]) == 4
    assert verify(public) is None
    groups = _get(client_for(task_world.api.user("partner")), f"/tasks/{task.pk}/groups/")
    assert {t["stratum"] for t in groups.json()["results"]} == {None}
    internal = _get(office, f"/tasks/{task.pk}/groups/").json()["results"]
    assert {t["stratum"] for t in internal} == {"A", "B", "C", "D"}


@pytest.mark.parametrize(("changes", "field"), [
    ({"ceremony_input": "1234567890"}, "ceremony_input"),
    ({"witnesses": []}, "witnesses"),
    ({"witnesses": ["王新根", "  "]}, "witnesses"),
    ({"source": ""}, "source"),
])
def test_a_bad_ceremony_is_a_field_error_and_draws_nothing(task_world: TaskWorld,
                                                           office: APIClient,
                                                           changes: dict[str, Any], field: str):
    response = _post(office, f"/tasks/{task_world.frozen.pk}/draw/", _ceremony(**changes))
    assert response.status_code == 400 and list(response.json()) == [field]
    assert all(isinstance(m, str) for m in response.json()[field])
    assert not DrawRecord.objects.filter(task=task_world.frozen).exists()


def test_a_failed_draw_names_the_target_and_department_and_saves_nothing(
        task_world: TaskWorld, office: APIClient):
    task = task_world.frozen
    for inspector in Inspector.objects.filter(code__startswith="XFZD"):
        for target in Target.objects.filter(industry_code__startswith="E"):
            Conflict.objects.create(inspector=inspector, target=target, relation="interest",
                                    declared_by="office", reason="测试")
    response = _post(office, f"/tasks/{task.pk}/draw/", _ceremony())
    assert response.status_code == 409
    failure = response.json()
    assert failure["department"] == "XFZD"
    assert failure["target"] in {line.split("\t")[0]
                                 for line in task.freeze.candidates.values_list("ident",
                                                                                flat=True)}
    assert failure["target"] in failure["reason"] and failure["reason"] in failure["detail"]
    assert "2 officers needed, 0 eligible" in failure["reason"]
    assert not DrawRecord.objects.filter(task=task).exists()
    assert InspectionTask.objects.get(pk=task.pk).state == "frozen"
    assert AuditEvent.objects.filter(action="draw.failed", object_id=str(task.pk)).count() == 1


# --- Groups, replacements, my tasks --------------------------------------------------------


def _group_codes(target: dict[str, Any]) -> list[str]:
    return [g["department_code"] for g in target["groups"]]


def test_each_sees_the_groups_that_are_theirs(task_world: TaskWorld):
    w, task = task_world.api, joint_task(task_world.api, "RFB-API-ALL", ratio="100")
    make_inspector(w.world.engineering, "RFB-E3", valid_to=FAR)
    office = client_for(w.user("office"))
    _post(office, f"/tasks/{task.pk}/freeze/", {"planned_draw_at": _planned()})
    _post(office, f"/tasks/{task.pk}/draw/", _ceremony())

    everything = _get(office, f"/tasks/{task.pk}/groups/").json()
    assert everything["count"] == 8
    assert all(_group_codes(t) == ["RFB", "XFZD"] for t in everything["results"])
    partner = _get(client_for(w.user("partner")), f"/tasks/{task.pk}/groups/").json()
    assert partner["count"] == 8
    assert all(_group_codes(t) == ["XFZD"] for t in partner["results"])

    mine = set(Assignment.objects.filter(task=task, inspector__user=w.user("inspector"))
               .values_list("drawn_target__ident", flat=True))
    assert 0 < len(mine) < 8  # three officers share the office's 16 places
    own = _get(client_for(w.user("inspector")), f"/tasks/{task.pk}/groups/").json()
    assert {t["ident"] for t in own["results"]} == mine
    assert all(_group_codes(t) == ["RFB", "XFZD"] for t in own["results"])
    member = own["results"][0]["groups"][0]["members"][0]
    assert set(member) == {"id", "code", "name", "role", "certificate_number"}


def test_a_replacement_brings_in_the_next_standby_and_the_record_still_verifies(
        task_world: TaskWorld, office: APIClient):
    task = task_world.drawn
    record = DrawRecord.objects.get(task=task).record
    out = record["drawn"][1]["id"]
    unknown = _post(office, f"/tasks/{task.pk}/replacements/", {"ident": "X-0", "reason": "x"})
    assert unknown.status_code == 400 and list(unknown.json()) == ["ident"]
    response = _post(office, f"/tasks/{task.pk}/replacements/",
                     {"ident": out.lower(), "reason": "已注销"})
    assert response.status_code == 201
    incoming = response.json()
    assert incoming["ident"] == record["standby"]["ALL"][0] and incoming["replaces"] == out
    assert incoming["via_replacement"] and incoming["position"] is None
    assert _group_codes(incoming) == ["RFB", "XFZD"]

    history = _get(office, f"/tasks/{task.pk}/replacements/").json()
    assert [(h["out"], h["in"], h["reason"]) for h in history] == [
        (out, incoming["ident"], "已注销")]
    targets = _get(office, f"/tasks/{task.pk}/groups/").json()["results"]
    assert [t["ident"] for t in targets] == [record["drawn"][0]["id"], incoming["ident"]]
    full = _get(office, f"/tasks/{task.pk}/record/").json()
    assert full["replacements"][0]["digest"] == history[0]["digest"] and verify(full) is None
    again = _post(office, f"/tasks/{task.pk}/replacements/", {"ident": out, "reason": "再次"})
    assert again.status_code == 400 and list(again.json()) == ["ident"]
    plans.task_finish(actor=task_world.api.user("office"), task=task)
    late = _post(office, f"/tasks/{task.pk}/replacements/",
                 {"ident": incoming["ident"], "reason": "已迁出"})
    assert late.status_code == 409 and "before the task is finished" in late.json()["detail"]


def test_my_tasks_list_my_targets_with_every_group_and_the_contacts(task_world: TaskWorld):
    w = task_world.api
    first = task_world.drawn.targets.order_by("ticket").select_related("target").first()
    first.target.contacts.create(name="李四", position="经理", phone="13812345678")
    mine = _get(client_for(w.user("inspector")), "/my/tasks/").json()
    assert [b["task"]["code"] for b in mine["results"]] == ["RFB-API-DONE", "RFB-API-DRAWN"]
    targets = mine["results"][1]["targets"]
    assert {t["ident"] for t in targets} == {
        t["id"] for t in task_world.drawn.draw.record["drawn"]}
    target = next(t for t in targets if t["ident"] == first.ident)
    assert target["contacts"] == [{"name": "李四", "position": "经理", "phone": "13812345678"}]
    assert [g["department_code"] for g in target["groups"]] == ["RFB", "XFZD"]
    phones = {m["code"]: m["phone"] for m in target["groups"][0]["members"]}
    assert phones == {"RFB-E1": "13900001111", "RFB-E2": ""}
    assert _get(client_for(w.user("expert")), "/my/tasks/").json()["results"] == []


def test_a_page_of_groups_costs_the_same_queries_however_many_targets(task_world: TaskWorld,
                                                                      office: APIClient):
    large = joint_task(task_world.api, "RFB-API-ALL", ratio="100")
    _post(office, f"/tasks/{large.pk}/freeze/", {"planned_draw_at": _planned()})
    _post(office, f"/tasks/{large.pk}/draw/", _ceremony())
    counts = []
    for task, targets in ((task_world.drawn, 2), (large, 8)):
        with CaptureQueriesContext(connection) as queries:
            page = _get(office, f"/tasks/{task.pk}/groups/").json()
        assert page["count"] == targets
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12
