"""Private files in an S3-compatible bucket (SHUANGSUIJI_S3_*): evidence uploaded, read back
and downloaded through the bucket; a large draw's record file made into the bucket and read
from this node's checked cache; nothing else on the node's disk."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shuangsuiji.core import storage
from shuangsuiji.draws.models import DrawRecord
from shuangsuiji.draws.services import record_for_export
from shuangsuiji.inspections.models import Evidence, Inspection, Visit
from shuangsuiji.rules.canonical import canonical_json
from tests.draws.conftest import seed_task  # noqa: F401 fixture
from tests.draws.test_draw_flow import _draw, _freeze, on_the_draw_day  # noqa: F401 fixture
from tests.inspections.conftest import drawn_task  # noqa: F401 fixture
from tests.inspections.test_results import jpeg

pytestmark = pytest.mark.django_db


def files_under(path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


@pytest.mark.usefixtures("drawn_task")
def test_evidence_goes_to_the_bucket_and_comes_back_from_it(client, world, bucket, settings,
                                                            tmp_path):
    assert storage.local_directory(default_storage) is None  # the bucket, not a directory
    before = files_under(settings.DATA_DIR) if settings.DATA_DIR.exists() else []
    result = Inspection.objects.get(visit__task__code="RFB-2026-LH01",
                                    department=world.office, visit=Visit.objects.order_by("pk")
                                    .first())
    client.force_login(world.users["inspector"])
    response = client.post(reverse("inspections:evidence_upload", args=[result.pk]),
                           {"kind": "photo", "description": "消防通道",
                            "file": SimpleUploadedFile("现场.jpg", jpeg())})
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    stored = bucket.keys()
    assert stored == {evidence.file.name: jpeg()}  # in the bucket, under its random name
    assert evidence.file.name.startswith("evidence/")
    got = client.get(reverse("inspections:evidence", args=[evidence.pk]))
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    assert b"".join(got.streaming_content) == jpeg()
    assert got["Cache-Control"] == "private, no-store"  # streamed by the view, never a link
    page = client.get(reverse("inspections:result", args=[result.pk])).content.decode()
    assert reverse("inspections:evidence", args=[evidence.pk]) in page
    assert bucket.endpoint not in page  # no presigned address handed out
    # Nothing was written to this node's disk: no data directory files, no cache.
    assert (files_under(settings.DATA_DIR) if settings.DATA_DIR.exists() else []) == before
    assert not (tmp_path / "cache").exists()
    # Another organisation's user still gets 404, the bucket notwithstanding.
    client.force_login(world.users["other_office"])
    assert client.get(reverse("inspections:evidence", args=[evidence.pk])).status_code == 404


def test_a_large_record_file_is_kept_in_the_bucket_and_read_from_a_checked_cache(
        world, seed_task, monkeypatch, bucket, tmp_path):  # noqa: F811
    from shuangsuiji.draws import services

    _freeze(world, seed_task)
    monkeypatch.setattr(services, "BULK_DRAW_FROM", 0)
    _draw(world, seed_task)
    record = record_for_export(seed_task, public=False)  # makes the file, into the bucket
    draw = DrawRecord.objects.get(task=seed_task)
    assert bucket.keys()[draw.record_file.name] == canonical_json(record).encode()
    cached = tmp_path / "cache" / draw.record_file.name
    assert cached.read_bytes() == canonical_json(record).encode()  # mapped from here
    assert files_under(tmp_path / "cache" / "tmp") == []  # the scratch file is gone
    # A damaged cached copy (another length) is fetched again and checked.
    cached.write_bytes(b"{}")
    assert record_for_export(seed_task, public=False) == record
    assert cached.read_bytes() == canonical_json(record).encode()
    # A stored file that does not hash to the record digest is refused, never cached.
    cached.unlink()
    name = draw.record_file.name
    body = canonical_json(record).encode().replace(b'"drawn_at":"', b'"drawn_at":"X', 1)
    default_storage.delete(name)
    assert default_storage.save(name, ContentFile(body)) == name
    with pytest.raises(ValueError, match="digest"):
        record_for_export(seed_task, public=False)
    assert not cached.exists()


def test_the_settings_build_the_bucket_storage_from_the_environment(object_store, tmp_path):
    import subprocess
    import sys

    from tests.test_deploy import ROOT, production_env

    secret = tmp_path / "s3-secret"
    secret.write_text("from-a-file\n")
    env = production_env(tmp_path, **object_store.environment(),
                         SHUANGSUIJI_S3_SECRET_KEY_FILE=str(secret))
    probe = ("from django.conf import settings as s; o = s.STORAGES['default']; "
             "print(o['BACKEND'], o['OPTIONS']['bucket_name'], o['OPTIONS']['secret_key'], "
             "o['OPTIONS']['endpoint_url'])")
    done = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", probe],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].split() == [
        "storages.backends.s3.S3Storage", "shuangsuiji-private", "from-a-file",
        object_store.endpoint]


@pytest.mark.parametrize("shape", ["csv", "xlsx"])
def test_an_import_file_is_kept_in_the_bucket_checked_and_committed_from_it(world, bucket,
                                                                          shape):
    from shuangsuiji.entities.models import Target
    from shuangsuiji.imports.choices import ImportStatus
    from tests.imports.conftest import CODE_A, CODE_B, csv_bytes, licence_row, run, xlsx_bytes

    rows = [licence_row(), licence_row(name="晋城市乙商贸有限公司", code=CODE_B)]
    data = csv_bytes(rows) if shape == "csv" else xlsx_bytes(rows)
    job = run(world, data, name=f"许可信息.{shape}")
    assert job.status == ImportStatus.DONE, job.issues.values_list("reason", flat=True)
    assert (job.imported, job.rejected) == (2, 0)
    assert bucket.keys()[job.file.name] == data
    assert set(Target.objects.values_list("uscc", flat=True)) == {CODE_A, CODE_B}
