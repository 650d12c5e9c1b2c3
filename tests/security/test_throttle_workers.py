"""Password guessing against the API's throttles under several worker processes.

The attack: `gunicorn -w 4` in front of the API token endpoint ("20/min" per address) and a
partner key's own limit; an attacker fires more requests than the limit, in parallel, and
counts how many got past. With a cache per process (and DRF's read-then-write history), 59 of
80 guesses passed in a minute. Here a real gunicorn with four workers runs the production
settings against the test database, with the database cache (the embedded default) and with
Redis, and at most the limit may pass. Also: a client-set X-Forwarded-For does not buy a fresh
allowance.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from shuangsuiji.credit import services as credit

ROOT = Path(__file__).resolve().parent.parent.parent
REDIS = ("127.0.0.1", 6379)
TOKEN_LIMIT = 20  # accounts.api.TokenThrottle
PARTNER_LIMIT = 10


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(tmp_path: Path, cache_url: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "SHUANGSUIJI_"))}
    return keep | {
        "DJANGO_SETTINGS_MODULE": "shuangsuiji.config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": _database_url(),
        "SHUANGSUIJI_DATA_DIR": str(tmp_path),
        "SHUANGSUIJI_CACHE_URL": cache_url,
        # A fresh namespace: counters of an earlier run must not count here.
        "SHUANGSUIJI_CACHE_KEY_PREFIX": "test-" + secrets.token_hex(6),
    }


def _post(url: str, body: dict, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1)
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json"} | (headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:  # noqa: S310
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _get(url: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:  # noqa: S310
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture(params=["database", "redis"])
def four_workers(request, transactional_db, allow_audit_flush, tmp_path):
    """gunicorn -w 4 with the production settings on the test database; yields its URL."""
    # .ci/run starts Redis when it is down: an unreachable Redis fails, it does not skip.
    assert request.param != "redis" or _redis_reachable(), "Redis is not reachable on :6379"
    cache_url = "redis://127.0.0.1:6379/0" if request.param == "redis" else ""
    env = _server_env(tmp_path, cache_url)
    # What `migrate` does for a production database (the test one was made with the test
    # settings' in-memory cache): the database cache's table.
    made = subprocess.run([sys.executable, "manage.py", "createcachetable"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert made.returncode == 0, made.stderr
    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "shuangsuiji.config.wsgi", "-w", "4",
         "-b", f"127.0.0.1:{port}", "--timeout", "120"],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/api/v1/", timeout=5)  # noqa: S310
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.1)
        # Every worker imports the URLconf on its first request: let them all do it now.
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _i: _get(base + "/api/v1/", {}), range(16)))
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _fire(calls: int, call) -> list[int]:
    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(lambda _i: call(), range(calls)))
    # All inside the throttles' minute, or the test proves nothing.
    assert time.monotonic() - started < 55, "slower than the throttles' minute"
    return codes


def test_it_lets_at_most_the_limit_of_guesses_through_four_workers(four_workers, world):
    def guess() -> int:
        return _post(four_workers + "/api/v1/auth/token/",
                     {"username": "office", "password": secrets.token_urlsafe(8)})

    # Each guess that reaches the password check costs a PBKDF2 hash: enough guesses to pass
    # the limit twice over, few enough to fit in the minute on a small machine without one.
    codes = _fire(2 * TOKEN_LIMIT + 5, guess)
    passed = [code for code in codes if code != 429]
    assert not [code for code in codes if code >= 500]
    # Those that passed the throttle were refused (400) or, past the lockout, locked (403).
    assert set(passed) <= {400, 403}
    assert TOKEN_LIMIT // 2 <= len(passed) <= TOKEN_LIMIT, codes

    _token, key = credit.partner_token_create(
        actor=world.users["office"], name="市信用平台", organisation_id=world.office.pk,
        rate_per_minute=PARTNER_LIMIT)

    def query() -> int:
        return _get(four_workers + "/api/v1/credit-files/91140500MA0K0K0K0K/",
                    {"Authorization": f"Partner {key}"})

    codes = _fire(3 * PARTNER_LIMIT, query)
    passed = [code for code in codes if code != 429]
    assert set(passed) <= {404}, codes
    assert PARTNER_LIMIT // 2 <= len(passed) <= PARTNER_LIMIT, codes


@pytest.mark.django_db
def test_it_does_not_let_a_forged_forwarded_for_reset_the_allowance():
    cache.clear()
    client = APIClient()
    codes = [client.post("/api/v1/auth/token/", {"username": "x", "password": "y"},
                         format="json", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
             for i in range(TOKEN_LIMIT + 5)]
    assert codes.count(429) == 5
    cache.clear()


def test_migrate_makes_the_cache_table_of_a_production_database(tmp_path):
    """The throttles' table comes with `migrate`: no installation can forget createcachetable."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("database-independent; runs in the SQLite pass of the suite")
    database = tmp_path / "db.sqlite3"
    env = _server_env(tmp_path, "") | {"DATABASE_URL": f"sqlite:///{database}"}
    result = subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stderr
    import sqlite3

    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert "shuangsuiji_cache" in tables
