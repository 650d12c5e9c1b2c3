"""The audit log: appended in the change's transaction, append-only, tamper-evident."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from shuangsuiji.core.audit import audit_record, verify_chain
from shuangsuiji.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _write(n: int) -> list[AuditEvent]:
    return [audit_record(actor=None, action="test.event", object_type="t", object_id=str(i),
                         summary=f"event {i}", data={"i": i, "text": "中文"}) for i in range(n)]


def _drop_triggers() -> None:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # flush deferred FK checks first
            cur.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_update")
        else:
            cur.execute("DROP TRIGGER core_auditevent_no_update")
            cur.execute("DROP TRIGGER core_auditevent_no_delete")


def test_an_intact_chain_verifies():
    _write(5)
    assert verify_chain() is None
    call_command("audit", "verify")


def test_entries_are_linked_by_hash():
    events = _write(3)
    assert events[0].prev_hash == ""
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash


def test_the_database_refuses_updates_and_deletes():
    (event,) = _write(1)
    for statement in ("UPDATE core_auditevent SET summary = 'x'", "DELETE FROM core_auditevent"):
        with pytest.raises(DatabaseError), \
                transaction.atomic(), connection.cursor() as cur:
            cur.execute(statement)
    event.refresh_from_db()
    assert event.summary == "event 0"


def test_an_edited_entry_is_named():
    _write(5)
    _drop_triggers()
    with connection.cursor() as cur:
        cur.execute("UPDATE core_auditevent SET summary = 'forged' WHERE seq = 3")
    problem = verify_chain()
    assert problem is not None and problem.seq == 3
    with pytest.raises(CommandError, match="3"):
        call_command("audit", "verify")


def test_an_edited_detail_is_detected():
    _write(4)
    _drop_triggers()
    event = AuditEvent.objects.get(seq=2)
    AuditEvent.objects.filter(pk=event.pk).update(data={"i": 99, "text": "中文"})
    assert verify_chain().seq == 2


def test_a_deleted_entry_is_named():
    _write(5)
    _drop_triggers()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditevent WHERE seq = 2")
    problem = verify_chain()
    assert problem is not None and problem.seq == 2


def test_deleting_the_last_entries_is_detected():
    _write(5)
    _drop_triggers()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditevent WHERE seq >= 4")
    problem = verify_chain()
    assert problem is not None and problem.seq == 4


def test_an_entry_inserted_out_of_order_is_named():
    events = _write(4)
    _drop_triggers()
    # Swap the contents of entries 2 and 3 by renumbering them: the hashes no longer chain.
    with connection.cursor() as cur:
        cur.execute("UPDATE core_auditevent SET seq = 100 WHERE seq = 2")
        cur.execute("UPDATE core_auditevent SET seq = 2 WHERE seq = 3")
        cur.execute("UPDATE core_auditevent SET seq = 3 WHERE seq = 100")
    problem = verify_chain()
    assert problem is not None and problem.seq == 2
    assert events[1].hash != events[2].hash


def test_a_rolled_back_change_leaves_no_entry():
    with pytest.raises(RuntimeError), transaction.atomic():
        _write(1)
        raise RuntimeError("the change failed")
    assert AuditEvent.objects.count() == 0
    assert verify_chain() is None
