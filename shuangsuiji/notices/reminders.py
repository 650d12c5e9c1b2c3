"""Reminders before the entry and publication deadlines (working days), and the office's
overdue items: written by `shuangsuiji notices remind` (daily, from cron or the worker's
schedule), each once for its deadline and recipient however often the command runs.
"""

from collections import defaultdict
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import User
from shuangsuiji.accounts.scoping import organisation_id
from shuangsuiji.draws.models import Assignment
from shuangsuiji.inspections import deadlines
from shuangsuiji.inspections.choices import ReviewState
from shuangsuiji.inspections.models import Inspection
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.plans.selectors import task_organisation_id
from shuangsuiji.workdays.selectors import calendar

from .choices import Kind
from .services import Recipient, _inspector_recipient, _task_values, day_text, notices_write


def _soon(deadline: deadlines.Deadline) -> bool:
    return (not deadline.overdue
            and 0 <= deadline.days_left <= settings.SHUANGSUIJI_NOTICE_REMIND_DAYS)


def _user_recipient(user: User) -> Recipient:
    return Recipient(label=f"用户 {user.full_name or user.username}",
                     user=user, email=user.email)


@transaction.atomic
def reminders_write(*, today: date) -> int:
    cal = calendar()
    return (_entry_reminders(today, cal) + _publication_reminders(today, cal)
            + _overdue(today))


def _entry_reminders(today: date, cal: Any) -> int:
    pending = (Inspection.objects.filter(visit__drawn_target__replaced_at__isnull=True,
                                         state__in=[ReviewState.ENTERED, ReviewState.RETURNED]))
    written = 0
    for task in InspectionTask.objects.filter(
            pk__in=pending.values("visit__task_id")).select_related("initiating__root"):
        deadline = deadlines.entry_deadline(task, today=today, cal=cal)
        if not _soon(deadline):
            continue
        counts: dict[int, int] = defaultdict(int)
        inspectors: dict[int, Any] = {}
        for a in Assignment.objects.filter(
                task=task, released_at__isnull=True,
                drawn_target__visit__inspections__in=pending.filter(visit__task=task),
                drawn_target__visit__inspections__department=F("department")
        ).select_related("inspector__user"):
            counts[a.inspector_id] += 1
            inspectors[a.inspector_id] = a.inspector
        values = _task_values(task) | {"deadline": day_text(deadline.due),
                                       "days_left": str(deadline.days_left)}
        letters = [(_inspector_recipient(i), values | {"name": i.name, "count": str(counts[pk])})
                   for pk, i in inspectors.items()]
        written += notices_write(organisation_id=task_organisation_id(task),
                                 kind=Kind.ENTRY_REMINDER, task=task, letters=letters,
                                 dedup=f"entry:{task.pk}:{deadline.due}")
    return written


def _publication_reminders(today: date, cal: Any) -> int:
    results = deadlines.unpublished(Inspection.objects.filter(
        visit__drawn_target__replaced_at__isnull=True, inspected_on__isnull=False))
    due: dict[tuple[int, int, date], int] = defaultdict(int)  # (task, department) → count
    for task_id, department_id, day in results.values_list("visit__task_id", "department_id",
                                                           "inspected_on"):
        deadline = deadlines._after(day, deadlines.PUBLICATION_WORKDAYS, today=today, cal=cal)
        if _soon(deadline):
            due[(task_id, department_id, deadline.due)] += 1
    written = 0
    tasks = InspectionTask.objects.select_related("initiating__root").in_bulk(
        {k[0] for k in due})
    for (task_id, department_id, when), count in sorted(due.items()):
        task = tasks[task_id]
        department = Inspection.objects.filter(department_id=department_id).select_related(
            "department").first().department  # type: ignore[union-attr]
        org = organisation_id(department)
        # Who reviews and publishes the department's results: its own staff and its
        # organisation's office.
        reviewers = User.objects.filter(is_active=True).filter(
            department=department, role__in=[Role.SECTION, Role.PARTNER]) | User.objects.filter(
            is_active=True, role__in=[Role.OFFICE, Role.PARTNER], department__root_id=org) | \
            User.objects.filter(is_active=True, role__in=[Role.OFFICE, Role.PARTNER],
                                department_id=org)
        values = _task_values(task) | {"deadline": day_text(when),
                                       "days_left": str(deadlines.deadline_on(
                                           when, today=today, cal=cal).days_left),
                                       "count": str(count)}
        letters = [(_user_recipient(u), values | {"name": u.full_name or u.username})
                   for u in reviewers.distinct().order_by("pk")]
        written += notices_write(organisation_id=org, kind=Kind.PUBLICATION_REMINDER, task=task,
                                 letters=letters, dedup=f"pub:{task_id}:{department_id}:{when}")
    return written


def _overdue(today: date) -> int:
    written = 0
    offices = User.objects.filter(is_active=True, role=Role.OFFICE,
                                  department__isnull=False).select_related("department__root")
    for user in offices.order_by("pk"):
        lists = deadlines.overdue_lists(user=user, today=today)
        late = {"late_entries": sum(r.unsubmitted + r.awaiting_review for r in lists["entries"]
                                    if r.deadline.overdue),
                "late_publications": sum(1 for r in lists["publications"]
                                         if r.deadline.overdue),
                "late_follow_ups": len(lists["follow_ups"])}
        if not any(late.values()):
            continue
        org = organisation_id(user.department)
        root = user.department.root or user.department  # type: ignore[union-attr]
        values = {"organisation": root.name, "name": user.full_name or user.username,
                  "today": day_text(today)} | {k: str(v) for k, v in late.items()}
        written += notices_write(organisation_id=org, kind=Kind.OVERDUE, task=None,
                                 letters=[(_user_recipient(user), values)],
                                 dedup=f"overdue:{org}:{today}")
    return written
