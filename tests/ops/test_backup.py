"""`shuangsuiji backup` and `restore`: one archive of the database, the private files and the
audit anchors, restored into an empty database with the audit chain and every draw record
proved; a damaged archive or a database that is not empty refused before anything is written."""

import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.db import connection

from shuangsuiji.core import anchors
from shuangsuiji.draws.models import DrawRecord
from shuangsuiji.ops import backups
from tests.inspections.conftest import drawn_task, private_files  # noqa: F401 fixtures

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _shuangsuiji(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "SHUANGSUIJI_"))}
    return subprocess.run([sys.executable, "-m", "shuangsuiji.cli", *args], cwd=ROOT,
                          env=keep | {"DJANGO_DEBUG": "1"} | env, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.fixture
def target_database(tmp_path):
    """An empty database of the same kind as the tests', and its URL; dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    db = connection.settings_dict
    name = f"restore_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    yield f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _evidence(settings) -> Path:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    path = root / "evidence" / "2026" / "11" / "photo.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8 a photo")
    return path


def test_a_backup_restores_into_an_empty_database_and_proves_it(
        drawn_task, settings, tmp_path, target_database, allow_audit_flush):  # noqa: F811
    _evidence(settings)
    made = backups.backup(tmp_path / "b.tar")
    assert made.files == 1 and made.head == anchors.current().text
    assert (tmp_path / "b.tar.sha256").read_text().startswith(made.sha256)
    with tarfile.open(made.path) as tar:
        assert {"manifest.json", "database.dump", "anchors.txt",
                "files/evidence/2026/11/photo.jpg"} <= set(tar.getnames())
    data = tmp_path / "restored-data"
    done = _shuangsuiji(["restore", str(made.path)],
                        {"DATABASE_URL": target_database, "SHUANGSUIJI_DATA_DIR": str(data)})
    assert done.returncode == 0, done.stderr
    assert "draw records verified 1" in done.stdout and done.stdout.strip().endswith("OK")
    assert (data / "private/evidence/2026/11/photo.jpg").read_bytes() == b"\xff\xd8 a photo"
    audit = _shuangsuiji(["audit", "verify", "--anchor", made.head],
                         {"DATABASE_URL": target_database, "SHUANGSUIJI_DATA_DIR": str(data)})
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert DrawRecord.objects.count() == 1
    # Into the same database again: it is no longer empty.
    again = _shuangsuiji(["restore", str(made.path)],
                         {"DATABASE_URL": target_database, "SHUANGSUIJI_DATA_DIR": str(data)})
    assert again.returncode != 0 and "not empty" in again.stderr


def test_a_damaged_archive_is_refused_before_anything_is_written(
        drawn_task, settings, tmp_path, target_database, allow_audit_flush):  # noqa: F811
    _evidence(settings)
    made = backups.backup(tmp_path / "b.tar")
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(made.path) as src, tarfile.open(damaged, "w") as dst:
        for member in src.getmembers():
            content = src.extractfile(member).read()
            if member.name.startswith("files/"):
                content = b"a different photo"
                member.size = len(content)
            dst.addfile(member, __import__("io").BytesIO(content))
    data = tmp_path / "restored-data"
    done = _shuangsuiji(["restore", str(damaged)],
                        {"DATABASE_URL": target_database, "SHUANGSUIJI_DATA_DIR": str(data)})
    assert done.returncode != 0 and "damaged" in done.stderr
    assert not (data / "private").exists()
    with pytest.raises(backups.BackupError, match="exists"):
        backups.backup(made.path)  # never over an earlier backup
