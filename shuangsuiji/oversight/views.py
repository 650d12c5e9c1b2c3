"""The oversight dashboard, its drill-down lists and the annual report downloads.

Open to leadership and the office of an organisation (and a cooperating organisation's partner
staff, for their own organisation): Domain.OVERSIGHT. Each sees only their own organisation;
a system administrator and the city's leading group office (Role.CITY) see every one: a
table of all, then any one's figures.
"""

from dataclasses import replace
from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Domain, can, is_admin, scope_for
from shuangsuiji.accounts.selectors import organisations
from shuangsuiji.core.web import paginate, require

from . import filings, report, selectors
from .charts import Links, charts

FIRST_YEAR, LAST_YEAR = 2000, 2100


def today() -> date:
    """The day the figures are counted as of (a function, so tests can fix it)."""
    return timezone.localdate()


def _year(request: HttpRequest, today: date, default: int | None = None) -> int:
    try:
        year = int(request.GET.get("year", default or today.year))
    except ValueError as exc:
        raise Http404 from exc
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    return year


def organisation_for(request: HttpRequest) -> Department | None:
    """The organisation whose figures the user sees: their own; an administrator's choice
    (None until chosen). Asking for another organisation answers 404."""
    require(request.user, Domain.OVERSIGHT)
    wanted = request.GET.get("org", "")
    if _chooses(request.user):
        if not wanted:
            return None
        return get_object_or_404(organisations(), pk=wanted if wanted.isdigit() else 0)
    if request.user.role == Role.AUDITOR:  # no department: the organisations it audits
        audited = organisations().filter(
            pk__in=scope_for(request.user, Domain.OVERSIGHT).organisation_ids).order_by("pk")
        if wanted:
            return get_object_or_404(audited, pk=wanted if wanted.isdigit() else 0)
        own = audited.first()
        if own is None:
            raise Http404
        return own
    department = request.user.department
    own = department.root if department.root_id else department
    if wanted and wanted != str(own.pk):
        raise Http404
    return own


def _chooses(user: Any) -> bool:
    """An administrator or the city's leading group office: every organisation's figures."""
    return is_admin(user) or user.role == Role.CITY


def dashboard_context(request: HttpRequest) -> dict[str, Any] | None:
    """The dashboard's organisation, year and figures for the request (None: an
    administrator or the city has not chosen an organisation); the report downloads and the
    filing (filing_views.py) start from it too."""
    day = today()
    organisation = organisation_for(request)
    if organisation is None:
        return None
    # Opens on the latest year with tasks, not on a new year whose figures are all 0.
    with_data = selectors.years_with_tasks(organisation.pk, day.year)
    year = _year(request, day, with_data[0] if with_data else None)
    figures = selectors.compute(organisation, year, day)
    if request.user.role == Role.CITY:  # credit-risk classes stay with their organisation
        figures = replace(figures, by_risk=[])
    links = Links(organisation, year, _chooses(request.user))
    # Links only to pages the reader may open: an auditor reads the figures, not the
    # directory or the results behind them.
    opens = {domain.value: can(request.user, domain)
             for domain in (Domain.TARGETS, Domain.INSPECTIONS, Domain.TASKS)}
    return {"figures": figures, "links": links, "year": year, "today": day, "opens": opens,
            "organisation": organisation, "years": range(day.year, day.year - 6, -1),
            "has_data": year in with_data}


@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    context = dashboard_context(request)
    if context is None:
        year = _year(request, today())
        return render(request, "oversight/choose.html", {
            "organisations": organisations(), "year": year,
            "city": selectors.city_overview(year, today())})
    context["charts"] = charts(context["figures"], context["links"])
    context["summary"] = report.summary(context["figures"])
    context["filing"] = filings.filings_for(request.user).filter(
        organisation=context["organisation"], year=context["year"]).first()
    context["may_file"] = filings.may_file(request.user, context["organisation"])
    return render(request, "oversight/dashboard.html", context)


@require_http_methods(["GET"])
def records(request: HttpRequest) -> HttpResponse:
    """The records behind one figure, paged, scoped like the figure."""
    context = dashboard_context(request)
    if context is None:
        raise Http404
    metric, key = request.GET.get("metric", ""), request.GET.get("key", "all")
    try:
        kind, rows = selectors.records(context["figures"], metric, key)
    except selectors.UnknownMetric as exc:
        raise Http404 from exc
    page = paginate(request, rows)
    items = list(page) if kind == "target" else selectors.fetch(kind, list(page))
    return render(request, "oversight/records.html", context | {
        "kind": kind, "metric": metric, "key": key, "page": page, "items": items,
        # credit-risk classes stay with their organisation (the city reads the records)
        "hide_risk": request.user.role == Role.CITY,
        "title": report.metric_title(metric, key, context["figures"])})


@require_http_methods(["GET"])
def report_xlsx(request: HttpRequest) -> HttpResponse:
    context = dashboard_context(request)
    if context is None:
        raise Http404
    figures = context["figures"]
    response = HttpResponse(report.workbook(figures), content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Content-Disposition"] = (
        f'attachment; filename="oversight-{figures.organisation.code}-{figures.year}.xlsx"')
    return response


@require_http_methods(["GET"])
def report_pdf(request: HttpRequest) -> HttpResponse:
    context = dashboard_context(request)
    if context is None:
        raise Http404
    figures = context["figures"]
    response = HttpResponse(report.pdf(figures, context["links"]),
                            content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="oversight-{figures.organisation.code}-{figures.year}.pdf"')
    return response
