"""The city's pages (联席会议办公室 and administrators): breakdowns across every organisation,
the 考评 table and its criteria, the records behind a city figure, the city's annual report.

Anyone else answers 403 (the menu shows the city's pages to them only). Every figure links
to its records: a city total to the city's records page, an organisation's or a section's to
that organisation's drill-down (oversight:records), which the city reads too. Credit-risk
classes are in none of them.
"""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.scoping import is_admin
from shuangsuiji.accounts.selectors import organisations
from shuangsuiji.core.web import paginate

from . import city as selectors
from . import city_report, services
from . import selectors as org_selectors
from .forms import CRITERIA_FIELDS, CriteriaForm
from .models import EvaluationCriteria
from .report import TITLES
from .views import _year, today


def _require_city(request: HttpRequest) -> None:
    user = request.user
    if not user.is_authenticated or not (is_admin(user) or user.role == Role.CITY):
        raise PermissionDenied


def _default_year(day: date) -> int:
    """The latest year in which any organisation's task begins, not a new year of zeros."""
    years = [y for org in organisations()
             for y in org_selectors.years_with_tasks(org.pk, day.year)[:1]]
    return max(years, default=day.year)


def _figures(request: HttpRequest) -> selectors.CityFigures:
    _require_city(request)
    day = today()
    year = _year(request, day, _default_year(day) if "year" not in request.GET else None)
    return selectors.compute(year, day)


@require_http_methods(["GET"])
def city(request: HttpRequest) -> HttpResponse:
    figures = _figures(request)
    day = figures.today
    t = figures.totals
    totals = [(_("Coverage of the directory"), t["coverage"], "inspected", "targets",
               _("targets")),
              (_("Findings rate"), t["findings"], "findings", "results", _("results")),
              (_("Entered on time"), t["entry"], "entry_on_time", "entry_decided",
               _("results")),
              (_("Published on time"), t["publication"], "publication_on_time",
               "publication_decided", _("results")),
              (_("Joint-task share"), t["joint"], "joint_tasks", "tasks", _("tasks")),
              (_("From random draws (逢查必抽)"), t["drawn"], "drawn_results", "results",
               _("results"))]
    coverage = [(_("By region"), _("Region"), figures.by_region),
                (_("By industry (GB/T 4754 section)"), _("Industry"), figures.by_industry)]
    burden_tables = [
        (_("Inspections per entity by organisation"), _("Organisation"), figures.burden_by["org"]),
        (_("Inspections per entity by region"), _("Region"), figures.burden_by["region"]),
        (_("Inspections per entity by industry"), _("Industry"),
         figures.burden_by["industry"])]
    return render(request, "oversight/city.html", {
        "burden_tables": burden_tables,
        "city": figures, "year": figures.year, "today": day, "totals": totals,
        "coverage": coverage,
        "years": range(day.year, day.year - 6, -1),
        "criteria_set": EvaluationCriteria.objects.filter(year=figures.year).exists()})


@require_http_methods(["GET"])
def records(request: HttpRequest) -> HttpResponse:
    """The records behind a city figure: targets of a region or industry across every
    organisation, the inspections of the entities inspected N times, or the results, tasks
    and follow-ups of every organisation behind a city total."""
    figures = _figures(request)
    metric, key = request.GET.get("metric", ""), request.GET.get("key", "all")
    title = str(TITLES.get(metric, ""))
    if metric in selectors.CITY_METRICS:
        try:
            kind, rows, label = selectors.records(figures, metric, key)
        except selectors.UnknownMetric as exc:
            raise Http404 from exc
        if kind == "inspection" and key.startswith("times:"):
            title = _("Inspections of the entities inspected {n} times").format(n=label)
        elif kind == "inspection":
            title = _("Inspections of the year · {group}").format(group=label)
        elif label:
            title = f"{title} · {label}"
        page = paginate(request, rows)
        items = list(page)
    elif metric in org_selectors.METRICS and key == "all":
        kind = org_selectors.METRICS[metric]
        ids = [pk for f in figures.organisations for pk in f.ids.get(f"{metric}|all", [])]
        page = paginate(request, ids)
        items = org_selectors.fetch(kind, list(page))
    else:
        raise Http404
    return render(request, "oversight/records.html", {
        "city": True, "year": figures.year, "kind": kind, "metric": metric, "key": key,
        "page": page, "items": items, "title": title, "opens": {}, "hide_risk": True})


@require_http_methods(["GET", "POST"])
def criteria(request: HttpRequest) -> HttpResponse:
    """The year's 考评 criteria: read by the city and administrators, set by them too."""
    _require_city(request)
    year = _year(request, today())
    current = EvaluationCriteria.for_year(year)
    form = CriteriaForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.criteria_set(actor=request.user, year=year, values={
                name: form.cleaned_data[name] for name in CRITERIA_FIELDS})
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The evaluation criteria for {year} are saved.")
                             .format(year=year))
            return redirect(reverse("oversight:city") + f"?year={year}#evaluation")
    return render(request, "oversight/criteria.html", {"form": form, "year": year,
                                                        "criteria": current})


@require_http_methods(["GET"])
def report_xlsx(request: HttpRequest) -> HttpResponse:
    figures = _figures(request)
    response = HttpResponse(city_report.workbook(figures), content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Content-Disposition"] = f'attachment; filename="oversight-city-{figures.year}.xlsx"'
    return response


@require_http_methods(["GET"])
def report_pdf(request: HttpRequest) -> HttpResponse:
    figures = _figures(request)
    response = HttpResponse(city_report.pdf(figures), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="oversight-city-{figures.year}.pdf"'
    return response
