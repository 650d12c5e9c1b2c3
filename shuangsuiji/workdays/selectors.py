"""Reads of the working-day calendar: the rules' calendar built from the override table."""

from dataclasses import dataclass
from datetime import date

from shuangsuiji.rules.workdays import Day, DayKind, Override, WorkdayCalendar, package_covers

from .models import CalendarDay, CalendarYear


def calendar() -> WorkdayCalendar:
    """The calendar as the tables stand now (two queries).

    Built fresh on each call so a change is seen at once by every process; the package's years
    are cached for the whole process, so building is cheap. Callers that compute many
    deadlines build it once and pass it on (see workdays.deadlines).
    """
    overrides = {row.date: Override(row.is_workday, row.note)
                 for row in CalendarDay.objects.only("date", "is_workday", "note")}
    complete = CalendarYear.objects.filter(complete=True).values_list("year", flat=True)
    return WorkdayCalendar(overrides, complete_years=set(complete))


@dataclass(frozen=True)
class YearStatus:
    year: int
    covered: bool  # by the chinese_calendar package
    declaration: CalendarYear | None

    @property
    def complete(self) -> bool:
        return self.declaration is not None and self.declaration.complete

    @property
    def provisional(self) -> bool:
        return not self.covered and not self.complete


def year_status(year: int) -> YearStatus:
    return YearStatus(year, package_covers(year),
                      CalendarYear.objects.select_related("updated_by").filter(year=year).first())


@dataclass(frozen=True)
class Month:
    first: date
    weeks: list[list[Day | None]]  # Monday first; None pads the first and last week


def months(cal: WorkdayCalendar, year: int) -> list[Month]:
    """The year as month grids, for the calendar page."""
    days = cal.days(year)
    out: list[Month] = []
    for month in range(1, 13):
        in_month = [d for d in days if d.date.month == month]
        cells: list[Day | None] = [None] * in_month[0].date.weekday() + list(in_month)
        cells += [None] * (-len(cells) % 7)
        out.append(Month(date(year, month, 1),
                         [cells[i:i + 7] for i in range(0, len(cells), 7)]))
    return out


def special_days(cal: WorkdayCalendar, year: int) -> list[Day]:
    """Holidays, 调休 working days and every overridden day: what differs from a plain week."""
    return [d for d in cal.days(year)
            if d.kind in (DayKind.HOLIDAY, DayKind.ADJUSTED_WORKDAY)
            or d.date in cal.overrides]


def overrides_of(year: int) -> dict[date, CalendarDay]:
    return {row.date: row for row in CalendarDay.objects.select_related("updated_by")
            .filter(date__year=year)}
