"""投诉举报 on the public site: the form (the entity found by name or code), the receipt with
the tracking code, and the look-up of a complaint's state and reply by that code.

The two POSTs are limited per client address (shared slots in the cache, like the API's
throttles): a complaint form is an open door for floods, and the look-up for guessing codes.
The tracking code is never put in a URL (it would land in logs and Referer headers): the
receipt is the answer to the POST, and the look-up is a POST too.
"""

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shuangsuiji.core.client import client_address
from shuangsuiji.core.throttling import take_slot
from shuangsuiji.core.web import add_service_errors
from shuangsuiji.credit import complaints

from .forms import ComplaintForm, EntitySearchForm, TrackingForm

SUBMITS_PER_HOUR = 10
LOOKUPS_PER_HOUR = 30


def _render(request: HttpRequest, template: str, context: dict[str, Any],
            status: int = 200) -> HttpResponse:
    response = render(request, template, context | {"section": "complaints"}, status=status)
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


def _allowed(request: HttpRequest, what: str, per_hour: int) -> bool:
    return take_slot(f"public_{what}_{client_address(request) or '-'}", per_hour, 3600)


@login_not_required
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    search = EntitySearchForm(request.GET if "q" in request.GET else None)
    found = complaints.public_targets(search.cleaned_data["q"]) if search.is_valid() else None
    chosen = None
    pk = request.POST.get("target") or request.GET.get("target") or ""
    if pk.isdigit() and len(pk) < 19:
        chosen = complaints.public_target(int(pk))
    form = ComplaintForm(request.POST or None, request.FILES or None,
                         initial={"target": chosen.pk if chosen else None})
    if request.method == "POST":
        if not _allowed(request, "complaint", SUBMITS_PER_HOUR):
            return _render(request, "portal/complaint_new.html",
                           {"search": search, "found": found, "chosen": chosen, "form": form,
                            "throttled": True}, status=429)
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = complaints.complaint_submit(
                    target_id=data["target"], summary=data["summary"],
                    complainant={"anonymous": data["anonymous"],
                                 "name": data["complainant_name"],
                                 "phone": data["complainant_phone"]},
                    attachments=data["attachments"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return _render(request, "portal/complaint_receipt.html",
                               {"complaint": complaint, "entity": complaint.target.name})
    return _render(request, "portal/complaint_new.html",
                   {"search": search, "found": found, "chosen": chosen, "form": form,
                    "throttled": False})


@login_not_required
@require_http_methods(["GET", "POST"])
def complaint_status(request: HttpRequest) -> HttpResponse:
    form = TrackingForm(request.POST or None)
    status = None
    if request.method == "POST":
        if not _allowed(request, "tracking", LOOKUPS_PER_HOUR):
            return _render(request, "portal/complaint_status.html",
                           {"form": form, "status": None, "throttled": True}, status=429)
        if form.is_valid():
            status = complaints.public_status(form.cleaned_data["code"])
            if status is None:
                form.add_error("code", _("No complaint has this tracking code."))
    return _render(request, "portal/complaint_status.html",
                   {"form": form, "status": status, "throttled": False})
