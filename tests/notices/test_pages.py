"""The office's outbox and templates, the inbox with its unread count, the reminders."""

import re
from datetime import date, timedelta

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.notices import outbox
from shuangsuiji.notices.choices import Channel, Kind, State
from shuangsuiji.notices.models import Notice
from shuangsuiji.notices.reminders import reminders_write
from shuangsuiji.workdays import deadlines as workdays

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _unread(page: str) -> str:
    match = re.search(r'class="inbox-link"[^>]*>(.*?)</a>', page, re.S)
    assert match
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_the_office_sees_its_outbox_with_each_notice_and_state(joint_task, client, world):
    client.force_login(world.users["office"])
    page = client.get("/notices/", **ZH).content.decode()
    assert "抽取后派发任务和检查组" in page and "待发送" in page
    assert "139****5678" in page and "z***@example.cn" in page
    assert "RFB-2026-LH01" in page


def test_another_organisation_cannot_see_or_retry_the_office_notices(joint_task, client, world):
    notice = Notice.objects.filter(task=joint_task).first()
    Notice.objects.filter(pk=notice.pk).update(state=State.FAILED, last_error="x")
    client.force_login(world.users["other_office"])  # the fire brigade's staff
    page = client.get("/notices/", **ZH).content.decode()
    assert "RFB-2026-LH01" not in page
    assert "没有通知。" in page
    assert client.post(f"/notices/{notice.pk}/retry/").status_code == 404
    notice.refresh_from_db()
    assert notice.state == State.FAILED
    client.force_login(world.users["inspector"])
    assert client.get("/notices/").status_code == 403


def test_an_edited_template_is_audited_and_used_by_the_next_notices(joint_task, client, world):
    client.force_login(world.users["office"])
    bad = client.post("/notices/templates/task_replaced/",
                      {"subject": "替补 {task_code}", "body": "{name}：{secret.password}"})
    assert bad.status_code == 200 and "not a plain placeholder" in bad.content.decode()
    assert not AuditEvent.objects.filter(action="notice.template").exists()
    bad = client.post("/notices/templates/task_replaced/",
                      {"subject": "替补 {task_code}", "body": "{name}：{phone}"})
    assert "unknown placeholder {phone}" in bad.content.decode()
    ok = client.post("/notices/templates/task_replaced/",
                     {"subject": "替补通知 {task_code}",
                      "body": "{name}：{replaced}已替补。\n{groups}"})
    assert ok.status_code == 302
    entry = AuditEvent.objects.get(action="notice.template")
    assert entry.data["after"]["subject"] == "替补通知 {task_code}"
    assert "{groups}" in entry.data["before"]["body"]
    from shuangsuiji.draws.services import draw_replace

    out = joint_task.draw.targets.filter(replaced_at__isnull=True).order_by("position").first()
    draw_replace(actor=world.users["office"], task=joint_task, ident=out.ident, reason="停业")
    notice = Notice.objects.filter(kind=Kind.TASK_REPLACED).first()
    assert notice.subject == "替补通知 RFB-2026-LH01"
    assert notice.body.startswith("检查员") and f"{out.ident}已替补" in notice.body
    # The other organisation's wording is its own.
    client.force_login(world.users["partner"])
    page = client.get("/notices/templates/", **ZH).content.decode()
    assert "替补通知" not in page and "平台默认措辞" in page


def test_the_inbox_shows_delivered_messages_and_the_header_counts_unread(joint_task, client,
                                                                         world):
    user = world.users["inspector"]
    client.force_login(user)
    assert _unread(client.get("/notices/inbox/", **ZH).content.decode()) == "站内信"
    outbox.deliver_due()  # inbox rows go at once; the e-mail and SMS fail without servers
    page = client.get("/notices/inbox/", **ZH).content.decode()
    assert _unread(page) == "站内信 1"
    assert "您已被随机抽取为执法检查人员" in page and "派发至检查单位" in page
    # Someone else's message cannot be marked read by this user, nor seen.
    other = Notice.objects.get(channel=Channel.INBOX, user=world.users["other_inspector"])
    client.post("/notices/inbox/read/", {"notice": other.pk})
    other.refresh_from_db()
    assert other.read_at is None
    assert "您已被随机抽取" in client.get("/notices/inbox/").content.decode()
    mine = Notice.objects.get(channel=Channel.INBOX, user=user)
    client.post("/notices/inbox/read/", {"notice": mine.pk})
    assert _unread(client.get("/notices/inbox/", **ZH).content.decode()) == "站内信"


def test_reminders_go_once_before_the_entry_deadline_and_overdue_items_to_the_office(
        joint_task, world):
    type(joint_task).objects.filter(pk=joint_task.pk).update(period_end=date(2026, 11, 13))
    joint_task.refresh_from_db()
    due = workdays.deadline_after(date(2026, 11, 13), 20).date
    written = reminders_write(today=due - timedelta(days=1))
    reminders = Notice.objects.filter(kind=Kind.ENTRY_REMINDER)
    assert written == reminders.count() > 0
    assert {n.recipient for n in reminders} >= {"执法检查人员 检查员RFB-E1"}
    assert f"{due.year}年{due.month}月{due.day}日" in reminders.first().body
    assert reminders_write(today=due - timedelta(days=1)) == 0  # once per deadline
    assert not Notice.objects.filter(kind=Kind.OVERDUE).exists()
    reminders_write(today=due + timedelta(days=7))
    overdue = Notice.objects.get(kind=Kind.OVERDUE, user=world.users["office"])
    assert "逾期未录入的检查结果" in overdue.body
    assert reminders_write(today=due + timedelta(days=7)) == 0
