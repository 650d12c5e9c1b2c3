"""Every endpoint × method × role: the status the matrix promises, and no foreign rows listed.

Object endpoints address the office's (RFB) objects, so the fire rescue's users (partner,
other_office, other_inspector) must get 404 where their role could act on such an object and
403 where their role may not touch the domain at all. Write payloads are valid for the office,
so a 400 below means "valid input, but not a department you may write to".
"""

import json
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from shuangsuiji.field.models import FieldSession
from tests.publication import api_cases as publication

from .conftest import ROLES, ApiWorld, item_data

Payload = Callable[[ApiWorld], dict[str, Any]]


def _item(w: ApiWorld) -> dict[str, Any]:
    return item_data("RFB-NEW", w.world.engineering) | {"reason": "年度清单调整"}


def _target(w: ApiWorld) -> dict[str, Any]:
    return {"department": w.world.office.pk, "name": "新建人防工程使用单位",
            "no_code_reason": "个体工商户，无统一社会信用代码"}


def _inspector(w: ApiWorld) -> dict[str, Any]:
    return {"department": w.world.engineering.pk, "code": "RFB-E9", "name": "赵六",
            "role": "officer"}


def _conflict(w: ApiWorld) -> dict[str, Any]:
    return {"inspector": w.rfb.inspector.pk, "target": w.rfb.target.pk, "relation": "interest",
            "reason": "曾在该单位任职"}


def _status(w: ApiWorld) -> dict[str, Any]:
    return {"status": "transferred", "effective_on": "2026-12-01", "note": "调往市应急局"}


def _certificate(w: ApiWorld) -> dict[str, Any]:
    return {"number": "RFB-C2", "issuer": "山西省人民政府", "valid_from": "2026-01-01",
            "valid_to": "2031-12-31"}


def _full_item(w: ApiWorld) -> dict[str, Any]:
    return item_data("RFB-001", w.world.engineering) | {"matter": "人防工程平时使用情况检查",
                                                         "reason": "依据新规调整"}


def _none(w: ApiWorld) -> dict[str, Any]:
    return {}


def _result(w: ApiWorld) -> dict[str, Any]:
    return {"inspected_on": None, "methods": ["on_site"], "categories": ["no_problem"]}


def _task(w: ApiWorld) -> dict[str, Any]:
    return {"code": "RFB-API-NEW", "name": "新建抽查任务", "initiating": w.world.office.pk,
            "period_start": "2027-04-01", "period_end": "2027-06-30"}


def _participant(w: ApiWorld) -> dict[str, Any]:
    return {"items": [w.xfzd.item.pk], "officers": 2, "experts": 0}


def _freeze(w: ApiWorld) -> dict[str, Any]:
    return {"planned_draw_at": (timezone.now() + timedelta(hours=2)).isoformat()}


def _draw(w: ApiWorld) -> dict[str, Any]:
    return {"ceremony_input": "38201958377102938475", "witnesses": ["王新根"],
            "source": "十面骰子 20 次"}


def _replacement(w: ApiWorld) -> dict[str, Any]:
    assert w.tasks is not None
    return {"ident": w.tasks.first_drawn_ident(), "reason": "已注销"}


def _plan(w: ApiWorld) -> dict[str, Any]:
    return {"organisation": w.world.office.pk, "year": 2027, "title": "2027年度随机抽查计划"}


def _proposal(w: ApiWorld) -> dict[str, Any]:
    return {"section": w.world.engineering.pk, "items": [w.rfb.item.pk],
            "text": "建议对人防工程使用单位开展联合抽查"}


def _entry(w: ApiWorld) -> dict[str, Any]:
    return {"name": "人防工程与消防联合抽查", "items": [w.rfb.item.pk], "is_joint": True,
            "participants": [w.world.fire.pk], "ratio": "15"}


# Statuses per role, in the order of ROLES:
#   admin office section inspector expert leader partner other_office other_inspector anonymous
CASES: list[tuple[str, str, str, Payload]] = [
    ("GET", "/me/", "200 200 200 200 200 200 200 200 200 401", _none),
    ("GET", "/departments/", "200 200 200 200 200 200 200 200 200 401", _none),
    ("GET", "/departments/{dept}/", "200 200 200 200 200 200 404 404 404 401", _none),
    # Items: everyone reads; the office, sections (their own items) and partners write.
    ("GET", "/items/", "200 200 200 200 200 200 200 200 200 401", _none),
    ("POST", "/items/", "201 201 201 403 403 403 400 400 403 401", _item),
    ("GET", "/items/{item}/", "200 200 200 200 200 200 404 404 404 401", _none),
    ("PUT", "/items/{item}/", "200 200 200 403 403 403 404 404 403 401", _full_item),
    ("PATCH", "/items/{item}/", "200 200 200 403 403 403 404 404 403 401",
     lambda w: {"remarks": "补充说明", "reason": "补充"}),
    ("POST", "/items/{item}/publish/", "200 200 200 403 403 403 404 404 403 401",
     lambda w: {"reason": "公示"}),
    ("POST", "/items/{item}/unpublish/", "200 200 200 403 403 403 404 404 403 401",
     lambda w: {"reason": "撤回"}),
    ("GET", "/items/{item}/versions/", "200 200 200 200 200 200 404 404 404 401", _none),
    # Targets: staff read; the office and partners write; inspectors and experts never.
    ("GET", "/targets/", "200 200 200 403 403 200 200 200 403 401", _none),
    ("POST", "/targets/", "201 201 403 403 403 403 400 400 403 401", _target),
    ("GET", "/targets/{target}/", "200 200 200 403 403 200 404 404 403 401", _none),
    ("PATCH", "/targets/{target}/", "200 200 403 403 403 403 404 404 403 401",
     lambda w: {"address": "城区新市西街1号", "note": "地址变更"}),
    ("GET", "/targets/{target}/changes/", "200 200 200 403 403 200 404 404 403 401", _none),
    # Inspectors: staff read the directory, inspectors and experts only their own record.
    ("GET", "/inspectors/", "200 200 200 200 200 200 200 200 200 401", _none),
    ("POST", "/inspectors/", "201 201 403 403 403 403 400 400 403 401", _inspector),
    ("GET", "/inspectors/{inspector}/", "200 200 200 200 404 200 404 404 404 401", _none),
    ("PUT", "/inspectors/{inspector}/", "200 200 403 403 403 403 404 404 403 401",
     lambda w: _inspector(w) | {"code": "RFB-E1"}),
    ("PATCH", "/inspectors/{inspector}/", "200 200 403 403 403 403 404 404 403 401",
     lambda w: {"specialties": "人防工程"}),
    ("POST", "/inspectors/{inspector}/status/", "201 201 403 403 403 403 404 404 403 401",
     _status),
    ("GET", "/inspectors/{inspector}/certificates/",
     "200 200 200 200 404 200 404 404 404 401", _none),
    ("POST", "/inspectors/{inspector}/certificates/",
     "201 201 403 403 403 403 404 404 403 401", _certificate),
    # Conflicts: inspectors declare their own; the office's records are the office's to revoke.
    ("GET", "/conflicts/", "200 200 200 200 200 200 200 200 200 401", _none),
    ("POST", "/conflicts/", "201 201 403 201 400 403 400 400 400 401", _conflict),
    ("GET", "/conflicts/{conflict}/", "200 200 200 200 404 200 404 404 404 401", _none),
    ("POST", "/conflicts/{conflict}/revoke/", "200 200 403 403 404 403 404 404 404 401",
     lambda w: {"reason": "关系已解除"}),
    # Imports: those who may import.
    ("GET", "/imports/", "200 200 403 403 403 403 200 200 403 401", _none),
    ("GET", "/imports/{job}/", "200 200 403 403 403 403 404 404 403 401", _none),
    ("GET", "/imports/{job}/issues/", "200 200 403 403 403 403 404 404 403 401", _none),
    # Audit: leadership, the organising office, administrators.
    ("GET", "/audit/", "200 200 403 403 403 200 403 403 403 401", _none),
    ("GET", "/audit/{seq}/", "200 200 403 403 403 200 403 403 403 401", _none),
    # Plans: staff read their organisation's; a section proposes; the office does the rest.
    ("GET", "/plans/", "200 200 200 403 403 200 200 200 403 401", _none),
    ("POST", "/plans/", "201 201 403 403 403 403 403 403 403 401", _plan),
    ("GET", "/plans/{plan}/", "200 200 200 403 403 200 404 404 403 401", _none),
    ("POST", "/plans/{plan}/proposals/", "201 201 201 403 403 403 403 403 403 401", _proposal),
    ("POST", "/plans/{plan}/entries/", "201 201 403 403 403 403 403 403 403 401", _entry),
    ("POST", "/plans/{plan}/approve/", "200 200 403 403 403 403 403 403 403 401", _none),
    ("POST", "/plans/{approved_plan}/publish/", "200 200 403 403 403 403 403 403 403 401",
     _none),
    # Tasks (joint with the fire rescue): the office changes; the fire rescue reads; inspectors
    # read only the tasks they are assigned to (the drawn ones).
    ("GET", "/tasks/", "200 200 200 200 200 200 200 200 200 401", _none),
    ("POST", "/tasks/", "201 201 403 403 403 403 403 403 403 401", _task),
    ("GET", "/tasks/{draft}/", "200 200 200 404 404 200 200 200 404 401", _none),
    ("GET", "/tasks/{drawn}/", "200 200 200 200 404 200 200 200 200 401", _none),
    ("PATCH", "/tasks/{draft}/", "200 200 403 403 403 403 403 403 403 401",
     lambda w: {"name": "更名后的任务", "ratio": "10"}),
    ("GET", "/tasks/{draft}/participants/", "200 200 200 404 404 200 200 200 404 401", _none),
    ("PUT", "/tasks/{draft}/participants/{fire}/", "200 200 403 403 403 403 403 403 403 401",
     _participant),
    ("DELETE", "/tasks/{draft}/participants/{fire}/", "200 200 403 403 403 403 403 403 403 401",
     _none),
    # The invited organisation answers for its department, nobody else (but administrators).
    ("POST", "/tasks/{draft}/participants/{fire}/invitation/",
     "200 403 403 404 404 403 200 200 404 401", lambda w: {"accept": True}),
    ("GET", "/tasks/{draft}/strata/", "200 200 200 404 404 200 200 200 404 401", _none),
    ("PUT", "/tasks/{draft}/strata/", "200 200 403 403 403 403 403 403 403 401",
     lambda w: {"strata": [{"label": "A", "ratio": "10"}, {"label": "D", "count": 1}]}),
    ("POST", "/tasks/{drawn}/start/", "200 200 403 403 403 403 403 403 403 401", _none),
    ("POST", "/tasks/{drawn}/finish/", "200 200 403 403 403 403 403 403 403 401", _none),
    ("POST", "/tasks/{finished}/close/", "200 200 403 403 403 403 403 403 403 401", _none),
    # The draw: the office runs it; the full record is the initiating organisation's staff's.
    ("GET", "/tasks/{draft}/pool/", "200 200 200 404 404 200 200 200 404 401", _none),
    ("POST", "/tasks/{draft}/freeze/", "201 201 403 403 403 403 403 403 403 401", _freeze),
    ("GET", "/tasks/{frozen}/announcement/", "200 200 200 404 404 200 200 200 404 401",
     _none),
    ("POST", "/tasks/{frozen}/draw/", "201 201 403 403 403 403 403 403 403 401", _draw),
    ("GET", "/tasks/{frozen}/jobs/{draw_job}/", "200 200 403 404 404 403 403 403 404 401",
     _none),
    ("GET", "/tasks/{drawn}/draw/", "200 200 200 200 404 200 200 200 200 401", _none),
    ("GET", "/tasks/{drawn}/record/", "200 200 200 403 404 200 403 403 403 401", _none),
    ("GET", "/tasks/{drawn}/record/public/", "200 200 200 200 404 200 200 200 200 401", _none),
    ("GET", "/tasks/{drawn}/groups/", "200 200 200 200 404 200 200 200 200 401", _none),
    ("GET", "/tasks/{drawn}/replacements/", "200 200 200 200 404 200 200 200 200 401", _none),
    ("POST", "/tasks/{drawn}/replacements/", "201 201 403 403 403 403 403 403 403 401",
     _replacement),
    ("GET", "/my/tasks/", "200 200 200 200 200 200 200 200 200 401", _none),
    # Results: each department's group enters its own (谁检查、谁录入); each organisation
    # reviews its own; the fire rescue's staff do not see the office's result, its inspector
    # (in the same visit) does. Review of a result not yet submitted is a 409 for reviewers.
    ("GET", "/results/", "200 200 200 200 200 200 200 200 200 401", _none),
    ("GET", "/results/{result}/", "200 200 200 200 404 200 404 404 200 401", _none),
    ("PUT", "/results/{result}/", "403 403 403 200 404 403 404 404 403 401", _result),
    ("POST", "/results/{result}/submit/", "403 403 403 409 404 403 404 404 403 401", _none),
    ("POST", "/results/{result}/review/", "409 409 409 403 404 403 404 404 403 401",
     lambda w: {"approve": True}),
    ("GET", "/visits/", "200 200 200 200 200 200 200 200 200 401", _none),
    ("GET", "/visits/{visit}/", "200 200 200 200 404 200 200 200 200 401", _none),
    ("POST", "/visits/{visit}/schedule/", "200 200 403 200 404 403 403 403 200 401",
     lambda w: {"agreed_date": "2026-12-10"}),
    # portal: the public API answers everyone alike, signed in or not.
    ("GET", "/public/results/", "200 200 200 200 200 200 200 200 200 200", _none),
    ("GET", "/public/tasks/", "200 200 200 200 200 200 200 200 200 200", _none),
    ("GET", "/public/tasks/{drawn}/record/", "200 200 200 200 200 200 200 200 200 200", _none),
    ("GET", "/public/anchors/", "200 200 200 200 200 200 200 200 200 200", _none),
    # credit: an entity's credit file by its code; the organisation's staff read it (partner
    # systems use keys: tests/credit/test_api.py).
    ("GET", "/credit-files/{uscc}/", "200 200 200 403 403 200 404 404 403 401", _none),
    # Complaints: the organisation's staff read them, a section those assigned to it (this
    # one is not); the hotline pushes with a partner key only (tests/credit/
    # test_complaint_api.py): a staff token or session is no credential there (401).
    ("GET", "/complaints/", "200 200 200 403 403 200 200 200 403 401", _none),
    ("GET", "/complaints/{complaint}/", "200 200 404 403 403 200 404 404 403 401", _none),
    ("POST", "/complaints/hotline/", "401 401 401 401 401 401 401 401 401 401",
     lambda w: {"external_id": "GD1", "uscc": w.rfb.target.uscc, "summary": "占用",
                "anonymous": True}),
    ("GET", "/complaints/hotline/{ticket}/", "401 401 401 401 401 401 401 401 401 401",
     _none),
    # Licences in (exchange app): the licensing bureau's system sends with a partner key
    # only (tests/exchange/test_licences.py); a staff token or session is no credential (401).
    ("POST", "/licences/intake/", "401 401 401 401 401 401 401 401 401 401",
     lambda w: {"rows": [{"uscc": w.rfb.target.uscc, "name": "某公司", "lic_number": "L1"}]}),
    # Publication (publication app): each organisation's office (a cooperating department's
    # staff) publishes, withdraws and exports its own results; leadership reads. The result
    # is the office's, so the fire rescue's staff get 404 (objects) or 400 (ids in a body).
    ("GET", "/publication/results/", "200 200 403 403 403 200 200 200 403 401", _none),
    ("POST", "/publication/results/", "201 201 403 403 403 403 400 400 403 401",
     publication.publish_input),
    ("GET", "/publication/results/{result}/", "200 200 403 403 403 200 404 404 403 401",
     publication.published),
    ("POST", "/publication/results/{result}/withdraw/",
     "200 200 403 403 403 403 404 404 403 401", publication.withdraw_input),
    ("GET", "/publication/batches/", "200 200 403 403 403 200 200 200 403 401", _none),
    # The field app (tests/field): a key for inspectors' and experts' phones, revoked by its
    # user and their organisation's office; files and the sync only with a phone's key.
    ("GET", "/field/sessions/", "200 200 200 200 200 200 200 200 200 401", _none),
    # Only users with an inspector record get a key (the world's expert has none).
    ("POST", "/field/sessions/", "403 403 403 201 403 403 403 403 201 401",
     lambda w: {"device": "手机"}),
    ("POST", "/field/sessions/{phone}/revoke/", "200 200 404 200 404 404 404 404 404 401",
     lambda w: {"reason": "遗失"}),
    ("GET", "/field/day/", "200 200 200 200 200 200 200 200 200 401", _none),
    ("POST", "/field/uploads/have/", "403 403 403 403 403 403 403 403 403 401",
     lambda w: {"sha256": []}),
    ("PUT", "/field/uploads/{sha256}/", "403 403 403 403 403 403 403 403 403 401", _none),
    ("POST", "/field/sync/", "403 403 403 403 403 403 403 403 403 401",
     lambda w: {"ops": []}),
    ("POST", "/publication/batches/", "201 201 403 403 403 403 400 400 403 401",
     publication.batch_input),
]


def _complaint(w: ApiWorld) -> int:
    """A public complaint about the office's entity (made inside the role's savepoint)."""
    from shuangsuiji.credit.complaints import complaint_submit

    return complaint_submit(target_id=w.rfb.target.pk, summary="占用",
                            complainant={"anonymous": True}).pk


def _url(template: str, w: ApiWorld) -> str:
    tasks = w.tasks.ids() if w.tasks else {}
    if "{complaint}" in template:
        tasks = tasks | {"complaint": _complaint(w)}
    return "/api/v1" + template.format(ticket="GD1",
        dept=w.world.legal.pk, item=w.rfb.item.pk, target=w.rfb.target.pk,
        inspector=w.rfb.inspector.pk, conflict=w.rfb.conflict.pk, job=w.rfb.job.pk,
        seq=w.rfb.audit.seq, uscc=w.rfb.target.uscc, sha256="0" * 64,
        phone=_phone(w) if "{phone}" in template else 0, **tasks)


def _phone(w: ApiWorld) -> int:
    """A key of the office's inspector's phone, made in the role's savepoint."""
    return FieldSession.objects.create(user=w.user("inspector"), key_hash=uuid.uuid4().hex,
                                       expires_at=timezone.now() + timedelta(hours=1)).pk


@pytest.mark.parametrize("case", CASES, ids=[f"{m} {t}" for m, t, _s, _p in CASES])
def test_it_answers_each_role_as_the_matrix_says(api_world, as_role, case, request):
    method, template, statuses, payload = case
    if template.startswith(("/plans/", "/tasks/", "/results/", "/visits/", "/public/tasks/",
                            "/publication/")):
        request.getfixturevalue("task_world")
    wrong = []
    for role, expected in zip(ROLES, statuses.split(), strict=True):
        # Each role starts from the same database: a write by one is rolled back for the next.
        # A savepoint, not atomic(): the draw's durable transaction must be the outermost one.
        savepoint = transaction.savepoint()
        try:
            response = as_role(role).generic(method, _url(template, api_world),
                                             data=_json(payload(api_world)),
                                             content_type="application/json")
        finally:
            transaction.savepoint_rollback(savepoint)
        if response.status_code != int(expected):
            wrong.append(f"{role}: {response.status_code} (expected {expected}) "
                         f"{response.content.decode()[:200]}")
        assert response["Content-Type"].startswith("application/json")
    assert not wrong, "\n".join(wrong)


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data)


def _routed() -> set[tuple[str, str]]:
    """(method, path) of every route of the API, ids written `{}`."""
    from shuangsuiji.config import api_urls

    routes = set()
    for pattern in api_urls.urlpatterns:
        regex = pattern.pattern.regex.pattern
        if "format" in regex or not regex:
            continue  # the router's `.json` suffix variants; the JSON 404 for unknown paths
        path = re.sub(r"\(\?P<\w+>[^)]*\)", "{}", regex)
        path = "/" + path.removeprefix("^").removesuffix("$").removesuffix("\\Z")
        actions = getattr(pattern.callback, "actions", None)
        view = getattr(pattern.callback, "view_class", None) or pattern.callback.cls
        methods = actions or {m: m for m in ("get", "post", "put", "patch", "delete")
                              if hasattr(view, m)}
        # HEAD and OPTIONS answer as GET does and describe the route: not separate rights.
        routes |= {(method.upper(), path) for method in methods
                   if method not in {"head", "options"}}
    return routes


def test_every_routed_endpoint_and_method_is_in_the_matrix():
    # The token endpoint is open to everyone by design (test_api_behaviour); "/" is the index.
    unchecked = {("POST", "/auth/token/"), ("GET", "/")}
    covered = {(m, re.sub(r"\{\w+\}", "{}", t)) for m, t, _s, _p in CASES}
    assert _routed() - unchecked == covered


# Which of the office's (rfb) and the fire rescue's (xfzd) objects each role's lists show.
LISTS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "/items/": ("item", lambda row: row["id"]),
    "/targets/": ("target", lambda row: row["id"]),
    "/inspectors/": ("inspector", lambda row: row["id"]),
    "/conflicts/": ("conflict", lambda row: row["id"]),
    "/imports/": ("job", lambda row: row["id"]),
}
OWN_ORGANISATION = {"admin": {"rfb", "xfzd"}, "office": {"rfb"}, "section": {"rfb"},
                    "inspector": {"rfb"}, "expert": {"rfb"}, "leader": {"rfb"},
                    "partner": {"xfzd"}, "other_office": {"xfzd"}, "other_inspector": {"xfzd"}}


@pytest.mark.parametrize("role", ROLES[:-1])
@pytest.mark.parametrize("path", list(LISTS))
def test_lists_never_show_another_organisations_rows(api_world, as_role, role, path):
    response = as_role(role).get("/api/v1" + path)
    if response.status_code == 403:
        return
    assert response.status_code == 200
    attr, key = LISTS[path]
    listed = {key(row) for row in response.json()["results"]}
    for org in ("rfb", "xfzd"):
        pk = getattr(getattr(api_world, org), attr).pk
        if org not in OWN_ORGANISATION[role]:
            assert pk not in listed
        # Inspectors and experts see their own record and conflicts only (the expert has none).
        elif not (role == "expert" and attr in {"inspector", "conflict"}):
            assert pk in listed


@pytest.mark.parametrize("role", ["admin", "office", "leader"])
def test_the_audit_list_shows_only_the_own_organisations_entries(api_world, as_role, role):
    orgs = {"rfb": api_world.world.office.pk, "xfzd": api_world.world.fire.pk}
    listed = {row["organisation_id"] for row in as_role(role).get("/api/v1/audit/").json()[
        "results"]}
    assert listed == {orgs[o] for o in OWN_ORGANISATION[role]}


@pytest.mark.parametrize("role", ROLES[:-1])
def test_the_department_list_is_the_own_organisations(api_world, as_role, role):
    world = api_world.world
    listed = {row["id"] for row in as_role(role).get("/api/v1/departments/").json()["results"]}
    rfb = {world.office.pk, world.legal.pk, world.engineering.pk}
    xfzd = {world.fire.pk, world.brigade.pk}
    expected = {"rfb": rfb, "xfzd": xfzd}
    assert listed == set().union(*(expected[o] for o in OWN_ORGANISATION[role]))
