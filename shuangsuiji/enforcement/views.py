"""Pages of the enforcement documents: a result's documents and the form to issue one, each
document as a print page and an A4 PDF, and the office's numbering."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import user_organisation_id
from shuangsuiji.core.web import add_service_errors
from shuangsuiji.draws.pdf import html_to_pdf
from shuangsuiji.inspections import permissions
from shuangsuiji.inspections import selectors as inspection_selectors

from . import selectors, services
from .choices import DocumentKind
from .forms import IssueForm, NumberingForm
from .models import IssuedDocument


@require_http_methods(["GET", "POST"])
def inspection_documents(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = inspection_selectors.result_get(user=request.user, pk=pk)
    can_issue = permissions.can_follow_up(request.user, inspection)
    follow_ups = selectors.follow_ups_for(inspection)
    form = IssueForm(request.POST or None, follow_ups=follow_ups,
                     initial={"kind": request.GET.get("kind", DocumentKind.SITE_RECORD),
                              "place": inspection.visit.drawn_target.target.address})
    status = 200
    if request.method == "POST":
        if not can_issue:
            raise PermissionDenied
        if form.is_valid():
            try:
                document = services.document_issue(
                    actor=request.user, inspection=inspection, kind=form.cleaned_data["kind"],
                    follow_up=form.cleaned_data["follow_up"], data=form.data_for_content())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("{document} {number} issued.").format(
                    document=document.get_kind_display(), number=document.number))
                return redirect("enforcement:document", pk=document.pk)
        status = 400
    return render(request, "enforcement/inspection_documents.html", {
        "inspection": inspection, "task": inspection.visit.task,
        "target": inspection.visit.drawn_target.target, "form": form, "can_issue": can_issue,
        "documents": selectors.documents_of(inspection),
        "scheme": selectors.scheme_of(inspection.department.root_id
                                      or inspection.department_id)}, status=status)


def _render(request: HttpRequest, document: IssuedDocument, *, for_pdf: bool) -> str:
    return render_to_string("enforcement/document.html", {
        "document": document, "c": document.content, "for_pdf": for_pdf,
        "kind": DocumentKind}, request=request)


@require_http_methods(["GET"])
def document(request: HttpRequest, pk: int) -> HttpResponse:
    doc = selectors.document_get(user=request.user, pk=pk)
    return HttpResponse(_render(request, doc, for_pdf=False))


@require_http_methods(["GET"])
def document_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    doc = selectors.document_get(user=request.user, pk=pk)
    response = HttpResponse(html_to_pdf(_render(request, doc, for_pdf=True)),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="document-{doc.pk}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
def numbering(request: HttpRequest) -> HttpResponse:
    """The office sets its abbreviation in document numbers."""
    if not request.user.is_authenticated or request.user.role != Role.OFFICE:
        raise PermissionDenied
    organisation = Department.objects.get(pk=user_organisation_id(request.user))
    scheme = selectors.scheme_of(organisation.pk)
    form = NumberingForm(request.POST or None,
                         initial={"abbreviation": scheme.abbreviation if scheme else ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.scheme_set(actor=request.user, organisation=organisation,
                                abbreviation=form.cleaned_data["abbreviation"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Document numbering saved."))
            return redirect("enforcement:numbering")
    return render(request, "enforcement/numbering.html", {
        "form": form, "organisation": organisation, "scheme": scheme,
        "example": services.format_number(scheme.abbreviation if scheme else "", "检",
                                          2026, 12) if scheme else ""},
        status=400 if request.method == "POST" else 200)
