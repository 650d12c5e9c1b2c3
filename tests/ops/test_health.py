"""/healthz answers while the process lives; /readyz names what keeps the node from serving."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from shuangsuiji.config import health


def test_healthz_answers_anyone_without_a_sign_in():
    response = Client().get("/healthz")
    assert response.status_code == 200 and json.loads(response.content) == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ready_with_a_database_an_idle_queue_and_room():
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "worker": "ok",
                                            "disk": "ok"}


@pytest.mark.django_db
def test_readyz_says_the_worker_stalled_when_a_ready_job_waits_too_long():
    job = DBTaskResult.objects.create(
        status="READY", task_path="shuangsuiji.notices.outbox.deliver_task", args_kwargs={},
        queue_name="default", backend_name="default", priority=0, run_after=get_date_max())
    DBTaskResult.objects.filter(pk=job.pk).update(
        enqueued_at=timezone.now() - health.READY_JOB_WAIT - timedelta(minutes=1))
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["worker"] == "stalled"
    # A job scheduled to run only a minute ago is not late.
    DBTaskResult.objects.filter(pk=job.pk).update(run_after=timezone.now() - timedelta(minutes=1))
    assert Client().get("/readyz").status_code == 200


@pytest.mark.django_db
def test_readyz_says_the_disk_is_low(monkeypatch):
    monkeypatch.setattr(health, "MIN_FREE_BYTES", 1 << 62)  # more than any disk
    response = Client().get("/readyz")
    assert response.status_code == 503 and json.loads(response.content)["disk"] == "low"
