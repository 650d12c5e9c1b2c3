"""Two nodes behind one proxy: two gunicorn servers with their own working, data and
temporary directories, one database and one file store, and a browser that the proxy sends
to either. A task goes from claim to publication across them; the sign-in, the files, the
sign-in lockout and the API throttle hold whichever node a request reaches.

The servers run the production settings (DEBUG off, WhiteNoise's manifest), reading the
database the test wrote with the test process's keys; TLS ends at the proxy, so they are
spoken to in plain HTTP with the proxy's headers and without Secure-only cookies.
"""

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from shuangsuiji.inspections.models import Evidence, Inspection
from shuangsuiji.publication.models import PublishedResult
from tests.inspections.conftest import drawn_task as drawn_task  # noqa: PLC0414 fixture
from tests.inspections.test_results import jpeg, png
from tests.test_deploy import HOST, ROOT, production_env

from .conftest import free_port

pytestmark = pytest.mark.django_db(transaction=True)

FAILURES_ACCOUNT = 3


def database_url() -> str:
    """The test database, as the nodes reach it (the test process writes, they read)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return (f"postgres://{quote(db['USER'] or '', safe='')}{password}@{db['HOST'] or '127.0.0.1'}"
            f":{db['PORT'] or 5432}/{db['NAME']}")


@dataclass
class Node:
    name: str
    url: str
    workdir: Path


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory) -> Path:
    """`collectstatic` once for the module (it compresses every asset: slow)."""
    data = tmp_path_factory.mktemp("release")
    done = subprocess.run([sys.executable, str(ROOT / "manage.py"), "collectstatic",
                           "--no-input", "-v0"], cwd=data, env=production_env(data / "var"),
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    return data / "var" / "static"


@pytest.fixture
def nodes(settings, tmp_path, allow_audit_flush, collected_static) -> Iterator[dict[str, Node]]:
    # The production cache (the throttles' slots) is a table of the shared database; the
    # test settings keep it in memory, so the table is made here, empty.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                   "LOCATION": "shuangsuiji_cache"}}
    call_command("createcachetable", verbosity=0)
    cache.clear()
    shared = tmp_path / "shared-files"  # the one file store (an NFS mount in production)
    base_env = {"DATABASE_URL": database_url(), "DJANGO_SECRET_KEY": settings.SECRET_KEY,
                "SHUANGSUIJI_FIELD_KEY": settings.FIELD_ENCRYPTION_KEY,
                "SHUANGSUIJI_PRIVATE_DIR": str(shared),
                "DJANGO_SECURE_COOKIES": "0", "DJANGO_SECURE_SSL_REDIRECT": "0",
                "SHUANGSUIJI_LOGIN_FAILURES_ACCOUNT": str(FAILURES_ACCOUNT),
                "SHUANGSUIJI_LOGIN_FAILURES_ADDRESS": "100",
                "SHUANGSUIJI_TASK_BACKEND": "django_tasks_db.DatabaseBackend"}
    started: list[subprocess.Popen[bytes]] = []
    running: dict[str, Node] = {}
    try:
        for name in ("a", "b"):
            workdir = tmp_path / f"node-{name}"
            (workdir / "tmp").mkdir(parents=True)
            env = production_env(workdir / "var", **base_env,
                                 TMPDIR=str(workdir / "tmp"),
                                 SHUANGSUIJI_LOCAL_CACHE_DIR=str(workdir / "cache"))
            # The release's static files, as `collectstatic` leaves them on each machine.
            shutil.copytree(collected_static, workdir / "var" / "static")
            port = free_port()
            log = (workdir / "gunicorn.log").open("wb")
            started.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "shuangsuiji.config.wsgi", "-w", "2",
                 "-b", f"127.0.0.1:{port}"], cwd=workdir, env=env, stdout=log,
                stderr=subprocess.STDOUT))
            running[name] = Node(name, f"http://127.0.0.1:{port}", workdir)
        for node in running.values():
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(node.url + "/login/", timeout=10,
                                    headers={"Host": HOST}).ok:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError((node.workdir / "gunicorn.log").read_text())
                time.sleep(0.2)
        yield running
    finally:
        for process in started:
            process.terminate()
            process.wait(timeout=15)


class Browser:
    """One browser (one cookie jar) whose requests the proxy sends to the node named."""

    def __init__(self, nodes: dict[str, Node]) -> None:
        self.nodes = nodes
        self.session = requests.Session()
        self.session.headers.update({"Host": HOST, "X-Forwarded-Proto": "https",
                                     "Referer": f"https://{HOST}/"})

    def get(self, node: str, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.nodes[node].url + path, allow_redirects=False,
                                timeout=30, **kwargs)

    def post(self, node: str, path: str, data=None, **kwargs) -> requests.Response:
        if "csrftoken" not in self.session.cookies:
            self.get(node, "/login/")
        data = {**(data or {}), "csrfmiddlewaretoken": self.session.cookies["csrftoken"]}
        return self.session.post(self.nodes[node].url + path, data=data,
                                 allow_redirects=False, timeout=30, **kwargs)

    def sign_in(self, node: str, username: str, password: str) -> requests.Response:
        return self.post(node, "/login/", {"username": username, "password": password})

    def who(self, node: str) -> str | None:
        me = self.get(node, "/api/v1/me/")
        return me.json()["username"] if me.status_code == 200 else None


@pytest.fixture
def passwords(world, settings):
    """The world's users with passwords the production hasher reads (the tests hash by MD5)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    for user in world.users.values():
        user.set_password(f"pw-{user.username}-2026")
        user.save(update_fields=["password"])
    return lambda role: (world.users[role].username, f"pw-{world.users[role].username}-2026")


def result_form(result: Inspection) -> dict[str, object]:
    data: dict[str, object] = {"inspected_on": "2026-10-20", "methods": ["on_site"],
                               "categories": ["no_problem"], "conduct": "",
                               "summary": "现场检查未发现问题"}
    for finding in result.findings.all():
        data[f"outcome_{finding.item_id}"] = "compliant"
        data[f"note_{finding.item_id}"] = ""
    return data


def test_a_task_goes_from_claim_to_publication_across_two_nodes(world, drawn_task, passwords,
                                                                nodes):
    result, task = drawn_task.office_result, drawn_task.task
    target_name = drawn_task.visit.drawn_target.target.name
    assert nodes["a"].workdir != nodes["b"].workdir

    inspector = Browser(nodes)
    assert inspector.sign_in("a", *passwords("inspector")).status_code == 302
    assert inspector.who("b") == "inspector"  # the session is in the database
    assert task.code in inspector.get("b", reverse("inspections:mine")).text
    assert inspector.post("a", reverse("inspections:claim", args=[task.pk])).status_code == 302
    # The evidence is uploaded on B and read back on A: one file store.
    uploaded = inspector.post("b", reverse("inspections:evidence_upload", args=[result.pk]),
                              {"kind": "photo", "description": "消防通道"},
                              files={"file": ("现场.jpg", jpeg(), "image/jpeg")})
    assert uploaded.status_code == 302, uploaded.text[:2000]
    evidence = Evidence.objects.get()
    got = inspector.get("a", reverse("inspections:evidence", args=[evidence.pk]))
    assert got.status_code == 200 and got.content == jpeg()
    assert (nodes["a"].workdir.parent / "shared-files" / evidence.file.name).is_file()
    for node in nodes.values():  # nothing private on a node's own disk
        assert not list((node.workdir / "var").glob("private/**/*.jpg"))
    saved = inspector.post("a", reverse("inspections:result", args=[result.pk]),
                           result_form(result))
    assert saved.status_code == 302, saved.text[:2000]
    drawing = "data:image/png;base64," + __import__("base64").b64encode(png()).decode()
    signature = reverse("inspections:signature", args=[result.pk])
    assert inspector.post("b", signature, {"role": "representative", "name": "王经理",
                                           "drawing": drawing}).status_code == 302
    for assignment in drawn_task.visit.drawn_target.assignments.filter(
            department=result.department):
        assert inspector.post("b", signature, {"role": "inspector", "drawing": drawing,
                                               "inspector": assignment.inspector_id}
                              ).status_code == 302
    submitted = inspector.post("a", reverse("inspections:submit", args=[result.pk]))
    assert submitted.status_code == 302
    result.refresh_from_db()
    assert result.state == "submitted"

    office = Browser(nodes)
    assert office.sign_in("b", *passwords("office")).status_code == 302
    assert target_name in office.get("a", reverse("inspections:review_queue")).text
    assert office.post("b", reverse("inspections:review", args=[result.pk]),
                       {"decision": "approve"}).status_code == 302
    published = office.post("a", reverse("publication:publish"), {"results": [result.pk]})
    assert published.status_code == 302
    assert PublishedResult.objects.filter(inspection=result).exists()

    public = Browser(nodes)
    listing = public.get("b", reverse("portal:results"))
    assert listing.status_code == 200 and target_name in listing.text
    # Signing out on B ends the session everywhere.
    assert inspector.post("b", "/logout/").status_code == 302
    assert inspector.who("a") is None


def test_a_lockout_counted_on_one_node_holds_on_the_other(world, passwords, nodes):
    username, password = passwords("expert")
    guesser = Browser(nodes)
    answers = [guesser.sign_in("a", username, "wrong-password").status_code
               for _ in range(FAILURES_ACCOUNT)]
    assert answers == [200] * (FAILURES_ACCOUNT - 1) + [403]  # the last failure locks
    refused = Browser(nodes).sign_in("b", username, password)  # the right password, on B
    assert refused.status_code != 302
    assert "锁定" in refused.text
    assert Browser(nodes).who("b") is None


def test_the_api_throttle_counts_every_node_together(world, nodes):
    client = Browser(nodes)
    # Without a password: refused by the form check at once (no password hashing), so the
    # 22 requests fit well inside the throttle's minute even on a busy machine.
    started = time.monotonic()
    answers = [client.session.post(nodes["ab"[i % 2]].url + "/api/v1/auth/token/",
                                   json={"username": f"nobody-{i}"},
                                   timeout=30).status_code for i in range(22)]
    assert time.monotonic() - started < 50
    assert set(answers[:20]) == {400}, answers  # refused, each counted
    assert answers[20:] == [429, 429], answers  # 20/min by address, on A and on B alike
