"""An import whose worker was killed mid-check stayed "checking" forever with its staged rows
(issue 18 §4): with no heartbeat for SHUANGSUIJI_IMPORT_STUCK_MINUTES it is marked failed,
with the reason, its staged rows deleted, and the expiry audited."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.imports import services
from shuangsuiji.imports.choices import ImportStatus
from shuangsuiji.imports.models import ImportJob, StagedTarget

from .conftest import CODE_B, check, csv_bytes, licence_row

pytestmark = pytest.mark.django_db


def killed_mid_check(world, *, minutes_ago: int, status=ImportStatus.VALIDATING) -> ImportJob:
    """A job left as a killed worker leaves it: running, rows staged, an old heartbeat."""
    job = check(world, csv_bytes([licence_row(), licence_row(name="乙公司", code=CODE_B,
                                                             number="XK-2")]))
    assert StagedTarget.objects.filter(job_id=job.pk).count() == 2
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, progress=40, heartbeat_at=timezone.now() - timedelta(minutes=minutes_ago))
    return job


def test_it_expires_a_check_whose_worker_was_killed(world, settings):
    settings.SHUANGSUIJI_IMPORT_STUCK_MINUTES = 30
    stuck = killed_mid_check(world, minutes_ago=31)
    out = io.StringIO()
    call_command("imports", "expire", stdout=out)
    stuck.refresh_from_db()
    assert stuck.status == ImportStatus.FAILED and stuck.finished_at is not None
    assert "30 minutes" in stuck.message and "worker was stopped" in stuck.message
    assert not StagedTarget.objects.filter(job_id=stuck.pk).exists()
    (event,) = AuditEvent.objects.filter(action="import.expire", object_id=str(stuck.pk))
    assert event.organisation_id == world.office.pk and event.data["status"] == "Checking"
    assert "1 imports expired" in out.getvalue()
    # Done once: a second run finds nothing.
    call_command("imports", "expire", stdout=io.StringIO())
    assert AuditEvent.objects.filter(action="import.expire").count() == 1


def test_it_leaves_a_job_that_is_making_progress(world):
    running = killed_mid_check(world, minutes_ago=5)
    assert services.expire_stuck_jobs() == []
    running.refresh_from_db()
    assert running.status == ImportStatus.VALIDATING
    assert StagedTarget.objects.filter(job_id=running.pk).count() == 2


def test_it_expires_a_commit_left_running(world):
    stuck = killed_mid_check(world, minutes_ago=45, status=ImportStatus.COMMITTING)
    (expired,) = services.expire_stuck_jobs()
    assert expired.pk == stuck.pk and expired.status == ImportStatus.FAILED
    assert not StagedTarget.objects.filter(job_id=stuck.pk).exists()


def test_the_import_list_page_shows_it_failed(world, client):
    stuck = killed_mid_check(world, minutes_ago=31)
    client.force_login(world.users["office"])
    page = client.get("/imports/").content.decode()
    stuck.refresh_from_db()
    assert stuck.status == ImportStatus.FAILED and "Failed" in page
    detail = client.get(f"/imports/{stuck.pk}/").content.decode()
    assert "worker was stopped" in detail and "<progress" not in detail


def test_the_progress_bar_stops_on_it(world, client):
    stuck = killed_mid_check(world, minutes_ago=31)
    client.force_login(world.users["office"])
    answer = client.get(f"/imports/{stuck.pk}/status.json").json()
    assert answer["status"] == ImportStatus.FAILED and answer["running"] is False


def test_a_check_expired_while_it_ran_stops_and_stays_failed(world):
    data = csv_bytes([licence_row(number=f"XK-{n}") for n in range(3000)])
    job = services.import_job_create(actor=world.users["office"], kind="targets",
                                     department=world.office, upload=io.BytesIO(data),
                                     original_name="许可.csv", background=False)
    later = timezone.now() + timedelta(hours=2)

    def expire_now(_fraction, _rows):  # someone judges it stuck while it runs
        services.expire_stuck_jobs(now=later)

    job = services.import_job_validate(job_id=job.pk, on_progress=expire_now)
    assert job.status == ImportStatus.FAILED and "worker was stopped" in job.message
    assert not StagedTarget.objects.filter(job_id=job.pk).exists()
