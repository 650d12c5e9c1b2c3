import pytest
from rest_framework.test import APIClient

from shuangsuiji.publication import services
from shuangsuiji.publication.models import ExportBatch, PublishedResult


def client(user) -> APIClient:
    c = APIClient()
    c.force_login(user)
    return c


def test_the_office_publishes_lists_and_withdraws_through_the_api(world, approved):
    office = client(world.users["office"])
    ids = [r.pk for r in approved.office]
    response = office.post("/api/v1/publication/results/", {"results": ids}, format="json")
    assert response.status_code == 201, response.content
    assert [p["result"] for p in response.json()["published"]] == ids
    listed = office.get("/api/v1/publication/results/").json()["results"]
    assert {p["result"] for p in listed} == set(ids)
    assert all("risk" not in key for key in listed[0])
    url = f"/api/v1/publication/results/{ids[0]}/withdraw/"
    assert office.post(url, {"reason": ""}, format="json").status_code == 400
    response = office.post(url, {"reason": "企业提出异议"}, format="json")
    assert response.status_code == 200 and response.json()["withdrawn"] is True
    assert {p["result"] for p in office.get("/api/v1/publication/results/").json()[
        "results"]} == {ids[1]}
    assert office.get("/api/v1/publication/results/?withdrawn=1").status_code == 200


def test_publishing_what_is_not_approved_is_a_400(world, drawn_task):
    response = client(world.users["office"]).post(
        "/api/v1/publication/results/", {"results": [drawn_task.office_result.pk]},
        format="json")
    assert response.status_code == 400 and "results" in response.json()
    assert not PublishedResult.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("partner", 400), ("leader", 403),
                                              ("section", 403), ("inspector", 403)])
def test_others_do_not_publish_the_offices_results(world, approved, role, status):
    response = client(world.users[role]).post(
        "/api/v1/publication/results/", {"results": [approved.office[0].pk]}, format="json")
    assert response.status_code == status
    assert not PublishedResult.objects.exists()


def test_a_withheld_field_is_not_in_the_api_output(world, approved):
    result = approved.office[0]
    uscc = result.visit.drawn_target.ident
    services.redaction_approve(actor=world.users["leader"], inspection=result, whole=False,
                               fields=["uscc", "findings"], basis="privacy",
                               reason="涉及个人隐私")
    office = client(world.users["office"])
    response = office.post("/api/v1/publication/results/", {"results": [result.pk]},
                           format="json")
    assert response.status_code == 201
    for url in ("/api/v1/publication/results/", f"/api/v1/publication/results/{result.pk}/"):
        body = office.get(url).content.decode()
        assert uscc not in body and "防护门密闭不严" not in body and "13812345678" not in body
    detail = office.get(f"/api/v1/publication/results/{result.pk}/").json()
    assert detail["withheld_fields"] == ["uscc", "findings"] and detail["uscc"] == ""


def test_batches_are_created_and_listed_per_organisation(world, approved):
    office, partner = client(world.users["office"]), client(world.users["partner"])
    office.post("/api/v1/publication/results/", {"results": [approved.office[0].pk]},
                format="json")
    response = office.post("/api/v1/publication/batches/",
                           {"channel": "national", "format": "xlsx"}, format="json")
    assert response.status_code == 201 and response.json()["size"] == 1
    again = office.post("/api/v1/publication/batches/",
                        {"channel": "national", "format": "csv"}, format="json")
    assert again.json()["size"] == 0 and again.json()["results"] == []
    assert len(office.get("/api/v1/publication/batches/").json()["results"]) == 2
    assert partner.get("/api/v1/publication/batches/").json()["results"] == []
    assert partner.post("/api/v1/publication/batches/",
                        {"channel": "national", "format": "csv",
                         "organisation": world.office.pk}, format="json").status_code == 400
    batch = ExportBatch.objects.order_by("pk").first()
    download = response.json()["download"]
    assert office.get(download).status_code == 200
    assert partner.get(download).status_code == 404
    assert batch.size == 1
