"""Pages of the 执法检查人员名录库 and the 回避 (conflict of interest) registry."""

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shuangsuiji.accounts.scoping import Action, Domain, can
from shuangsuiji.core.web import (
    add_service_errors,
    may_change,
    paginate,
    require,
    service_data,
    viewable_ids,
)
from shuangsuiji.entities.models import Target
from shuangsuiji.rules.masking import mask_phone

from . import selectors, services
from .forms import (
    CertificateForm,
    ConflictFilterForm,
    ConflictForm,
    InspectorFilterForm,
    InspectorForm,
    InspectorStatusForm,
    RevokeForm,
)
from .models import Certificate, Conflict, Inspector

_DATA_FIELDS = ["department", "code", "name", "role", "user", "specialties", "region_code",
                "phone", "status", "status_since"]


def certificate_state(cert: Certificate, day: date) -> str:
    """expired / not_yet / expiring (within the warning window) / valid, on `day`."""
    if cert.valid_to is not None and cert.valid_to < day:
        return "expired"
    if cert.valid_from is not None and cert.valid_from > day:
        return "not_yet"
    if cert.valid_to is not None and cert.valid_to <= day + timedelta(
            days=selectors.EXPIRY_WARNING_DAYS):
        return "expiring"
    return "valid"


def _annotate(inspectors: Any, day: date) -> None:
    # Uses the prefetched certificates and status changes: no query per row.
    for inspector in inspectors:
        inspector.eligible = inspector.is_eligible_on(day)
        certificates = sorted(inspector.certificates.all(),
                              key=lambda c: (c.valid_to or date.max), reverse=True)
        inspector.latest_certificate = certificates[0] if certificates else None
        inspector.certificate_state = (certificate_state(certificates[0], day)
                                       if certificates else "")


@require_http_methods(["GET"])
def inspector_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.INSPECTORS)
    form = InspectorFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    inspectors = selectors.inspector_list(user=request.user, filters=filters)
    day = filters.get("eligible_on")
    if day:
        inspectors = selectors.eligible_on(inspectors, day)
    page = paginate(request, inspectors)
    day = day or timezone.localdate()
    _annotate(page, day)
    return render(request, "inspectors/inspector_list.html", {
        "form": form, "page": page, "day": day,
        "can_create": can(request.user, Domain.INSPECTORS, Action.CHANGE)})


@require_http_methods(["GET"])
def inspector_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspector = selectors.inspector_get(user=request.user, pk=pk)
    can_change = may_change(Inspector.objects, request.user, inspector)
    today = timezone.localdate()
    data = selectors.inspector_detail_data(user=request.user, inspector=inspector)
    for cert in data["certificates"]:
        cert.state = certificate_state(cert, today)
    targets = viewable_ids(Target.objects, request.user, [c.target_id for c in data["conflicts"]])
    for conflict in data["conflicts"]:
        conflict.may_open_target = conflict.target_id in targets
    own = inspector.user_id is not None and inspector.user_id == request.user.pk
    phone = inspector.phone if (can_change or own) else mask_phone(inspector.phone)
    return render(request, "inspectors/inspector_detail.html", data | {
        "inspector": inspector, "can_change": can_change, "today": today, "phone": phone,
        "eligible_today": inspector.is_eligible_on(today),
        "can_record_conflict": can(request.user, Domain.CONFLICTS, Action.CHANGE)})


@require_http_methods(["GET", "POST"])
def inspector_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.INSPECTORS, Action.CHANGE)
    form = InspectorForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            inspector = services.inspector_create(
                actor=request.user, data=service_data(form.cleaned_data, _DATA_FIELDS),
                id_number=form.cleaned_data["id_number"],
                scope_item_ids=[item.pk for item in form.cleaned_data["item_scope"]])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Inspector {name} added.").format(name=inspector))
            return redirect("inspectors:detail", pk=inspector.pk)
    return render(request, "inspectors/form.html", {
        "form": form, "title": _("New inspector"), "cancel": "inspectors:list"})


@require_http_methods(["GET", "POST"])
def inspector_edit(request: HttpRequest, pk: int) -> HttpResponse:
    inspector = selectors.inspector_get(user=request.user, pk=pk, action=Action.CHANGE)
    form = InspectorForm(request.POST or None, instance=inspector, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = [f for f in _DATA_FIELDS if f in form.fields]
        try:
            services.inspector_update(
                actor=request.user, inspector=inspector,
                data=service_data(form.cleaned_data, fields),
                id_number=form.cleaned_data["id_number"] or None,
                scope_item_ids=[item.pk for item in form.cleaned_data["item_scope"]])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("inspectors:detail", pk=inspector.pk)
    return render(request, "inspectors/form.html", {
        "form": form, "inspector": inspector,
        "title": _("Edit {name}").format(name=inspector)})


@require_http_methods(["GET", "POST"])
def inspector_status(request: HttpRequest, pk: int) -> HttpResponse:
    inspector = selectors.inspector_get(user=request.user, pk=pk, action=Action.CHANGE)
    form = InspectorStatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.inspector_set_status(actor=request.user, inspector=inspector,
                                      **form.cleaned_data)
        messages.success(request, _("Status recorded."))
        return redirect("inspectors:detail", pk=inspector.pk)
    return render(request, "inspectors/form.html", {
        "form": form, "inspector": inspector,
        "title": _("Change status of {name}").format(name=inspector),
        "intro": _("Now: {status} since {day}.").format(
            status=inspector.get_status_display(), day=inspector.status_since.isoformat())})


@require_http_methods(["GET", "POST"])
def certificate_add(request: HttpRequest, pk: int) -> HttpResponse:
    inspector = selectors.inspector_get(user=request.user, pk=pk, action=Action.CHANGE)
    form = CertificateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_add(actor=request.user, inspector=inspector,
                                     **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Certificate recorded."))
            return redirect("inspectors:detail", pk=inspector.pk)
    return render(request, "inspectors/form.html", {
        "form": form, "inspector": inspector,
        "title": _("Add an enforcement certificate for {name}").format(name=inspector)})


# --- Conflicts (回避) -----------------------------------------------------------------------


@require_http_methods(["GET"])
def conflict_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.CONFLICTS)
    form = ConflictFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    page = paginate(request, selectors.conflict_list(user=request.user, filters=filters,
                                                     today=today))
    # A joint task's conflicts may name another organisation's target: no link to it then.
    targets = viewable_ids(Target.objects, request.user, [c.target_id for c in page])
    for conflict in page:
        conflict.may_revoke = selectors.conflict_may_revoke(user=request.user,
                                                            conflict=conflict)
        conflict.may_open_target = conflict.target_id in targets
    return render(request, "inspectors/conflict_list.html", {
        "form": form, "page": page, "today": today,
        "can_create": can(request.user, Domain.CONFLICTS, Action.CHANGE)})


@require_http_methods(["GET", "POST"])
def conflict_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.CONFLICTS, Action.CHANGE)
    initial = {key: request.GET[key] for key in ("target", "inspector") if key in request.GET}
    form = ConflictForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            conflict = services.conflict_record(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Conflict recorded: {inspector} and {target}.").format(
                inspector=conflict.inspector, target=conflict.target))
            return redirect("inspectors:conflicts")
    return render(request, "inspectors/form.html", {
        "form": form, "title": _("Record a conflict of interest"),
        "cancel": "inspectors:conflicts",
        "intro": _("Draws never pair this inspector with this target while it is in force.")})


@require_http_methods(["GET", "POST"])
def conflict_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    conflict: Conflict = selectors.conflict_get(user=request.user, pk=pk, action=Action.CHANGE)
    if conflict.revoked_at is not None:
        messages.info(request, _("This conflict was already revoked."))
        return redirect("inspectors:conflicts")
    if not selectors.conflict_may_revoke(user=request.user, conflict=conflict):
        raise PermissionDenied
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.conflict_revoke(actor=request.user, conflict=conflict,
                                 reason=form.cleaned_data["reason"])
        messages.success(request, _("Conflict revoked."))
        return redirect("inspectors:conflicts")
    return render(request, "inspectors/form.html", {
        "form": form, "title": _("Revoke conflict: {inspector} and {target}").format(
            inspector=conflict.inspector, target=conflict.target),
        "cancel": "inspectors:conflicts", "danger": True,
        "intro": _("The record stays in the registry, marked revoked; draws may pair the two "
                   "again.")})
