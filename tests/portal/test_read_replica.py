"""The public portal reads from a real PostgreSQL streaming replica (config/db_router.py).

The test starts its own primary (initdb, wal_level=replica) and a hot standby made from it by
pg_basebackup -R, each on a port of its own in a temporary directory, migrates and writes on
the primary and runs gunicorn with the production settings and DATABASE_REPLICA_URL. The
proof that a page is the replica's: with replay paused (pg_wal_replay_pause), a row present
only on the primary is missing from the portal's page and the public API, while a complaint
posted on the portal is written and read back from the primary. A second server with a
one-second lag bound reads the primary instead, and so does the first once the replica stops.

It runs on either pass of the suite (its databases are its own); it is skipped only where the
PostgreSQL server programs are not installed. As root (CI), PostgreSQL runs as `postgres`.
"""

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent.parent
DB = "shuangsuiji"


def _bindir() -> Path | None:
    """The server programs: pg_config's, else Debian's newest /usr/lib/postgresql/N/bin."""
    found = shutil.which("pg_config")
    candidates = []
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(Path(out.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                         key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
                         reverse=True)
    for path in candidates:
        if all((path / name).exists() for name in ("initdb", "pg_ctl", "pg_basebackup")):
            return path
    return None


BIN = _bindir()
pytestmark = pytest.mark.skipif(BIN is None, reason="PostgreSQL server programs not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: CI runs the suite as root."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _pg(program: str, *args: str, timeout: int = 60) -> None:
    assert BIN is not None
    done = subprocess.run(_as_postgres([str(BIN / program), *args]), capture_output=True,
                          text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"{program}: {done.stdout}\n{done.stderr}"


@dataclass
class Pair:
    primary_port: int
    replica_port: int
    env: dict[str, str]
    patient: str  # gunicorn reading the replica however far behind (within an hour)
    strict: str  # gunicorn reading the replica only within a second of the primary

    def url(self, port: int) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{DB}"

    def connect(self, port: int) -> psycopg.Connection:
        return psycopg.connect(self.url(port), autocommit=True, connect_timeout=5)

    def scalar(self, port: int, sql: str) -> object:
        with self.connect(port) as conn:
            row = conn.execute(sql).fetchone()
        return row[0] if row else None

    def manage(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def wait_replayed(self) -> None:
        """Until the replica has replayed everything the primary has written."""
        target = self.scalar(self.primary_port, "SELECT pg_current_wal_lsn()::text")
        for _ in range(300):
            if self.scalar(self.replica_port,
                           f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
                return
            time.sleep(0.05)
        raise AssertionError("the replica did not catch up in 15 s")

    def pause(self) -> None:
        self.wait_replayed()
        with self.connect(self.replica_port) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")
            for _ in range(100):
                state = conn.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()
                if state and state[0] == "paused":
                    return
                time.sleep(0.05)
        raise AssertionError("replay did not pause")

    def resume(self) -> None:
        with self.connect(self.replica_port) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")
        self.wait_replayed()

    def take_anchor(self) -> None:
        """A new row on the primary (the chain's head again, as `audit anchor` would)."""
        with self.connect(self.primary_port) as conn:
            conn.execute("INSERT INTO core_auditanchor (seq, hash, taken_at, reason, "
                         "object_type, object_id, note) SELECT seq, hash, now(), 'manual', "
                         "'', '', '' FROM core_auditanchor ORDER BY id DESC LIMIT 1")

    def anchors(self, port: int) -> int:
        return int(self.scalar(port, "SELECT count(*) FROM core_auditanchor"))  # type: ignore[arg-type]


def _configure(data: Path, port: int, sockets: Path) -> None:
    """A throwaway primary: streaming on, durability off (nothing here outlives the test)."""
    settings = {"listen_addresses": "'127.0.0.1'", "port": str(port),
                "unix_socket_directories": f"'{sockets}'", "wal_level": "replica",
                "max_wal_senders": "4", "hot_standby": "on", "fsync": "off",
                "synchronous_commit": "off", "full_page_writes": "off",
                "shared_buffers": "32MB", "max_connections": "40"}
    with (data / "postgresql.conf").open("a") as conf:
        conf.writelines(f"{key} = {value}\n" for key, value in settings.items())


def _start_server(pair_env: dict[str, str], log: Path, max_lag: int) -> tuple[subprocess.Popen,
                                                                             str]:
    port = _free_port()
    env = pair_env | {"SHUANGSUIJI_REPLICA_MAX_LAG_SECONDS": str(max_lag)}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "shuangsuiji.config.wsgi", "-w", "1",
         "-b", f"127.0.0.1:{port}", "--timeout", "120", "--graceful-timeout", "2"],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log.open("w"),
        stderr=subprocess.STDOUT)
    return server, f"http://127.0.0.1:{port}"


def _wait_up(base: str) -> None:
    for _ in range(600):
        try:
            requests.get(base + "/healthz", timeout=60)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"{base} did not start")


def _scratch() -> str | None:
    """Memory (tmpfs) where there is room: two clusters' thousands of files are made and
    removed there in no time, where a disk that discards on delete takes seconds."""
    shm = Path("/dev/shm")  # noqa: S108 (a directory of our own is made in it)
    if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 1 << 30:
        return str(shm)
    return None


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    """A primary and its streaming replica, migrated, with one entity and one anchor, and two
    gunicorn servers reading from them."""
    if os.geteuid() == 0:
        assert shutil.which("runuser"), "runuser is needed to run PostgreSQL as root"
    top = Path(tempfile.mkdtemp(prefix="shuangsuiji-replica-", dir=_scratch()))
    if os.geteuid() == 0:
        shutil.chown(top, "postgres", "postgres")
    primary, replica = top / "primary", top / "replica"
    ports = _free_port(), _free_port()
    servers: list[subprocess.Popen] = []
    started: list[Path] = []
    try:
        _pg("initdb", "-D", str(primary), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--locale=C.UTF-8", "-N")
        _configure(primary, ports[0], top)
        _pg("pg_ctl", "-D", str(primary), "-l", str(top / "primary.log"), "-w", "start")
        started.append(primary)
        with psycopg.connect(f"postgres://postgres@127.0.0.1:{ports[0]}/postgres",
                             autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DB}")
        _pg("pg_basebackup", "-h", "127.0.0.1", "-p", str(ports[0]), "-U", "postgres",
            "-D", str(replica), "-R", "-X", "stream", "-c", "fast")
        _pg("pg_ctl", "-D", str(replica), "-o", f"-p {ports[1]}", "-l",
            str(top / "replica.log"), "-w", "start")
        started.append(replica)

        keep = {k: v for k, v in os.environ.items()
                if not k.startswith(("DJANGO_", "DATABASE_", "SHUANGSUIJI_"))}
        data = top / "var"
        data.mkdir()
        env = keep | {
            "DJANGO_SETTINGS_MODULE": "shuangsuiji.config.settings",
            # DEBUG: the static files by their names, without collectstatic's manifest.
            "DJANGO_DEBUG": "1", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0", "DJANGO_LOG_LEVEL": "WARNING",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{ports[0]}/{DB}",
            "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{ports[1]}/{DB}",
            "SHUANGSUIJI_DATA_DIR": str(data)}
        made = Pair(ports[0], ports[1], env, "", "")
        # The servers load the application while the primary is migrated (no database yet).
        for name, lag in (("patient", 3600), ("strict", 1)):
            server, base = _start_server(env, top / f"{name}.log", lag)
            servers.append(server)
            setattr(made, name, base)
        # With the replica configured: migrations must leave the (read-only) replica alone.
        migrate = subprocess.Popen([sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
                                   cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        servers.append(migrate)
        for base in (made.patient, made.strict):
            _wait_up(base)
        _out, err = migrate.communicate(timeout=300)
        assert migrate.returncode == 0, err
        made.manage("shell", "-c", SEED)
        made.wait_replayed()
        yield made
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        for log in sorted(top.glob("*.log")):  # shown with a failing test's report
            lines = log.read_text(errors="replace").splitlines()[-30:]
            print(f"--- {log.name}", *lines, sep="\n", file=sys.stderr)
        for data_dir in reversed(started):
            subprocess.run(_as_postgres([str(BIN / "pg_ctl"), "-D", str(data_dir), "-m",  # type: ignore[operator]
                                         "immediate", "stop"]),
                           capture_output=True, timeout=60, check=False)
        shutil.rmtree(top, ignore_errors=True)


# An office and an entity in its directory (what a complaint on the portal names), and the
# first audit anchor.
SEED = """
from django.db import transaction
from shuangsuiji.core import anchors
from shuangsuiji.accounts.models import Department
from shuangsuiji.entities.models import Target
office = Department.objects.create(code="RFB", name="晋城市人民防空办公室", kind="office",
                                   region_code="140500")
Target.objects.create(department=office, uscc="91140500MA0K0K0K0K", name="晋城市示例商贸有限公司")
with transaction.atomic():
    anchors.anchor_take(reason="manual")
"""


def _api_anchors(base: str) -> int:
    answer = requests.get(base + "/api/v1/public/anchors/", timeout=30)
    assert answer.status_code == 200, answer.text[:500]
    return len(answer.json())


def _page_anchors(base: str) -> int:
    answer = requests.get(base + "/public/audit-anchors/", timeout=30)
    assert answer.status_code == 200, answer.text[:500]
    return answer.text.count('<td class="digest">')


def _replica_state(base: str) -> str:
    return requests.get(base + "/readyz", timeout=30).json()["replica"]


def test_the_portal_reads_the_replica_and_a_write_reads_the_primary(pair: Pair):
    before = pair.anchors(pair.primary_port)
    assert _replica_state(pair.patient) == "ok"
    assert _api_anchors(pair.patient) == _page_anchors(pair.patient) == before >= 1
    pair.pause()
    try:
        pair.take_anchor()
        # The new anchor is on the primary only.
        assert pair.anchors(pair.primary_port) == before + 1
        assert pair.anchors(pair.replica_port) == before
        # The portal's page and the public API do not show it: they read the replica.
        assert _api_anchors(pair.patient) == before
        assert _page_anchors(pair.patient) == before
        # The complaint form: its GET reads the replica, its POST writes the primary and
        # reads back what it wrote (the receipt) from there.
        target = pair.scalar(pair.primary_port, "SELECT id FROM entities_target")
        browser = requests.Session()
        form = browser.get(f"{pair.patient}/public/complaints/new/?target={target}",
                           timeout=30)
        assert form.status_code == 200
        assert "晋城市示例商贸有限公司" in form.text  # the entity, read from the replica
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert token is not None
        receipt = browser.post(f"{pair.patient}/public/complaints/new/", timeout=30, data={
            "csrfmiddlewaretoken": token.group(1), "target": str(target),
            "summary": "人防工程被占用堆放杂物。", "anonymous": "on"})
        assert receipt.status_code == 200, receipt.text[:2000]
        code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", receipt.text)
        assert code is not None, receipt.text[:2000]
        count = "SELECT count(*) FROM credit_complaint"
        assert pair.scalar(pair.primary_port, count) == 1
        assert pair.scalar(pair.replica_port, count) == 0
        # The look-up by tracking code is a POST: it reads the primary, which has it.
        status = browser.post(f"{pair.patient}/public/complaints/status/", timeout=30, data={
            "csrfmiddlewaretoken": token.group(1), "code": code.group(0)})
        assert status.status_code == 200
        assert "晋城市示例商贸有限公司" in status.text
        assert "No complaint has this tracking code" not in status.text
        assert "没有这个查询码的投诉" not in status.text
    finally:
        pair.resume()
    # Replayed: the replica has it all, and so the portal.
    assert _api_anchors(pair.patient) == _page_anchors(pair.patient) == before + 1


def test_a_replica_behind_the_bound_or_down_is_passed_over(pair: Pair):
    before = pair.anchors(pair.primary_port)
    pair.pause()
    paused_at = time.monotonic()
    try:
        pair.take_anchor()
        time.sleep(max(0.0, 1.5 - (time.monotonic() - paused_at)))
        # More than a second behind: the strict server reads the primary, the patient one
        # still the replica.
        assert _api_anchors(pair.strict) == before + 1
        assert _page_anchors(pair.strict) == before + 1
        assert _api_anchors(pair.patient) == before
        assert _replica_state(pair.strict) == "behind"
        assert _replica_state(pair.patient) == "ok"
    finally:
        pair.resume()
    _pg("pg_ctl", "-D", str(Path(pair.env["SHUANGSUIJI_DATA_DIR"]).parent / "replica"),
        "-m", "fast", "stop")
    pair.take_anchor()
    # The replica is down: the portal answers from the primary, without waiting long.
    started = time.monotonic()
    assert _api_anchors(pair.patient) == before + 2
    assert time.monotonic() - started < 3
    assert _page_anchors(pair.patient) == before + 2
    assert _replica_state(pair.patient) == "unavailable"

