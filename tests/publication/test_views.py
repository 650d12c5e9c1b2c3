from django.test import Client

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.publication import services
from shuangsuiji.publication.models import ExportBatch, PublishedResult, Redaction


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_queue_lists_approved_results_with_their_deadline_and_publishes(world, approved):
    office = client(world.users["office"])
    page = office.get("/publication/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="results"' in body and 'data-light="' in body
    assert approved.office[0].visit.drawn_target.target.name in body
    assert f'value="{approved.fire.pk}"' not in body  # the fire rescue's is theirs to publish
    response = office.post("/publication/publish/",
                           {"results": [r.pk for r in approved.office]})
    assert response.status_code == 302
    assert PublishedResult.objects.count() == 2
    assert 'name="results"' not in office.get("/publication/").content.decode()


def test_withdrawing_on_the_page_needs_a_reason(world, approved):
    published = services.result_publish(actor=world.users["office"],
                                        inspection=approved.office[0])
    office = client(world.users["office"])
    assert f"/publication/published/{published.pk}/withdraw/" in office.get(
        "/publication/published/").content.decode()
    office.post(f"/publication/published/{published.pk}/withdraw/", {"reason": ""})
    published.refresh_from_db()
    assert published.withdrawn_at is None
    office.post(f"/publication/published/{published.pk}/withdraw/", {"reason": "企业异议"})
    published.refresh_from_db()
    assert published.withdrawn_reason == "企业异议"
    # The fire rescue may not withdraw the office's result, nor even see it.
    response = client(world.users["partner"]).post(
        f"/publication/published/{published.pk}/withdraw/", {"reason": "x"})
    assert response.status_code == 404


def test_the_leader_approves_a_redaction_on_the_page(world, approved):
    url = f"/publication/results/{approved.office[0].pk}/redaction/"
    leader = client(world.users["leader"])
    assert leader.get(url).status_code == 200
    response = leader.post(url, {"fields": ["uscc"], "basis": "trade_secret",
                                 "reason": "涉及商业秘密"})
    assert response.status_code == 302
    assert Redaction.objects.get().fields == ["uscc"]
    assert client(world.users["partner"]).get(url).status_code == 404
    assert client(world.users["section"]).get(url).status_code == 403


def test_exports_are_created_and_downloaded_by_their_organisation_only(world, approved):
    services.result_publish(actor=world.users["office"], inspection=approved.office[0])
    office = client(world.users["office"])
    response = office.post("/publication/exports/", {"channel": "national", "format": "csv",
                                                     "organisation": world.office.pk})
    assert response.status_code == 302
    batch = ExportBatch.objects.get()
    assert batch.size == 1
    assert AuditEvent.objects.filter(action="export.create").exists()
    download = office.get(f"/publication/exports/{batch.pk}/download/")
    assert download.status_code == 200
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content).startswith(b"\xef\xbb\xbf")
    assert client(world.users["partner"]).get(
        f"/publication/exports/{batch.pk}/download/").status_code == 404
    assert client(world.users["leader"]).post(
        "/publication/exports/", {"channel": "city", "format": "csv",
                                  "organisation": world.office.pk}).status_code == 403
    assert client(world.users["inspector"]).get("/publication/").status_code == 403
