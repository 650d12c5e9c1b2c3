"""Reminders to the reviewers before an approved result's publication deadline."""

from datetime import date, timedelta

from shuangsuiji.inspections.models import Inspection, Visit
from shuangsuiji.notices.choices import Kind
from shuangsuiji.notices.models import Notice
from shuangsuiji.notices.reminders import reminders_write
from shuangsuiji.workdays import deadlines as workdays
from tests.inspections.conftest import drawn_task, private_files  # noqa: F401
from tests.publication.conftest import approve


def test_reviewers_are_reminded_once_before_the_publication_deadline(world, drawn_task):  # noqa: F811
    visit = Visit.objects.filter(task=drawn_task.task).order_by("pk").first()
    result: Inspection = visit.inspections.get(department=world.office)
    approve(world, result, inspected_on=date(2026, 10, 20))
    due = workdays.deadline_after(date(2026, 10, 20), 20).date
    reminders_write(today=due - timedelta(days=1))
    notices = Notice.objects.filter(kind=Kind.PUBLICATION_REMINDER)
    recipients = {n.user.username for n in notices if n.user}
    # The office publishes its own results; the fire rescue's staff are not told of them.
    assert "office" in recipients and "partner" not in recipients
    assert all(n.organisation_id == world.office.pk for n in notices)
    assert "1项检查结果" in notices.first().body
    assert reminders_write(today=due - timedelta(days=1)) == 0
