"""Deadlines in working days for the rest of the project (results due within 20 working days).

Pass `cal` (workdays.selectors.calendar()) when computing many deadlines on one page, so the
table is read once.
"""

from datetime import date

from django.conf import settings

from shuangsuiji.rules import workdays as rules
from shuangsuiji.rules.workdays import Light, WorkdayCalendar, WorkdayCount, WorkdayResult

from .selectors import calendar

# Inspection results are due within 20 working days of the inspection.
RESULT_WORKDAYS = 20


def deadline_after(start: date, n: int = RESULT_WORKDAYS, *,
                   cal: WorkdayCalendar | None = None) -> WorkdayResult:
    """The n-th working day after `start`; provisional when it rests on an unknown year."""
    return (cal or calendar()).add_workdays(start, n)


def days_left(deadline: date, today: date, *, cal: WorkdayCalendar | None = None) -> WorkdayCount:
    """Working days from today to the deadline: 0 on the day itself, negative once overdue."""
    return (cal or calendar()).workdays_between(today, deadline)


def traffic_light(deadline: date, today: date, *, cal: WorkdayCalendar | None = None) -> Light:
    """green / yellow / red by the working days left, with the thresholds from the settings."""
    return rules.traffic_light(days_left(deadline, today, cal=cal).days,
                               yellow_days=settings.SHUANGSUIJI_DEADLINE_YELLOW_DAYS,
                               red_days=settings.SHUANGSUIJI_DEADLINE_RED_DAYS)
