"""Backup and restore: the database, the private files and the audit anchors in one archive.

An archive is a tar file holding `database.dump` (PostgreSQL: pg_dump's custom format; SQLite:
a copy made by SQLite's online backup), `files/` (the private files, from their directory or bucket:
evidence, signatures, imports, exports, record files), `anchors.txt` (the audit anchor file if
one is kept, and the head of the audit chain at the backup) and `manifest.json` (each member's
SHA-256). A restore checks every member against the manifest before it writes anything, loads
the database into an empty one, puts the files back and then proves what it restored: the
audit chain recomputed up to the head recorded at the backup, and every draw record verified.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from shuangsuiji.core import anchors, storage
from shuangsuiji.core.audit import verify_chain
from shuangsuiji.draws import records
from shuangsuiji.draws.models import DrawRecord
from shuangsuiji.rules.draw import verify_file

FORMAT = 1
Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message says why."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _database_url_parts() -> dict[str, Any]:
    db = connection.settings_dict
    return {"dbname": db["NAME"], "user": db.get("USER") or "", "host": db.get("HOST") or "",
            "port": str(db.get("PORT") or ""), "password": db.get("PASSWORD") or ""}


def _pg_args() -> tuple[list[str], dict[str, str]]:
    parts = _database_url_parts()
    args = [f"--dbname={parts['dbname']}"]
    if parts["host"]:
        args.append(f"--host={parts['host']}")
    if parts["port"]:
        args.append(f"--port={parts['port']}")
    if parts["user"]:
        args.append(f"--username={parts['user']}")
    env = {"PGPASSWORD": parts["password"]} if parts["password"] else {}
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=os.environ | env, capture_output=True, text=True,  # noqa: S603 our argv
                          check=False)
    if done.returncode:
        raise BackupError(f"{command[0]}: {done.stderr.strip() or done.returncode}")


def _dump_database(out: Path) -> str:
    if connection.vendor == "postgresql":
        args, env = _pg_args()
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={out}",
              *args], env)
        return "postgresql"
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(out)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return "sqlite"
    raise BackupError(f"no backup for the {connection.vendor} database")


def _private_files(work: Path) -> Iterator[tuple[str, Path]]:
    """(stored name, a path with its bytes): the file itself on a directory, a copy fetched
    into `work` from object storage."""
    root = storage.local_directory(default_storage)
    if root is not None:
        if root.is_dir():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                yield path.relative_to(root).as_posix(), path
        return
    for name in storage.walk(default_storage):
        copy = work / "files" / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        with copy.open("wb") as out:
            storage.copy_out(default_storage, name, out)
        yield name, copy


@dataclass
class Backup:
    path: Path
    sha256: str
    files: int
    head: str


def backup(out: Path, *, progress: Progress = lambda step: None) -> Backup:
    """Write an archive to `out` (never over an existing file); its SHA-256 beside it."""
    if out.exists():
        raise BackupError(f"{out} exists: a backup never overwrites one")
    head = anchors.current().text
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        progress("database")
        vendor = _dump_database(work / "database.dump")
        anchor_lines = [f"{head} backup {timezone.now().isoformat()}"]
        anchor_file = settings.SHUANGSUIJI_AUDIT_ANCHOR_FILE
        if anchor_file and Path(anchor_file).is_file():
            anchor_lines = [*Path(anchor_file).read_text("utf-8").splitlines(), *anchor_lines]
        (work / "anchors.txt").write_text("\n".join(anchor_lines) + "\n", "utf-8")
        members = {"database.dump": work / "database.dump", "anchors.txt": work / "anchors.txt"}
        for name, path in _private_files(work):
            members[f"files/{name}"] = path
        progress("checksums")
        manifest = {"format": FORMAT, "vendor": vendor, "created_at": timezone.now().isoformat(),
                    "audit_head": head,
                    "members": {name: _sha256(path) for name, path in members.items()}}
        (work / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True),
                                            "utf-8")
        progress("archive")
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            tar.add(work / "manifest.json", arcname="manifest.json")
            for name, path in members.items():
                tar.add(path, arcname=name)
        partial.rename(out)  # a backup that stopped half-way is never taken for one
    digest = _sha256(out)
    out.with_name(out.name + ".sha256").write_text(f"{digest}  {out.name}\n", "utf-8")
    return Backup(out, digest, len(members) - 2, head)


@dataclass
class Restored:
    files: int
    head: str
    records: int
    problems: list[str] = field(default_factory=list)


def _extract(archive: Path, into: Path) -> dict[str, Any]:
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")  # no links out, no absolute paths
    manifest_path = into / "manifest.json"
    if not manifest_path.is_file():
        raise BackupError("not a backup of this platform: no manifest.json")
    manifest = json.loads(manifest_path.read_text("utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')} is not {FORMAT}")
    for name, digest in manifest["members"].items():
        member = into / name
        if not member.is_file() or _sha256(member) != digest:
            raise BackupError(f"{name} does not match the manifest: the archive is damaged")
    extra = {p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file()}
    extra -= {*manifest["members"], "manifest.json"}
    if extra:
        raise BackupError(f"files not in the manifest: {sorted(extra)[:5]}")
    return manifest


def _database_is_empty() -> bool:
    return not any(t for t in connection.introspection.table_names() if t != "django_migrations")


def _restore_database(dump: Path, vendor: str) -> None:
    if vendor != connection.vendor:
        raise BackupError(f"a {vendor} backup cannot go into {connection.vendor}")
    if not _database_is_empty():
        raise BackupError("the database is not empty: restore into a new, empty database")
    if vendor == "postgresql":
        args, env = _pg_args()
        connection.close()
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *args,
              str(dump)], env)
        return
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def check_restored(head: str) -> tuple[int, list[str]]:
    """The audit chain intact up to `head` and every draw record verified: how many records,
    and what failed."""
    problems: list[str] = []
    chain = verify_chain()
    if chain is not None:
        problems.append(f"audit log: {chain.message}")
    if anchors.current().text != head:
        problems.append(f"audit log: head {anchors.current().text}, the backup's {head}")
    count = 0
    for draw in DrawRecord.objects.select_related("task").iterator():
        count += 1
        with tempfile.NamedTemporaryFile(suffix=".json") as fh:
            for chunk in records.record_chunks(draw.task, public=False):
                fh.write(chunk)
            fh.flush()
            problem = verify_file.verify_path(fh.name)
        if problem is not None:
            problems.append(f"draw record of {draw.task.code}: {problem}")
    return count, problems


def _put_back(name: str, path: Path) -> None:
    """The file under its own name in the private storage (directory or bucket)."""
    if default_storage.exists(name):
        default_storage.delete(name)
    with path.open("rb") as fh:
        saved = default_storage.save(name, File(fh, name=name))
    if saved != name:
        raise BackupError(f"{name} was stored as {saved}")


def restore(archive: Path, *, progress: Progress = lambda step: None) -> Restored:
    """Restore an archive into the empty database DATABASE_URL names and the data directory,
    then check what was restored."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        progress("checksums")
        manifest = _extract(archive, work)
        progress("database")
        _restore_database(work / "database.dump", manifest["vendor"])
        progress("files")
        files = 0
        for name in manifest["members"]:
            if name.startswith("files/"):
                _put_back(name.removeprefix("files/"), work / name)
                files += 1
        anchor_file = settings.SHUANGSUIJI_AUDIT_ANCHOR_FILE
        if anchor_file and not Path(anchor_file).exists():
            shutil.copy2(work / "anchors.txt", anchor_file)
    progress("checks")
    count, problems = check_restored(manifest["audit_head"])
    return Restored(files, manifest["audit_head"], count, problems)
