"""Large pools are frozen and drawn by the background worker; the pages follow the job."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.draws import jobs
from shuangsuiji.draws.models import DrawJob, DrawRecord, Freeze
from shuangsuiji.draws.services import record_for_export
from shuangsuiji.inspectors.models import Conflict, Inspector
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.rules.draw.verify import verify

from .test_draw_pages import ceremony_payload


@pytest.fixture(autouse=True)
def every_pool_is_large(settings):
    settings.SHUANGSUIJI_BACKGROUND_DRAW_FROM = 10  # the seed's 37 candidates


def _freeze_payload():
    when = timezone.localtime() + timedelta(hours=2)
    return {"planned_draw_at": when.strftime("%Y-%m-%dT%H:%M"), "confirm": "on"}


def _status(client, job):
    return client.get(reverse("draws:job_status", args=[job.task_id, job.pk])).json()


def test_freeze_and_draw_run_in_the_background_and_the_pages_follow(
        login, seed, django_capture_on_commit_callbacks):
    client = login("office")
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("draws:freeze", args=[seed.task.pk]), _freeze_payload())
    job = DrawJob.objects.get(task=seed.task, kind="freeze")
    assert response["Location"] == reverse("draws:job", args=[seed.task.pk, job.pk])
    assert not Freeze.objects.exists() and job.status == "queued" and len(queued) == 1
    waiting = client.get(response["Location"]).content.decode()
    assert "<progress" in waiting and "progress.js" in waiting and 'http-equiv="refresh"' in waiting
    assert _status(client, job) == {"status": "queued", "label": "Waiting for the worker",
                                    "running": True, "progress": None}
    queued[0]()  # the worker (the immediate backend runs the task at once)
    job.refresh_from_db()
    assert job.status == "done" and job.started_at and job.finished_at
    assert Freeze.objects.get(task=seed.task).pool_size == 37
    assert _status(client, job)["running"] is False
    assert "<progress" not in client.get(response["Location"]).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("draws:ceremony", args=[seed.task.pk]),
                               ceremony_payload())
    job = DrawJob.objects.get(task=seed.task, kind="draw")
    assert response["Location"] == reverse("draws:job", args=[seed.task.pk, job.pk])
    assert job.status == "done" and job.created_by.username == "office"
    draw = DrawRecord.objects.get(task=seed.task)
    assert draw.witnesses == ["王新根", "李华（纪检）"] and draw.present == ["张三", "李四"]
    assert verify(record_for_export(seed.task, public=False)) is None
    done = client.get(response["Location"]).content.decode()
    assert reverse("draws:result", args=[seed.task.pk]) in done
    assert AuditEvent.objects.filter(action__in=["freeze.queue", "draw.queue"]).count() == 2


def test_a_second_request_while_a_job_waits_is_refused(login, seed, frozen,
                                                      django_capture_on_commit_callbacks):
    client = login("office")
    with django_capture_on_commit_callbacks():
        client.post(reverse("draws:ceremony", args=[seed.task.pk]), ceremony_payload())
        response = client.post(reverse("draws:ceremony", args=[seed.task.pk]),
                               ceremony_payload())
    assert response.status_code == 409
    assert "already under way" in str(response.context["form"].non_field_errors())
    assert DrawJob.objects.filter(task=seed.task).count() == 1


def test_inputs_are_refused_at_once_not_by_the_worker(world, seed, frozen):
    from shuangsuiji.draws.services import DrawRefused

    for short, witnesses in (("123", ["王新根"]), ("1" * 20, [" "])):
        with pytest.raises(DrawRefused):
            jobs.draw_or_queue(actor=world.users["office"], task=seed.task,
                               ceremony_input=short, witnesses=witnesses, source="骰子")
    with pytest.raises(DrawRefused, match="is Frozen"):
        jobs.freeze_or_queue(actor=world.users["office"], task=seed.task,
                             planned_draw_at=timezone.now() + timedelta(hours=1))
    assert not DrawJob.objects.exists()


def test_the_worker_makes_a_large_records_file_once_the_draw_is_saved(
        login, seed, frozen, monkeypatch, django_capture_on_commit_callbacks):
    from shuangsuiji.draws import services

    monkeypatch.setattr(services, "BULK_DRAW_FROM", 0)  # the seed's pool by the bulk path
    with django_capture_on_commit_callbacks(execute=True):
        login("office").post(reverse("draws:ceremony", args=[seed.task.pk]),
                             ceremony_payload())
    draw = DrawRecord.objects.get(task=seed.task)
    assert DrawJob.objects.get(task=seed.task).status == "done"
    assert draw.record_file and "lines" not in draw.record["pool"]  # hashed, then made
    with draw.record_file.open("rb") as fh:
        assert verify(json.loads(fh.read())) is None


def test_a_failed_background_draw_says_why_and_draws_nothing(
        login, seed, frozen, django_capture_on_commit_callbacks):
    for inspector in Inspector.objects.filter(code__startswith="F"):
        for target in seed.targets:
            Conflict.objects.create(inspector=inspector, target=target, relation="interest",
                                    declared_by="office", reason="测试")
    client = login("office")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("draws:ceremony", args=[seed.task.pk]),
                               ceremony_payload())
    job = DrawJob.objects.get(task=seed.task)
    assert job.status == "failed" and "XFZD" in job.message
    assert not DrawRecord.objects.exists()
    assert InspectionTask.objects.get(pk=seed.task.pk).state == "frozen"
    assert AuditEvent.objects.filter(action="draw.failed").exists()
    text = client.get(response["Location"]).content.decode()
    assert "nothing was drawn" in text and reverse("draws:ceremony", args=[seed.task.pk]) in text
    jobs.draw_job_run(job.pk)  # a worker's retry does not run it again
    job.refresh_from_db()
    assert job.status == "failed"


def test_only_the_office_follows_its_jobs(login, seed, frozen,
                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        login("office").post(reverse("draws:ceremony", args=[seed.task.pk]),
                             ceremony_payload())
    job = DrawJob.objects.get(task=seed.task)
    for role in ("partner", "inspector", "other_office"):
        response = login(role).get(reverse("draws:job", args=[seed.task.pk, job.pk]))
        assert response.status_code in {403, 404}, role


def test_the_api_answers_202_with_the_job_to_follow(world, seed, frozen,
                                                    django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(world.users["office"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/tasks/{seed.task.pk}/draw/", {
            "ceremony_input": "1" * 20, "witnesses": ["王新根"], "source": "十面骰子"},
            format="json")
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["kind"] == "draw" and job["status"] == "queued"
    followed = client.get(job["url"])
    assert followed.status_code == 200 and followed.json()["status"] == "done"
    assert client.get(f"/api/v1/tasks/{seed.task.pk}/draw/").status_code == 200


def test_a_lost_job_no_longer_blocks_the_task(login, seed, frozen,
                                               django_capture_on_commit_callbacks):
    client = login("office")
    with django_capture_on_commit_callbacks():  # no worker ever runs it
        client.post(reverse("draws:ceremony", args=[seed.task.pk]), ceremony_payload())
    lost = DrawJob.objects.get(task=seed.task)
    DrawJob.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - jobs.ABANDONED_AFTER - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("draws:ceremony", args=[seed.task.pk]), ceremony_payload())
    lost.refresh_from_db()
    assert lost.status == "failed" and "Given up" in lost.message
    assert DrawJob.objects.get(task=seed.task, status="done")
    jobs.draw_job_run(lost.pk)  # if its worker wakes up after all, it does nothing
    assert DrawRecord.objects.filter(task=seed.task).count() == 1


def test_a_large_record_is_printed_by_the_worker_and_kept_until_it_changes(
        login, seed, drawn, settings, django_capture_on_commit_callbacks):
    from shuangsuiji.draws.services import draw_replace

    from .test_draw_pages import poppler

    settings.SHUANGSUIJI_PDF_AT_ONCE_MAX = 1  # the seed's 6 targets count as many
    client = login("office")
    url = reverse("draws:pdf", args=[seed.task.pk])
    with django_capture_on_commit_callbacks() as queued:
        response = client.get(url)
    job = DrawJob.objects.get(task=seed.task, kind="pdf")
    assert response["Location"] == reverse("draws:job", args=[seed.task.pk, job.pk])
    assert client.get(url)["Location"] == response["Location"]  # the same job, not a second
    assert "<progress" in client.get(response["Location"]).content.decode()
    assert login("section").get(response["Location"]).status_code == 200  # the office's staff
    assert login("partner").get(response["Location"]).status_code in {403, 404}
    client = login("office")  # one test client: signed in again as the office
    queued[0]()
    job.refresh_from_db()
    assert job.status == "done" and job.output.name.endswith(".pdf")
    pdf = client.get(url)
    body = b"".join(pdf.streaming_content)
    assert pdf.status_code == 200 and body.startswith(b"%PDF")
    assert drawn.record_digest in poppler("pdftotext", body).replace("\n", "")
    assert reverse("draws:pdf", args=[seed.task.pk]) in client.get(
        response["Location"]).content.decode()
    # A replacement changes the record: the kept PDF no longer shows it.
    draw_replace(actor=drawn.drawn_by, task=seed.task, ident=drawn.record["drawn"][0]["id"],
                 reason="已注销")
    with django_capture_on_commit_callbacks(execute=True):
        again = client.get(url)
    assert again.status_code == 302 and DrawJob.objects.filter(kind="pdf").count() == 2
    newer = DrawJob.objects.filter(kind="pdf").latest("created_at")
    assert newer.status == "done" and newer.inputs["replacements"] == 1


def test_the_api_queues_the_freeze_of_a_large_pool(world, seed,
                                                   django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(world.users["office"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/tasks/{seed.task.pk}/freeze/", {
            "planned_draw_at": (timezone.now() + timedelta(hours=2)).isoformat()},
            format="json")
    assert response.status_code == 202, response.content
    assert response.json()["kind"] == "freeze"
    assert client.get(response.json()["url"]).json()["status"] == "done"
    assert Freeze.objects.get(task=seed.task).pool_size == 37
