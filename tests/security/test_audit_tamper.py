"""Attacks on the audit log by someone with access to the database, each caught.

Each test is the script such an attacker would run: empty the log (TRUNCATE, or DELETE on
SQLite), rewind it as a superuser who bypasses the triggers, rewrite the whole chain so that
it verifies again, move the chain's head back. The database refuses what it can; what a
superuser forces through is caught by an anchor (SEQ:HASH) taken before and kept outside the
database: the printed draw record, the portal, the anchor file. Messages are Chinese.
"""

import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import translation

from shuangsuiji.core.anchors import Anchor, anchor_of, anchor_take
from shuangsuiji.core.audit import _entry_hash, audit_record, verify_chain
from shuangsuiji.core.models import AnchorReason, AuditAnchor, AuditEvent, AuditHead
from tests.portal.conftest import (  # noqa: F401 (fixtures: a drawn task, results published)
    anonymous,
    approved,
    drawn_task,
    portal,
    private_files,
)

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="TRUNCATE and session_replication_role are PostgreSQL's; SQLite has its own test")
on_sqlite = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="SQLite's equivalent (DELETE, dropped triggers); PostgreSQL has its own test")


def _write(n: int) -> list[AuditEvent]:
    return [audit_record(actor=None, action="test.event", object_type="t", object_id=str(i),
                         summary=f"event {i}", data={"i": i}) for i in range(n)]


def _head() -> str:
    """What `shuangsuiji audit head` prints: the anchor the operator copies elsewhere."""
    with translation.override("zh-hans"):
        from io import StringIO

        out = StringIO()
        call_command("audit", "head", stdout=out)
    return out.getvalue().strip()


def _verify(*args: str) -> str:
    """`shuangsuiji audit verify ARGS`: its output, or CommandError (a non-zero exit)."""
    from io import StringIO

    out = StringIO()
    with translation.override("zh-hans"):
        call_command("audit", "verify", *args, stdout=out)
    return out.getvalue()


def _refused(sql: str, params: tuple = ()) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)


def _bypass_triggers() -> None:
    """A superuser's first step: the triggers no longer fire (PostgreSQL: replica role for
    this transaction; SQLite: anyone who can write the file drops them)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("SET LOCAL session_replication_role = replica")
        else:
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                        "AND tbl_name LIKE 'core_audit%'")
            for (name,) in cur.fetchall():
                cur.execute(f'DROP TRIGGER "{name}"')


def _empty(table: str) -> str:
    return (f"TRUNCATE {table}" if connection.vendor == "postgresql"
            else f"DELETE FROM {table}")  # noqa: S608 (a table name of this file's)


def _caught(anchor: str, *args: str, says: str) -> str:
    with pytest.raises(CommandError) as caught:
        _verify(*args)
    message = str(caught.value)
    assert anchor in message and says in message, message
    assert caught.value.returncode != 0
    return message


# --- the database refuses ------------------------------------------------------------------

@on_postgresql
@pytest.mark.django_db
def test_it_refuses_truncate_of_the_log_and_of_the_head_on_postgresql():
    _write(3)
    anchor = _head()
    # The attack of issue 18 §2, as written, and its parts.
    _refused("TRUNCATE core_auditevent; UPDATE core_audithead SET seq = 0, hash = ''")
    _refused("TRUNCATE core_auditevent")
    _refused("TRUNCATE core_audithead")
    _refused("TRUNCATE core_auditanchor")
    _refused("DELETE FROM core_audithead")
    assert AuditEvent.objects.count() == 3 and _head() == anchor
    assert "3" in _verify("--anchor", anchor)


@on_sqlite
@pytest.mark.django_db
def test_it_refuses_to_empty_the_log_and_the_head_on_sqlite():
    _write(3)
    anchor = _head()
    anchor_take(reason=AnchorReason.MANUAL)
    _refused("DELETE FROM core_auditevent")
    _refused("DELETE FROM core_audithead")
    _refused("DELETE FROM core_auditanchor")
    _refused("UPDATE core_auditanchor SET seq = 0, hash = ''")
    assert AuditEvent.objects.count() == 3 and _head() == anchor
    assert "3" in _verify("--anchor", anchor)


@pytest.mark.django_db
def test_it_refuses_to_move_the_head_anywhere_but_one_step_forward():
    events = _write(4)
    anchor = _head()
    for sql, params in [
            ("UPDATE core_audithead SET seq = 0, hash = ''", ()),
            ("UPDATE core_audithead SET seq = 2, hash = %s", (events[1].hash,)),
            ("UPDATE core_audithead SET seq = 5, hash = %s", ("0" * 64,)),  # no such entry
            ("UPDATE core_audithead SET hash = %s", (events[2].hash,)),
            ("INSERT INTO core_audithead (id, seq, hash) VALUES (2, 0, '')", ()),
            ("DELETE FROM core_audithead", ())]:
        _refused(sql, params)
    assert _head() == anchor == f"4:{events[3].hash}"
    _write(1)  # the platform itself still moves it forward
    assert AuditHead.objects.get().seq == 5 and verify_chain() is None


# --- what a superuser forces through is caught by an anchor taken before ----------------------

@pytest.mark.django_db
def test_it_catches_the_log_emptied_with_the_triggers_bypassed(
        tmp_path, settings, django_capture_on_commit_callbacks):
    settings.SHUANGSUIJI_AUDIT_ANCHOR_FILE = str(tmp_path / "anchors.log")
    _write(5)
    with django_capture_on_commit_callbacks(execute=True):  # `audit anchor`, run daily
        taken = anchor_take(reason=AnchorReason.DAILY)
    written = Path(settings.SHUANGSUIJI_AUDIT_ANCHOR_FILE).read_text()
    assert written.startswith(f"5:{taken.hash}\t") and written.count("\n") == 1
    printed = _head()
    assert printed == taken.text

    # The attack: bypass the triggers, empty the log and the stored anchors, reset the head.
    _bypass_triggers()
    with connection.cursor() as cur:
        cur.execute(_empty("core_auditevent"))
        cur.execute(_empty("core_auditanchor"))
        cur.execute("UPDATE core_audithead SET seq = 0, hash = ''")

    assert verify_chain() is None  # the chain alone sees nothing: an empty log is consistent
    assert _verify()
    says = "已没有第 5 条"
    _caught(printed, "--anchor", printed, says=says)
    _caught(printed, "--anchors", settings.SHUANGSUIJI_AUDIT_ANCHOR_FILE, says=says)


@pytest.mark.django_db
def test_it_catches_a_rewind_by_a_superuser():
    events = _write(6)
    at_six = _head()
    at_four = f"4:{events[3].hash}"

    # The attack: drop the last three entries, move the head back onto entry 3, forget the
    # anchors; then the platform goes on writing, so the log reaches entry 6 again.
    _bypass_triggers()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditevent WHERE seq > 3")
        cur.execute("UPDATE core_audithead SET seq = 3, hash = %s", [events[2].hash])
        cur.execute(_empty("core_auditanchor"))
    assert verify_chain() is None
    assert "3" in _verify()
    _write(3)
    assert verify_chain() is None and AuditHead.objects.get().seq == 6
    assert _head() != at_six

    message = _caught(at_six, "--anchor", at_four, "--anchor", at_six, says="另一个哈希")
    assert at_four in message  # every anchor the log lost is named, not only the first
    assert "日志被改写" in message


@pytest.mark.django_db
def test_it_catches_the_whole_chain_rewritten_consistently():
    _write(5)
    anchor = _head()

    # The attack: change entry 2 and recompute every hash after it (the algorithm is public),
    # so that the chain verifies again, head included.
    _bypass_triggers()
    prev = ""
    for event in AuditEvent.objects.order_by("seq"):
        summary = "event 1 (nothing happened)" if event.seq == 2 else event.summary
        digest = _entry_hash(seq=event.seq, at=event.at, actor_label=event.actor_label,
                             action=event.action, object_type=event.object_type,
                             object_id=event.object_id, organisation_id=event.organisation_id,
                             summary=summary, data=event.data, prev_hash=prev)
        AuditEvent.objects.filter(pk=event.pk).update(summary=summary, prev_hash=prev,
                                                      hash=digest)
        prev = digest
    AuditHead.objects.filter(pk=1).update(hash=prev)
    AuditAnchor.objects.all().delete()

    assert verify_chain() is None  # the rewritten chain is consistent
    assert AuditEvent.objects.get(seq=2).summary == "event 1 (nothing happened)"
    _caught(anchor, "--anchor", anchor, says="日志被改写")


@pytest.mark.django_db
def test_it_catches_the_head_moved_back():
    events = _write(5)
    anchor = _head()
    _bypass_triggers()
    with connection.cursor() as cur:
        cur.execute("UPDATE core_audithead SET seq = 3, hash = %s", [events[2].hash])
    with pytest.raises(CommandError) as caught:
        _verify("--anchor", anchor)
    assert "第 5 条" in str(caught.value) or "5" in str(caught.value)
    # Moved back onto a hash that is not entry 5's: named as well.
    with connection.cursor() as cur:
        cur.execute("UPDATE core_audithead SET seq = 5, hash = %s", [events[2].hash])
    with pytest.raises(CommandError, match="5"):
        _verify("--anchor", anchor)


@pytest.mark.django_db
def test_it_checks_the_anchors_the_database_keeps_without_being_asked():
    _write(3)
    with transaction.atomic():
        anchor = anchor_take(reason=AnchorReason.MANUAL)
    _bypass_triggers()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditevent WHERE seq = 3")
    AuditHead.objects.filter(pk=1).update(seq=2, hash=AuditEvent.objects.get(seq=2).hash)
    assert verify_chain() is None
    _caught(anchor.text, says="已没有第 3 条")


@pytest.mark.django_db
def test_it_refuses_what_is_not_an_anchor():
    _write(1)
    for bad in ("5", "5:abc", "x:" + "0" * 64, "-1:" + "0" * 64, "0:" + "0" * 64):
        with pytest.raises(CommandError, match="不是锚点"):
            _verify(f"--anchor={bad}")
    assert _verify("--anchor", "0:")  # the empty chain, which every chain starts from


# --- the anchors, published -------------------------------------------------------------------

@pytest.mark.django_db
def test_it_anchors_each_draw_and_publication_after_its_entry(portal):  # noqa: F811
    task = portal.task
    draw_anchor = anchor_of(task, AnchorReason.DRAW)
    entry = AuditEvent.objects.get(action="draw.execute", object_id=str(task.pk))
    assert draw_anchor.text == f"{entry.seq}:{entry.hash}"
    for result in portal.results:
        anchor = anchor_of(result, AnchorReason.PUBLICATION)
        entry = AuditEvent.objects.get(action="result.publish", object_id=str(result.pk))
        assert anchor.text == f"{entry.seq}:{entry.hash}"
    assert _verify()


@pytest.mark.django_db
def test_it_shows_the_anchors_to_the_public(portal, anonymous):  # noqa: F811
    draw_anchor = anchor_of(portal.task, AnchorReason.DRAW)
    with transaction.atomic():
        daily = anchor_take(reason=AnchorReason.DAILY)

    page = anonymous.get(reverse("portal:anchors"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    assert "审计锚点" in html
    for anchor in (draw_anchor, daily):
        assert anchor.text in html
    assert portal.task.code in html and "抽取" in html

    listing = anonymous.get("/api/v1/public/anchors/")
    assert listing.status_code == 200
    rows = listing.json()
    assert isinstance(rows, list) and rows[0]["anchor"] == daily.text
    assert {"anchor", "seq", "hash", "taken_at", "reason"} <= set(rows[0])
    assert {r["reason"] for r in rows} == {"daily", "draw", "publication"}
    assert all(r["taken_at"] for r in rows)
    assert len(anonymous.get("/api/v1/public/anchors/?limit=1").json()) == 1


@pytest.mark.django_db
def test_it_shows_the_anchor_of_its_moment_on_the_draw_pages(portal, anonymous, client, world):  # noqa: F811
    anchor = anchor_of(portal.task, AnchorReason.DRAW)
    _write(2)  # the log moves on; the pages keep the anchor of the draw
    public = anonymous.get(reverse("portal:task", args=[portal.task.code])).content.decode()
    assert anchor.text in public
    client.force_login(world.users["office"])
    for name in ("draws:result", "draws:print"):
        response = client.get(reverse(name, args=[portal.task.pk]))
        assert response.status_code == 200 and anchor.text in response.content.decode(), name
    record = client.get(reverse("draws:record_json", args=[portal.task.pk])).content.decode()
    assert anchor.hash not in record  # the record keeps its format


@pytest.mark.django_db
def test_it_prints_the_anchor_in_the_written_record(portal, client, world):  # noqa: F811
    import shutil

    anchor = anchor_of(portal.task, AnchorReason.DRAW)
    client.force_login(world.users["office"])
    pdf = client.get(reverse("draws:pdf", args=[portal.task.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext (poppler-utils) is needed"
    text = subprocess.run([tool, "-", "-"], input=pdf.content, capture_output=True,
                          check=True).stdout.decode()
    assert anchor.text in "".join(text.split())


@pytest.mark.django_db
def test_it_prints_the_head_as_one_line_and_as_json():
    events = _write(2)
    assert _head() == f"2:{events[1].hash}"
    from io import StringIO

    out = StringIO()
    call_command("audit", "head", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"seq": 2, "hash": events[1].hash,
                                          "anchor": f"2:{events[1].hash}"}
    out = StringIO()
    call_command("audit", "anchor", stdout=out)
    assert out.getvalue().strip() == f"2:{events[1].hash}"
    assert AuditAnchor.objects.get().reason == "daily"


# --- the anchors read from the portal, over HTTP ------------------------------------------------

@pytest.fixture
def mirror(tmp_path) -> Iterator[tuple[Path, str]]:
    """A copy of the anchor list kept elsewhere, served by a plain HTTP server."""
    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(  # noqa: E731
        *a, directory=str(tmp_path), **kw)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The real `shuangsuiji` command, in its own process, on the test database."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        url = (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
               f"{db['PORT'] or 5432}/{db['NAME']}")
    else:
        url = f"sqlite:///{db['NAME']}"
    env = os.environ | {"DATABASE_URL": url, "DJANGO_DEBUG": "1", "LANGUAGE": "zh_CN",
                        "DJANGO_SETTINGS_MODULE": "shuangsuiji.config.settings"}
    return subprocess.run([sys.executable, "-m", "shuangsuiji.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.django_db(transaction=True)
def test_it_reads_the_anchors_from_the_public_api_over_http(live_server, mirror,
                                                             allow_audit_flush):
    import urllib.request

    _write(4)
    with transaction.atomic():
        anchor = anchor_take(reason=AnchorReason.DAILY)
    api = live_server.url + "/api/v1/public/anchors/"
    with urllib.request.urlopen(api, timeout=30) as response:  # noqa: S310 (a citizen's copy)
        (mirror[0] / "anchors.json").write_bytes(response.read())

    ok = _cli("audit", "verify", "--anchors", api)
    assert ok.returncode == 0, ok.stderr
    assert Anchor.parse(_cli("audit", "head").stdout) == Anchor(anchor.seq, anchor.hash)

    with transaction.atomic():  # the attack, anchors included
        _bypass_triggers()
        with connection.cursor() as cur:
            cur.execute(_empty("core_auditevent"))
            cur.execute(_empty("core_auditanchor"))
            cur.execute("UPDATE core_audithead SET seq = 0, hash = ''")
    assert _cli("audit", "verify").returncode == 0  # nothing left to compare with

    emptied = _cli("audit", "verify", "--anchors", api)  # the portal's list is gone too
    assert emptied.returncode != 0 and "没有锚点" in emptied.stderr, emptied.stderr
    caught = _cli("audit", "verify", "--anchors", f"{mirror[1]}/anchors.json")
    assert caught.returncode != 0
    assert anchor.text in caught.stderr and "已没有第 4 条" in caught.stderr, caught.stderr
