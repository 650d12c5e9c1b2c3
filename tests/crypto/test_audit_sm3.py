"""The audit chain switched to SM3 (国密) and back: every entry still verifies."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from shuangsuiji.core.audit import _entry_hash, audit_record, verify_chain
from shuangsuiji.core.models import AuditEvent
from shuangsuiji.rules import gm


def _write(n: int, start: int = 0) -> list[AuditEvent]:
    return [audit_record(actor=None, action="test.event", object_type="t", object_id=str(i),
                         summary=f"event {i}", data={"i": i}) for i in range(start, start + n)]


def _recompute(event: AuditEvent, algorithm: str) -> str:
    return _entry_hash(seq=event.seq, at=event.at, actor_label=event.actor_label,
                       action=event.action, object_type=event.object_type,
                       object_id=event.object_id, organisation_id=event.organisation_id,
                       summary=event.summary, data=event.data, prev_hash=event.prev_hash,
                       algorithm=algorithm)


def _verify() -> str:
    out = StringIO()
    with translation.override("zh-hans"):
        call_command("audit", "verify", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_switching_on_writes_new_entries_with_sm3_and_the_chain_verifies(settings):
    before = _write(3)
    settings.SHUANGSUIJI_AUDIT_HASH = gm.SM3
    after = _write(3, start=3)

    switch = AuditEvent.objects.get(action=gm.HASH_SWITCH_ACTION)
    assert switch.seq == 4 and switch.data == {"algorithm": "sm3", "previous": "sha256"}
    assert switch.hash == _recompute(switch, gm.SHA256)  # the switch under the old hash
    for event in before:
        assert event.hash == _recompute(event, gm.SHA256)
    for event in after:
        assert event.hash == _recompute(event, gm.SM3) != _recompute(event, gm.SHA256)
    assert [e.seq for e in after] == [5, 6, 7]
    assert verify_chain() is None
    said = _verify()
    assert "共7条记录" in said and "SHA-256 → 第 4 条之后为 SM3" in said


@pytest.mark.django_db
def test_switching_back_is_recorded_too_and_only_once(settings):
    settings.SHUANGSUIJI_AUDIT_HASH = gm.SM3
    _write(2)
    settings.SHUANGSUIJI_AUDIT_HASH = gm.SHA256
    last = _write(2, start=2)
    switches = list(AuditEvent.objects.filter(action=gm.HASH_SWITCH_ACTION).order_by("seq")
                    .values_list("data", flat=True))
    assert [s["algorithm"] for s in switches] == ["sm3", "sha256"]
    assert last[-1].hash == _recompute(last[-1], gm.SHA256)
    assert verify_chain() is None


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="drops SQLite's triggers")
def test_an_entry_rehashed_with_the_other_algorithm_is_caught(settings):
    settings.SHUANGSUIJI_AUDIT_HASH = gm.SM3
    _write(3)
    # An attacker who rewrites entry 3 with SHA-256 (as if the chain never switched).
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_update")
    event = AuditEvent.objects.get(seq=3)
    AuditEvent.objects.filter(pk=event.pk).update(hash=_recompute(event, gm.SHA256))
    problem = verify_chain()
    assert problem is not None and problem.seq == 3
    with pytest.raises(CommandError):
        _verify()
