"""The office's page of data that flows up: pushes waiting, delivered and failed (a failed one
pushed again, audited), the receiving systems configured, and the 监管行为数据 files."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Action, Domain, get_for_user, is_admin
from shuangsuiji.accounts.selectors import organisations
from shuangsuiji.core.web import paginate, private_file, require
from shuangsuiji.publication import permissions

from . import selectors, services, targets
from .models import Delivery, State, SupervisionBatch, Target

STATE_BADGES = {State.PENDING: "warn", State.SENDING: "warn", State.SENT: "ok",
                State.FAILED: "bad"}


def _organisations(user: Any) -> list[Department]:
    if is_admin(user):
        return list(organisations())
    if user.department_id is None:
        return []
    return [user.department.root or user.department]


def _may_send(user: Any) -> bool:
    return is_admin(user) or getattr(user, "role", "") in permissions.PUBLISHERS


@require_http_methods(["GET"])
def deliveries(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.PUBLICATION)
    state, target = request.GET.get("state", ""), request.GET.get("target", "")
    page = paginate(request, selectors.deliveries(request.user, state=state, target=target))
    for row in page:
        row.badge = STATE_BADGES.get(row.state, "")  # type: ignore[attr-defined]
    configured = {r.target for r in targets.configured()}
    return render(request, "exchange/deliveries.html", {
        "page": page, "state": state, "target": target, "states": State.choices,
        "targets": Target.choices, "counts": selectors.state_counts(request.user),
        "receivers": [(value, label, value in configured) for value, label in Target.choices],
        "may_send": _may_send(request.user),
        "batches": selectors.batches(request.user)[:20], "tab": "deliveries"})


@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_for_user(Delivery.objects, request.user, Action.CHANGE, pk=pk)
    try:
        services.delivery_retry(actor=request.user, delivery=delivery)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The delivery will be pushed again."))
    return redirect("exchange:deliveries")


@require_POST
def supervision_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.PUBLICATION, Action.CHANGE)
    if not _may_send(request.user):
        raise PermissionDenied
    raw = request.POST.get("organisation", "")
    organisation = next((o for o in _organisations(request.user) if str(o.pk) == raw), None)
    if organisation is None:
        own = _organisations(request.user)
        organisation = own[0] if len(own) == 1 else None
    if organisation is None:
        messages.error(request, _("Choose the organisation."))
        return redirect("exchange:deliveries")
    batch = services.supervision_batch_create(actor=request.user,  # type: ignore[arg-type]
                                              organisation=organisation)
    if batch.size:
        messages.success(request, _("File written with {n} results ({records} records).")
                         .format(n=batch.size, records=batch.records))
    else:
        messages.info(request, _("No new result since the last file: an empty file is "
                                 "recorded."))
    return redirect("exchange:deliveries")


@require_http_methods(["GET"])
def supervision_download(request: HttpRequest, pk: int) -> FileResponse:
    require(request.user, Domain.PUBLICATION)
    batch = SupervisionBatch.objects.for_user(request.user).filter(pk=pk).first()
    if batch is None:
        raise Http404
    name = f"supervision-{batch.created_at:%Y%m%d-%H%M%S}-{batch.pk}.jsonl"
    return private_file(batch.file, "application/x-ndjson; charset=utf-8", name,
                        as_attachment=True)
