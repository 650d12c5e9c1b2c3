"""The office's and the sections' complaint pages: the list with states and deadlines, and a
complaint with its handling (assign, reply, close). Scoped by credit/complaints.py
`complaints_for`: another organisation's complaint, or a section's not assigned to it, is 404.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.scoping import Domain, user_organisation_id
from shuangsuiji.core.web import add_service_errors, paginate, private_file, require
from shuangsuiji.inspections.deadlines import deadline_on
from shuangsuiji.workdays.selectors import calendar

from . import complaints, selectors
from .forms import (
    ComplaintAssignForm,
    ComplaintCloseForm,
    ComplaintFilterForm,
    ComplaintReplyForm,
)
from .models import Complaint, ComplaintAttachment, ComplaintState

OPEN = (ComplaintState.RECEIVED, ComplaintState.ASSIGNED)


def _complaint(request: HttpRequest, pk: int) -> Complaint:
    require(request.user, Domain.CREDIT)
    return get_object_or_404(complaints.complaints_for(request.user)
                             .select_related("target", "section", "handled_by"), pk=pk)


@require_http_methods(["GET"])
def complaint_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.CREDIT)
    form = ComplaintFilterForm(request.GET or None)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    qs = complaints.complaints_for(request.user).select_related("target", "section")
    if state == "":
        qs = qs.filter(state__in=[*OPEN, ComplaintState.REPLIED])
    elif state != "all":
        qs = qs.filter(state=state)
    page = paginate(request, qs.order_by("due_on", "-received_on", "-pk"))
    today, cal = timezone.localdate(), calendar()
    for c in page:
        c.deadline = (deadline_on(c.due_on, today=today, cal=cal)
                      if c.due_on and c.state in OPEN else None)
    return render(request, "credit/complaint_list.html", {"form": form, "page": page})


def _detail(request: HttpRequest, complaint: Complaint, **forms: Any) -> HttpResponse:
    handle = complaints.may_handle(request.user, complaint)
    reply = complaints.may_reply(request.user, complaint)
    deadline = None
    if complaint.due_on and complaint.state in OPEN:
        deadline = deadline_on(complaint.due_on, today=timezone.localdate(), cal=calendar())
    context = {
        "complaint": complaint, "deadline": deadline,
        "can_file": selectors.targets_for(request.user).filter(pk=complaint.target_id).exists(),
        # The office of the complaint's organisation checks it on site (投诉举报核查).
        "can_check": request.user.role == Role.OFFICE  # type: ignore[union-attr]
        and user_organisation_id(request.user) == complaint.organisation_id,
        "attachments": list(complaint.attachments.all()),
        # The complainant's name and phone: for those who handle the complaint only.
        "personal": reply and not complaint.anonymous,
        "phone": complaints.complainant_phone(complaint) if reply else "",
        "assign_form": forms.get("assign_form") or (ComplaintAssignForm(
            sections=complaints.sections(complaint.organisation_id),
            initial={"section": complaint.section_id})
            if handle and complaint.state in OPEN else None),
        "reply_form": forms.get("reply_form") or (ComplaintReplyForm(
            initial={"reply": complaint.reply})
            if reply and complaint.state != ComplaintState.CLOSED
            and (handle or complaint.state == ComplaintState.ASSIGNED) else None),
        "close_form": forms.get("close_form") or (
            ComplaintCloseForm() if handle and complaint.state == ComplaintState.REPLIED
            else None),
    }
    return render(request, "credit/complaint_detail.html", context)


@require_http_methods(["GET"])
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _complaint(request, pk))


@require_POST
def complaint_assign(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    if not complaints.may_handle(request.user, complaint):
        raise PermissionDenied
    form = ComplaintAssignForm(request.POST,
                               sections=complaints.sections(complaint.organisation_id))
    if form.is_valid():
        try:
            complaints.complaint_assign(actor=request.user, complaint=complaint,
                                        section=form.cleaned_data["section"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Complaint assigned."))
            return redirect("credit:complaint", pk=complaint.pk)
    return _detail(request, complaint, assign_form=form)


@require_POST
def complaint_reply(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    if not complaints.may_reply(request.user, complaint):
        raise PermissionDenied
    form = ComplaintReplyForm(request.POST)
    if form.is_valid():
        try:
            complaints.complaint_reply(actor=request.user, complaint=complaint,
                                       reply=form.cleaned_data["reply"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Reply saved."))
            return redirect("credit:complaint", pk=complaint.pk)
    return _detail(request, complaint, reply_form=form)


@require_POST
def complaint_close(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    if not complaints.may_handle(request.user, complaint):
        raise PermissionDenied
    form = ComplaintCloseForm(request.POST)
    if form.is_valid():
        try:
            complaints.complaint_close(actor=request.user, complaint=complaint,
                                       substantiated=form.cleaned_data["substantiated"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Complaint closed."))
            return redirect("credit:complaint", pk=complaint.pk)
    return _detail(request, complaint, close_form=form)


@require_http_methods(["GET"])
def attachment_file(request: HttpRequest, pk: int) -> FileResponse:
    """404, not 403: an attachment's existence is not disclosed outside the complaint's
    readers."""
    attachment = ComplaintAttachment.objects.filter(
        pk=pk, complaint__in=complaints.complaints_for(request.user)).first()
    if attachment is None:
        raise Http404
    return private_file(attachment.file, attachment.content_type, attachment.original_name,
                        images=True)
