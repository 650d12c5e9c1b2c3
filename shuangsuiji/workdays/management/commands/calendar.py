from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from shuangsuiji.core.i18n import reason
from shuangsuiji.rules.dates import InvalidDate, parse_date
from shuangsuiji.workdays.selectors import calendar


def _date(text: str) -> date:
    try:
        value = parse_date(text)
    except InvalidDate as exc:
        raise CommandError(reason(exc)) from exc
    if value is None:
        raise CommandError(_("A date is required."))
    return value


class Command(BaseCommand):
    help = ("Working-day calendar, with the table kept on the calendar page: "
            "`calendar add-workdays DATE N` prints the N-th working day after DATE, "
            "`calendar is-workday DATE` prints yes or no, "
            "`calendar between DATE1 DATE2` prints the working days after DATE1 up to DATE2. "
            "Standard output holds only the answer; a provisional answer is flagged on "
            "standard error.")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add-workdays", help="the N-th working day after DATE")
        add.add_argument("date")
        add.add_argument("n", type=int)
        one = sub.add_parser("is-workday", help="yes or no")
        one.add_argument("date")
        between = sub.add_parser("between", help="working days after DATE1 up to DATE2")
        between.add_argument("date")
        between.add_argument("until")

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate(translation.get_language() or "zh-hans")
        day, action = _date(options["date"]), options["action"]
        cal = calendar()
        if action == "add-workdays":
            if options["n"] < 0:
                raise CommandError(_("N must be zero or more."))
            result = cal.add_workdays(day, options["n"])
            answer, years = result.date.isoformat(), result.provisional_years
        elif action == "is-workday":
            answer = "yes" if cal.is_workday(day) else "no"
            years = (day.year,) if cal.is_provisional_year(day.year) else ()
        else:
            count = cal.workdays_between(day, _date(options["until"]))
            answer, years = str(count.days), count.provisional_years
        self.stdout.write(answer)
        if years:
            self.stderr.write(_(
                "Warning: provisional. {years} is not covered by the built-in holiday data and "
                "has not been declared complete: weekends were taken as days off and weekdays "
                "as working days, except the days set in the calendar table."
            ).format(years=", ".join(str(y) for y in years)))
