"""The results API: the same permissions and rules as the pages, errors in JSON."""

import pytest
from rest_framework.test import APIClient

from .test_results import ready, sign_all

pytestmark = pytest.mark.django_db


def api(world, role):
    client = APIClient()
    client.force_authenticate(world.users[role])
    return client


def body(result, **changes):
    data = {"inspected_on": "2026-10-20", "methods": ["on_site"], "categories": ["no_problem"],
            "summary": "未发现问题",
            "findings": [{"item": f.item_id, "outcome": "compliant"}
                         for f in result.findings.all()]}
    return data | changes


def test_the_group_enters_and_submits_and_the_office_approves(world, drawn_task):
    result = drawn_task.office_result
    client = api(world, "inspector")
    response = client.put(f"/api/v1/results/{result.pk}/", body(result), format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["categories"] == ["no_problem"]
    assert {f["outcome"] for f in response.json()["findings"]} == {"compliant"}
    # Not signed yet: the refusal names what is missing.
    response = client.post(f"/api/v1/results/{result.pk}/submit/")
    assert response.status_code == 409
    assert "签字" in response.json()["detail"]
    sign_all(result, world.users["inspector"])
    assert client.post(f"/api/v1/results/{result.pk}/submit/").json()["state"] == "submitted"
    assert api(world, "partner").post(f"/api/v1/results/{result.pk}/review/",
                                      {"approve": True}, format="json").status_code == 404
    response = api(world, "office").post(f"/api/v1/results/{result.pk}/review/",
                                         {"approve": False, "reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api(world, "office").post(f"/api/v1/results/{result.pk}/review/",
                                         {"approve": True}, format="json")
    assert response.json()["state"] == "approved"


def test_reading_is_scoped(world, drawn_task):
    ids = {r["id"] for r in api(world, "office").get("/api/v1/results/").json()["results"]}
    assert {drawn_task.office_result.pk, drawn_task.fire_result.pk} <= ids
    partner = {r["id"] for r in api(world, "partner").get("/api/v1/results/").json()["results"]}
    assert drawn_task.fire_result.pk in partner and drawn_task.office_result.pk not in partner
    assert api(world, "expert").get(
        f"/api/v1/results/{drawn_task.office_result.pk}/").status_code == 404
    assert APIClient().get("/api/v1/results/").status_code == 401


def test_other_departments_and_leaders_cannot_write(world, drawn_task):
    result = drawn_task.office_result
    assert api(world, "other_inspector").put(f"/api/v1/results/{result.pk}/", body(result),
                                             format="json").status_code == 403
    assert api(world, "leader").put(f"/api/v1/results/{result.pk}/", body(result),
                                    format="json").status_code == 403
    response = api(world, "inspector").put(f"/api/v1/results/{result.pk}/",
                                           body(result, methods=["bogus"]), format="json")
    assert response.status_code == 400 and "methods" in response.json()


def test_visits_and_the_agreed_date(world, drawn_task):
    client = api(world, "other_inspector")
    visits = client.get(f"/api/v1/visits/?task={drawn_task.task.pk}").json()["results"]
    assert drawn_task.visit.pk in {v["id"] for v in visits}
    response = client.post(f"/api/v1/visits/{drawn_task.visit.pk}/schedule/",
                           {"agreed_date": "2026-10-22"}, format="json")
    assert response.status_code == 200 and response.json()["agreed_date"] == "2026-10-22"
    response = client.post(f"/api/v1/visits/{drawn_task.visit.pk}/schedule/",
                           {"agreed_date": "2027-10-22"}, format="json")
    assert response.status_code == 400


def test_an_approved_result_is_read_only(world, drawn_task):
    result = ready(drawn_task.office_result, world.users["inspector"])
    response = api(world, "inspector").put(f"/api/v1/results/{result.pk}/", body(result),
                                           format="json")
    assert response.status_code == 409
