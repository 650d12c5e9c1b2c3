"""Attacks on the notices: a recipient's phone number or e-mail address must never reach the
audit log, the logs, or a public page; another organisation never reads the office's outbox
(tests/notices/test_pages.py); a notice is never delivered twice (tests/notices/
test_outbox.py, two workers)."""

import json
import logging
from datetime import date

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.entities.models import Contact
from shuangsuiji.inspections.models import Visit
from shuangsuiji.inspections.services import visit_schedule
from shuangsuiji.notices import outbox
from shuangsuiji.notices.choices import State
from shuangsuiji.notices.models import Notice
from shuangsuiji.notices.services import notice_retry
from tests.notices.conftest import EMAIL, PHONE, all_channels, joint_task, sms_gateway  # noqa: F401

CONTACT_PHONE = "13700002222"
SECRETS = (PHONE, EMAIL, CONTACT_PHONE, PHONE[3:7] + PHONE[7:], "zhang.inspector")


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_addresses_never_reach_the_audit_log_the_logs_or_public_pages(  # noqa: PLR0917
        joint_task, world, sms_gateway, settings, caplog, client):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    visit = Visit.objects.filter(task=joint_task).order_by("pk").first()
    Contact.objects.create(target=visit.drawn_target.target, name="赵会计", phone=CONTACT_PHONE)
    visit_schedule(actor=world.users["inspector"], visit=visit, day=date(2026, 11, 2))
    # Every way a notice is handled: a failing gateway (its error echoes the number), an
    # unreachable mail server, the console channel, the office's retry.
    sms_gateway.status = 500
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1
    outbox.deliver_due()
    settings.SHUANGSUIJI_NOTICE_CHANNELS = ["inbox", "console"]
    visit_schedule(actor=world.users["inspector"], visit=visit, day=date(2026, 11, 3))
    outbox.deliver_due()
    failed = Notice.objects.filter(last_error__gt="").first()
    assert failed is not None
    Notice.objects.filter(pk=failed.pk).update(state=State.FAILED)
    failed.refresh_from_db()
    notice_retry(actor=world.users["office"], notice=failed)

    audit = json.dumps([[e.summary, e.data] for e in AuditEvent.objects.all()],
                       ensure_ascii=False, default=str)
    assert _leaks(audit) == []
    assert _leaks(caplog.text) == [], "an address in the logs"
    assert _leaks(" ".join(Notice.objects.values_list("last_error", flat=True))) == []
    assert _leaks(" ".join(Notice.objects.values_list("address", flat=True))) == []
    assert "139****5678" in caplog.text or "137****2222" in caplog.text  # console, masked

    client.logout()
    for url in (f"/v/{visit.token}/", "/public/", f"/public/tasks/{joint_task.pk}/"):
        response = client.get(url)
        if response.status_code == 200:
            assert _leaks(response.content.decode()) == [], url
    # Nor on the office's own pages: masked there too.
    client.force_login(world.users["office"])
    for url in ("/notices/", "/notices/?state=failed", "/audit/"):
        assert _leaks(client.get(url).content.decode()) == [], url
