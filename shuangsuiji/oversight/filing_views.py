"""Pages of 年度报告备案: the office files the year's report from its dashboard; the city lists
the filings, downloads each as filed and signs for it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shuangsuiji.core.web import private_file

from . import filings, report
from .views import dashboard_context


@require_POST
def file_report(request: HttpRequest) -> HttpResponse:
    """The dashboard's year, as its PDF is now, filed with the city."""
    context = dashboard_context(request)
    if context is None:
        raise Http404
    organisation = context["organisation"]
    if not filings.may_file(request.user, organisation):
        raise PermissionDenied
    try:
        filings.report_file_with_city(actor=request.user, organisation=organisation,
                                      year=context["year"],
                                      pdf=report.pdf(context["figures"], context["links"]))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The {year} annual report is filed with the city's "
                                    "leading group office.").format(year=context["year"]))
    return redirect(reverse("oversight:dashboard") + context["links"].base_query)


@require_http_methods(["GET"])
def filing_list(request: HttpRequest) -> HttpResponse:
    if not filings.may_list(request.user):
        raise PermissionDenied
    return render(request, "oversight/filings.html", {
        "filings": filings.filings_for(request.user),
        "may_receive": filings.may_receive(request.user)})


@require_http_methods(["GET"])
def filing_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    filing = get_object_or_404(filings.filings_for(request.user), pk=pk)
    return private_file(filing.file, "application/pdf",
                        f"annual-report-{filing.organisation.code}-{filing.year}.pdf",
                        as_attachment=True)


@require_POST
def filing_receive(request: HttpRequest, pk: int) -> HttpResponse:
    filing = get_object_or_404(filings.filings_for(request.user), pk=pk)
    try:
        filings.report_receive_filing(actor=request.user, filing=filing)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Filing signed for."))
    return redirect("oversight:filings")
