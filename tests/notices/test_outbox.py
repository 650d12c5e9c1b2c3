"""The outbox: notices written with the draw, delivered through a real SMTP server and a real
HTTP SMS gateway, retried with backoff, shown failed, never delivered twice."""

import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from shuangsuiji.draws.services import draw_replace
from shuangsuiji.entities.models import Contact
from shuangsuiji.inspections.models import Visit
from shuangsuiji.inspections.services import visit_schedule
from shuangsuiji.notices import outbox
from shuangsuiji.notices.choices import Channel, Kind, State
from shuangsuiji.notices.models import Notice
from tests.notices.conftest import EMAIL, PHONE


def test_the_draw_writes_each_drawn_inspector_a_notice_on_each_recorded_channel(joint_task):
    notices = Notice.objects.filter(task=joint_task, kind=Kind.TASK_DRAWN)
    # RFB-E1 has a user (inbox), its e-mail and a phone; XFZD-E1 a user only; the others none.
    channels = sorted(notices.filter(recipient="执法检查人员 检查员RFB-E1")
                      .values_list("channel", flat=True))
    assert channels == [Channel.EMAIL, Channel.INBOX, Channel.SMS]
    assert list(notices.filter(recipient="执法检查人员 检查员XFZD-E1")
                .values_list("channel", flat=True)) == [Channel.INBOX]
    assert not notices.filter(recipient__contains="E2").exists()
    assert set(notices.values_list("state", flat=True)) == {State.PENDING}
    sms = notices.get(channel=Channel.SMS)
    assert PHONE not in sms.address and sms.address_masked == "139****5678"
    assert "检查对象名单和执法检查人员名单确定后，必须在规定时限内将名单派发至检查单位" in sms.body
    assert "RFB-2026-LH01" in sms.subject
    # Counted in the draw's own audit entry: written in its transaction.
    from shuangsuiji.core.models import AuditEvent

    entry = AuditEvent.objects.get(action="draw.execute")
    assert entry.data["notices_written"] == notices.count()


def test_email_and_sms_go_through_the_real_servers(joint_task, smtp_server, sms_gateway):
    done = outbox.deliver_due()
    assert done.failed == 0 and done.retrying == 0
    assert done.sent == Notice.objects.count()
    assert set(Notice.objects.values_list("state", flat=True)) == {State.SENT}
    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == [EMAIL]
    assert "RFB-2026-LH01" in envelope.content.decode("utf-8", "replace") or \
        "=?utf-8?" in envelope.content.decode("ascii", "replace")
    assert len(sms_gateway.received) == 1
    posted = sms_gateway.received[0]
    assert posted["phone"] == PHONE
    assert posted["signature"] == "晋城人防" and posted["template"] == "SMS_0001"
    assert "派发至检查单位" in posted["text"]
    assert sms_gateway.headers[0]["Authorization"] == "Bearer gateway-token"


def test_a_failing_gateway_is_retried_with_backoff_then_shown_failed(
        joint_task, smtp_server, sms_gateway, client, world):
    sms_gateway.status = 500
    outbox.deliver_due()
    sms = Notice.objects.get(channel=Channel.SMS)
    assert sms.state == State.PENDING and sms.attempts == 1
    assert sms.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert "500" in sms.last_error and PHONE not in sms.last_error
    # Not due yet: a run now leaves it alone.
    assert sms.pk not in outbox.deliver_due().ids
    waits = []
    for _ in range(2):
        Notice.objects.filter(pk=sms.pk).update(next_attempt_at=timezone.now())
        before = timezone.now()
        outbox.deliver_due()
        sms.refresh_from_db()
        if sms.next_attempt_at:
            waits.append((sms.next_attempt_at - before).total_seconds())
    assert sms.state == State.FAILED and sms.attempts == 3  # MAX_ATTEMPTS in the fixture
    assert 110 < waits[0] < 130  # the second wait doubles the first
    client.force_login(world.users["office"])
    page = client.get("/notices/?state=failed").content.decode()
    assert "139****5678" in page and PHONE not in page and "500" in page
    # The office sends it again once the gateway works.
    sms_gateway.status = 200
    client.post(f"/notices/{sms.pk}/retry/")
    sms.refresh_from_db()
    assert sms.state == State.PENDING
    outbox.deliver_due()
    sms.refresh_from_db()
    assert sms.state == State.SENT and len(sms_gateway.received) == 1


def test_a_notice_whose_worker_stopped_while_sending_is_shown_failed_not_resent(
        joint_task, sms_gateway):
    sms = Notice.objects.get(channel=Channel.SMS)
    Notice.objects.filter(pk=sms.pk).update(state=State.SENDING, claimed_by="gone",
                                            claimed_at=timezone.now() - timedelta(hours=1))
    done = outbox.deliver_due()
    sms.refresh_from_db()
    assert done.expired == 1 and sms.state == State.FAILED and "may have been" in sms.last_error
    assert sms_gateway.received == []


def test_the_replacement_tells_the_incoming_groups(joint_task, world):
    drawn = joint_task.draw.targets.filter(replaced_at__isnull=True).order_by("position").first()
    draw_replace(actor=world.users["office"], task=joint_task, ident=drawn.ident,
                 reason="已注销")
    replaced = Notice.objects.filter(kind=Kind.TASK_REPLACED)
    assert replaced.exists()
    assert all(drawn.ident in n.body and "已注销" in n.body for n in replaced)
    # The replaced target's inspectors are told they no longer inspect it, each once a channel.
    # (Only those with a way to reach them: an account, a phone.)
    released = [a.inspector for a in drawn.assignments.select_related("inspector__user")
                if a.inspector.user_id or a.inspector.phone]
    told = Notice.objects.filter(kind=Kind.TASK_RELEASED)
    assert released and {n.recipient for n in told} == {f"执法检查人员 {i.name}" for i in released}
    assert all(drawn.ident in n.body and "不再负责" in n.body for n in told)
    assert told.count() == told.values("recipient", "channel").distinct().count()


def test_the_agreed_date_sends_the_entity_its_inspection_notice(joint_task, world, sms_gateway):
    visit = Visit.objects.filter(task=joint_task).order_by("pk").first()
    Contact.objects.create(target=visit.drawn_target.target, name="王经理", phone="13800001111")
    visit_schedule(actor=world.users["inspector"], visit=visit, day=date(2026, 11, 2),
                   materials="安全生产许可证、人防工程竣工验收资料")
    notice = Notice.objects.get(kind=Kind.INSPECTION_NOTICE)
    assert notice.channel == Channel.SMS and notice.recipient == visit.drawn_target.target.name + \
        "联系人 王**"
    for words in ("检查时间：2026年11月2日", "检查事项：事项RF-01", "需准备的材料：安全生产许可证",
                  "检查员RFB-E1", f"/v/{visit.token}/", "二维码"):
        assert words in notice.body
    outbox.deliver_due()
    notice.refresh_from_db()
    assert notice.state == State.SENT
    assert "13800001111" in [p["phone"] for p in sms_gateway.received]


def test_a_notice_is_written_only_to_recorded_contacts(joint_task, world):
    """A target without contacts gets no inspection notice; nothing is guessed."""
    visit = Visit.objects.filter(task=joint_task).order_by("pk").first()
    visit_schedule(actor=world.users["inspector"], visit=visit, day=date(2026, 11, 2))
    assert not Notice.objects.filter(kind=Kind.INSPECTION_NOTICE).exists()


# -- Two workers -------------------------------------------------------------------------------

def _pending_sms(n: int, world) -> None:
    from shuangsuiji.core import crypto

    Notice.objects.bulk_create(
        Notice(organisation=world.office, kind=Kind.OVERDUE, channel=Channel.SMS,
               recipient=f"r{i}", address=crypto.encrypt(f"1390000{i:04d}"),
               address_masked="139****", subject="s", body=f"body {i}") for i in range(n))


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_deliver_a_notice_twice(world, sms_gateway, all_channels,
                                                  allow_audit_flush):
    _pending_sms(60, world)
    barrier = threading.Barrier(2)
    claimed: dict[str, list[int]] = {}

    def work(name: str) -> None:
        try:
            barrier.wait()
            got: list[int] = []
            while True:
                done = outbox.deliver_due(limit=7)
                if not done.ids:
                    break
                got.extend(done.ids)
            claimed[name] = got
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not set(claimed["a"]) & set(claimed["b"])
    assert len(claimed["a"]) + len(claimed["b"]) == 60
    phones = [p["phone"] for p in sms_gateway.received]
    assert len(phones) == 60 and len(set(phones)) == 60
    assert Notice.objects.filter(state=State.SENT).count() == 60


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_claims_take_different_notices(world, all_channels, allow_audit_flush):
    _pending_sms(20, world)
    barrier = threading.Barrier(2)
    got: dict[str, list[int]] = {}

    def take(name: str) -> None:
        try:
            barrier.wait()
            got[name] = outbox.claim(limit=15, worker=name)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not set(got["a"]) & set(got["b"])
    assert sorted(got["a"] + got["b"]) == sorted(Notice.objects.values_list("pk", flat=True))
    for name, ids in got.items():
        assert set(Notice.objects.filter(claimed_by=name).values_list("pk", flat=True)) == set(ids)


def test_the_command_delivers_once(joint_task, sms_gateway, smtp_server):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("notices", "deliver", stdout=out)
    assert "sent 4, to retry 0, failed 0" in out.getvalue()
    call_command("notices", "deliver", stdout=out)
    assert "sent 0," in out.getvalue()
    assert len(sms_gateway.received) == 1


def test_a_rolled_back_replacement_leaves_no_notice(joint_task, world):
    """The rows are written in the event's transaction: no event, no notice."""
    from django.db import transaction

    drawn = joint_task.draw.targets.filter(replaced_at__isnull=True).order_by("position").first()
    with pytest.raises(RuntimeError), transaction.atomic():
        draw_replace(actor=world.users["office"], task=joint_task, ident=drawn.ident,
                     reason="已注销")
        assert Notice.objects.filter(kind=Kind.TASK_REPLACED).exists()
        raise RuntimeError("the caller's failure after the replacement")
    assert not Notice.objects.filter(kind=Kind.TASK_REPLACED).exists()
