"""The working-day calendar (工作日): statutory holidays, 调休 days, and deadlines counted in them.

Two sources, in order of precedence:

1. the override table the administrator keeps (`{date: Override}`), which corrects the package
   and extends it to years it does not know yet (the State Council publishes the next year's
   schedule each November, before the package catches up);
2. the `chinese_calendar` package, which covers 2004 up to its last known year and raises
   NotImplementedError for any other year.

For a year the package does not cover, a day without an override follows the weekly rule
(Monday–Friday work, Saturday and Sunday off). Every answer that depended on such a year is
*provisional* unless the administrator has declared the year complete (entered its whole
official schedule). The calendar never raises for an unknown year and never hides that it
guessed: results carry the provisional years they depended on.
"""

from bisect import bisect_left
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from itertools import accumulate

import chinese_calendar


class Source(StrEnum):
    PACKAGE = "package"  # the chinese_calendar package (a year it covers)
    OVERRIDE = "override"  # the administrator's table
    WEEKLY_RULE = "weekly"  # a year nobody has described: Monday–Friday work


class DayKind(StrEnum):
    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"  # a day off that is not an ordinary weekend (法定节假日, 调休放假)
    ADJUSTED_WORKDAY = "adjusted"  # a Saturday or Sunday worked in exchange (调休上班)


class Light(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True)
class Override:
    """One row of the administrator's table: the day is (not) a working day, and why."""

    is_workday: bool
    note: str = ""


@dataclass(frozen=True)
class Day:
    date: date
    is_workday: bool
    source: Source
    holiday: str = ""  # the package's English name of the holiday ("National Day"), if any
    holiday_zh: str = ""  # its Chinese name ("国庆节")
    note: str = ""  # the override's note
    provisional: bool = False

    @property
    def kind(self) -> DayKind:
        weekend = self.date.weekday() >= 5
        if self.is_workday:
            return DayKind.ADJUSTED_WORKDAY if weekend else DayKind.WORKDAY
        if weekend and not (self.holiday or self.note):
            return DayKind.WEEKEND
        return DayKind.HOLIDAY


@dataclass(frozen=True)
class WorkdayResult:
    """A date computed in working days, and the provisional years the answer depended on."""

    date: date
    provisional_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)


@dataclass(frozen=True)
class WorkdayCount:
    """A number of working days, and the provisional years the count depended on."""

    days: int
    provisional_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)


@dataclass(frozen=True)
class _PackageYear:
    workday: bytes  # one flag per day of the year, January 1 first
    names: Mapping[date, str]  # holidays and 调休 working days: the holiday's English name


@cache
def _package_year(year: int) -> _PackageYear | None:
    """The package's view of a whole year, or None when it does not cover the year."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return None
    flags = bytearray()
    names: dict[date, str] = {}
    for day in _days_of(year):
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        flags.append(0 if is_holiday else 1)
        if name:
            names[day] = name
    return _PackageYear(bytes(flags), names)


@cache
def _chinese_name(english: str) -> str:
    try:
        return str(chinese_calendar.Holiday(english).chinese)
    except ValueError:
        return ""


def package_covers(year: int) -> bool:
    return _package_year(year) is not None


def package_years() -> range:
    """The years the installed package covers (contiguous, 2004 up to its last known year)."""
    first = last = None
    for year in range(2004, 2200):
        if package_covers(year):
            first = year if first is None else first
            last = year
        elif last is not None:
            break
    if first is None or last is None:
        return range(0)
    return range(first, last + 1)


def _days_of(year: int) -> Iterator[date]:
    day, one = date(year, 1, 1), timedelta(days=1)
    while day.year == year:
        yield day
        day += one


@dataclass(frozen=True)
class _Year:
    workday: bytes
    cumulative: list[int]  # cumulative[i]: working days among the year's first i days
    provisional: bool


class WorkdayCalendar:
    """Working days from the package, corrected and extended by `overrides`.

    `complete_years`: years for which the override table holds the whole official schedule,
    so answers in those years are certain even where the package knows nothing. A calendar
    keeps each year's table once built: make a new one when the overrides change.
    """

    def __init__(self, overrides: Mapping[date, Override] | None = None,
                 complete_years: Collection[int] = ()) -> None:
        self.overrides: Mapping[date, Override] = dict(overrides or {})
        self.complete_years: frozenset[int] = frozenset(complete_years)
        self._years: dict[int, _Year] = {}

    # -- one year, one day ------------------------------------------------------------------

    def is_provisional_year(self, year: int) -> bool:
        return not package_covers(year) and year not in self.complete_years

    def year_source(self, year: int) -> Source:
        """Where the year's schedule comes from when no day is overridden."""
        return Source.PACKAGE if package_covers(year) else Source.WEEKLY_RULE

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        package = _package_year(year)
        if package is not None:
            flags = bytearray(package.workday)
        else:
            flags = bytearray(1 if day.weekday() < 5 else 0 for day in _days_of(year))
        start = date(year, 1, 1)
        for day, override in self.overrides.items():
            if day.year == year:
                flags[(day - start).days] = 1 if override.is_workday else 0
        built = _Year(bytes(flags), [0, *accumulate(flags)], self.is_provisional_year(year))
        self._years[year] = built
        return built

    def day(self, day: date) -> Day:
        """Everything known about one day: working or not, why, and from which source."""
        override = self.overrides.get(day)
        package = _package_year(day.year)
        holiday = package.names.get(day, "") if package is not None else ""
        provisional = self.is_provisional_year(day.year)
        if override is not None:
            return Day(day, override.is_workday, Source.OVERRIDE, holiday,
                       _chinese_name(holiday) if holiday else "", override.note, provisional)
        year = self._year(day.year)
        source = Source.PACKAGE if package is not None else Source.WEEKLY_RULE
        return Day(day, bool(year.workday[day.timetuple().tm_yday - 1]), source, holiday,
                   _chinese_name(holiday) if holiday else "", "", provisional)

    def days(self, year: int) -> list[Day]:
        return [self.day(d) for d in _days_of(year)]

    def is_workday(self, day: date) -> bool:
        return bool(self._year(day.year).workday[day.timetuple().tm_yday - 1])

    # -- counting ---------------------------------------------------------------------------

    def _provisional_in(self, first: date, last: date) -> tuple[int, ...]:
        """Provisional years among the days first..last (both included)."""
        if last < first:
            return ()
        return tuple(y for y in range(first.year, last.year + 1) if self._year(y).provisional)

    def add_workdays(self, start: date, n: int) -> WorkdayResult:
        """The n-th working day after `start` (start itself not counted); `start` when n = 0."""
        if n < 0:
            raise ValueError("n must be zero or more")
        if n == 0:
            return WorkdayResult(start)
        year_number, index, remaining = start.year, start.timetuple().tm_yday, n
        while True:
            year = self._year(year_number)
            base = year.cumulative[index]
            available = year.cumulative[-1] - base
            if remaining <= available:
                # The first position where the running count reaches the target is that day.
                position = bisect_left(year.cumulative, base + remaining)
                result = date(year_number, 1, 1) + timedelta(days=position - 1)
                return WorkdayResult(result,
                                     self._provisional_in(start + timedelta(days=1), result))
            remaining -= available
            year_number, index = year_number + 1, 0
            if year_number > date.max.year:
                raise OverflowError("the date is beyond the calendar")

    def workdays_between(self, a: date, b: date) -> WorkdayCount:
        """Working days after `a` up to and including `b`; negative when b is before a.

        Days left until a deadline: workdays_between(today, deadline) (0 on the deadline
        itself, negative once it has passed).
        """
        if b < a:
            count = self.workdays_between(b, a)
            return WorkdayCount(-count.days, count.provisional_years)
        total = 0
        for year_number in range(a.year, b.year + 1):
            year = self._year(year_number)
            low = a.timetuple().tm_yday if year_number == a.year else 0
            high = b.timetuple().tm_yday if year_number == b.year else len(year.workday)
            total += year.cumulative[high] - year.cumulative[low]
        return WorkdayCount(total, self._provisional_in(a + timedelta(days=1), b))


def traffic_light(days_left: int, *, yellow_days: int, red_days: int) -> Light:
    """The state of a deadline from the working days left until it.

    Red: overdue, or at most `red_days` working days left; yellow: at most `yellow_days`.
    """
    if days_left < 0 or days_left <= red_days:
        return Light.RED
    if days_left <= yellow_days:
        return Light.YELLOW
    return Light.GREEN
