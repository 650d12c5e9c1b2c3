"""Pages of the working-day calendar: a year at a glance, the table, counting working days."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from shuangsuiji.core.web import add_service_errors
from shuangsuiji.rules.workdays import Day, DayKind, Source

from . import selectors, services
from .forms import CountForm, DayForm, DeclareForm, YearForm
from .models import FIRST_YEAR, LAST_YEAR, CalendarDay

KIND_LABELS = {
    DayKind.WORKDAY: gettext_lazy("Working day"),
    DayKind.WEEKEND: gettext_lazy("Weekend"),
    DayKind.HOLIDAY: gettext_lazy("Day off"),
    DayKind.ADJUSTED_WORKDAY: gettext_lazy("Working weekend day (调休上班)"),
}
# One or two letters: seven columns must fit a month's small card.
GRID_WEEKDAYS = [pgettext_lazy("weekday in a month grid", "Mo"),
                 pgettext_lazy("weekday in a month grid", "Tu"),
                 pgettext_lazy("weekday in a month grid", "We"),
                 pgettext_lazy("weekday in a month grid", "Th"),
                 pgettext_lazy("weekday in a month grid", "Fr"),
                 pgettext_lazy("weekday in a month grid", "Sa"),
                 pgettext_lazy("weekday in a month grid", "Su")]
SOURCE_LABELS = {
    Source.PACKAGE: gettext_lazy("Built-in holiday data"),
    Source.OVERRIDE: gettext_lazy("Calendar table"),
    Source.WEEKLY_RULE: gettext_lazy("Weekly rule"),
}


@dataclass(frozen=True)
class Row:
    day: Day
    kind: str
    source: str
    entry: CalendarDay | None  # the table's row, when the day is set by hand


def _require_editor(user: Any) -> None:
    if not services.may_edit(user):
        raise PermissionDenied


def _year_context(request: HttpRequest, year: int, **forms: Any) -> dict[str, Any]:
    cal = selectors.calendar()
    entries = selectors.overrides_of(year)
    status = selectors.year_status(year)
    declaration = status.declaration
    return {
        "year": year, "status": status, "months": selectors.months(cal, year),
        "weekdays": GRID_WEEKDAYS,
        "rows": [Row(d, KIND_LABELS[d.kind], SOURCE_LABELS[d.source], entries.get(d.date))
                 for d in selectors.special_days(cal, year)],
        "can_edit": services.may_edit(request.user),
        "year_form": YearForm(initial={"year": year}),
        "count_form": CountForm(initial={"start": timezone.localdate(), "n": 20}),
        "day_form": forms.get("day_form") or DayForm(initial={"date": date(year, 1, 1)}),
        "declare_form": forms.get("declare_form") or DeclareForm(initial={
            "complete": status.complete,
            "source": declaration.source if declaration else "",
            "notes": declaration.notes if declaration else ""}),
    }


def _redirect_to_year(year: int) -> HttpResponse:
    return redirect(f"{reverse('workdays:calendar')}?year={year}")


@require_http_methods(["GET"])
def calendar_year(request: HttpRequest) -> HttpResponse:
    form = YearForm(request.GET)
    year = form.cleaned_data["year"] if form.is_valid() else timezone.localdate().year
    if "year" in request.GET and not form.is_valid():
        messages.error(request, _("Choose a year between {first} and {last}.").format(
            first=FIRST_YEAR, last=LAST_YEAR))
    return render(request, "workdays/calendar.html", _year_context(request, year))


@require_POST
def day_set(request: HttpRequest) -> HttpResponse:
    _require_editor(request.user)
    form = DayForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.calendar_day_set(actor=request.user, day=data["date"],
                                      is_workday=data["is_workday"], note=data["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("{date} saved in the calendar table.").format(
                date=data["date"].isoformat()))
            return _redirect_to_year(data["date"].year)
    day = form.cleaned_data.get("date")
    year = day.year if day and FIRST_YEAR <= day.year <= LAST_YEAR else timezone.localdate().year
    return render(request, "workdays/calendar.html",
                  _year_context(request, year, day_form=form))


@require_POST
def day_delete(request: HttpRequest, day: date) -> HttpResponse:
    _require_editor(request.user)
    try:
        services.calendar_day_delete(actor=request.user, day=day)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("{date} removed from the calendar table.").format(
            date=day.isoformat()))
    return _redirect_to_year(day.year)


@require_POST
def year_set(request: HttpRequest, year: int) -> HttpResponse:
    _require_editor(request.user)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    form = DeclareForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.calendar_year_set(actor=request.user, year=year,
                                       complete=data["complete"], source=data["source"],
                                       notes=data["notes"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The declaration for {year} is saved.").format(
                year=year))
            return _redirect_to_year(year)
    return render(request, "workdays/calendar.html",
                  _year_context(request, year, declare_form=form))


@require_http_methods(["GET"])
def count(request: HttpRequest) -> HttpResponse:
    """N working days after a date, and how many are left from today."""
    form = CountForm(request.GET or None, initial={"start": timezone.localdate(), "n": 20})
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        cal = selectors.calendar()
        today = timezone.localdate()
        result = cal.add_workdays(form.cleaned_data["start"], form.cleaned_data["n"])
        context |= {"result": result, "today": today,
                    "left": cal.workdays_between(today, result.date)}
    return render(request, "workdays/count.html", context)
