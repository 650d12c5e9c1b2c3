"""Pages of the publication (结果公示): the queue of approved results with their deadlines,
the published results with withdrawal and redaction, and the export batches."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Action, Domain, is_admin
from shuangsuiji.accounts.selectors import organisations
from shuangsuiji.core import signing
from shuangsuiji.core.models import SignedSubject
from shuangsuiji.core.web import add_service_errors, paginate, private_file, require

from . import permissions, selectors, services
from .forms import FIELD_LABELS, ExportForm, PublishForm, RedactionForm, WithdrawForm
from .models import ExportBatch, PublishedResult


def _messages(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _organisations(user: Any) -> list[Department]:
    if is_admin(user):
        return list(organisations())
    if user.department_id is None:
        return []
    return [user.department.root or user.department]


def _may_publish(user: Any) -> bool:
    return is_admin(user) or user.role in permissions.PUBLISHERS


@require_http_methods(["GET"])
def queue(request: HttpRequest) -> HttpResponse:
    """待公示: approved results not yet published, with the 20-working-day deadline."""
    require(request.user, Domain.PUBLICATION)
    today = timezone.localdate()
    rows = selectors.queue(user=request.user, today=today)
    for row in rows:
        row.may_publish = permissions.can_publish(request.user, row.inspection.department)
    return render(request, "publication/queue.html", {
        "rows": rows, "today": today, "tab": "queue",
        "may_publish": any(getattr(r, "may_publish", False) for r in rows)})


@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.PUBLICATION, Action.CHANGE)
    candidates = {r.pk: r for r in selectors.own_results(request.user)
                  .filter(pk__in=[int(v) for v in request.POST.getlist("results")
                                  if v.isdigit() and len(v) < 19])}
    form = PublishForm(request.POST, ids=list(candidates))
    if not form.is_valid():
        messages.error(request, _("Choose the results to publish."))
        return redirect("publication:queue")
    done, refused = services.results_publish_many(
        actor=request.user, inspections=[candidates[i] for i in form.cleaned_data["results"]])
    if done:
        messages.success(request, _("{n} results published.").format(n=len(done)))
    for pk, reason in refused.items():
        messages.error(request, _("Result {id} not published: {reason}").format(
            id=pk, reason=reason))
    return redirect("publication:queue")


@require_http_methods(["GET"])
def published_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.PUBLICATION)
    show = request.GET.get("show", "")
    withdrawn = {"withdrawn": True, "all": None}.get(show, False)
    query = request.GET.get("q", "").strip()
    results = selectors.published(request.user, withdrawn=withdrawn)
    if query:
        results = results.filter(uscc=query.upper()) if len(query) == 18 and query.isalnum() \
            else results.filter(entity_name__startswith=query)
    page = paginate(request, results)
    for p in page:
        p.may_withdraw = p.withdrawn_at is None and p.inspection is not None and \
            permissions.can_publish(request.user, p.inspection.department)
        p.withheld_labels = [FIELD_LABELS.get(f, f) for f in p.withheld_fields]
    return render(request, "publication/published.html", {
        "page": page, "show": show, "q": query, "tab": "published",
        "withdraw_form": WithdrawForm()})


def _published(request: HttpRequest, pk: int) -> PublishedResult:
    published = (selectors.published(request.user, withdrawn=None)
                 .select_related("inspection__department").filter(pk=pk).first())
    if published is None:
        raise Http404
    return published


@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Domain.PUBLICATION, Action.CHANGE)
    published = _published(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the result is withdrawn."))
        return redirect("publication:published")
    try:
        services.result_withdraw(actor=request.user, published=published,
                                 reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        _messages(request, exc)
    else:
        messages.success(request, _("Publication of {name} withdrawn.").format(
            name=published.entity_name or published.task_code))
    return redirect("publication:published")


@require_http_methods(["GET", "POST"])
def redaction(request: HttpRequest, pk: int) -> HttpResponse:
    """依法不予公示: withhold fields of a result, or the whole result, with the approval."""
    require(request.user, Domain.PUBLICATION)
    inspection = (selectors.own_results(request.user)
                  .select_related("department", "visit__task", "visit__drawn_target__target")
                  .filter(pk=pk).first())
    if inspection is None:
        raise Http404
    allowed = permissions.can_redact(request.user, inspection.department)
    form = RedactionForm(request.POST or None)
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.redaction_approve(actor=request.user, inspection=inspection,
                                           **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The withholding is recorded."))
                return redirect("publication:redaction", pk=inspection.pk)
    existing = services.active_redactions(inspection).select_related("approved_by")
    for r in existing:
        r.field_labels = [FIELD_LABELS.get(f, f) for f in r.fields]
    return render(request, "publication/redaction.html", {
        "inspection": inspection, "target": inspection.visit.drawn_target.target,
        "form": form, "allowed": allowed, "redactions": existing,
        "published": PublishedResult.objects.filter(inspection=inspection).first(),
        "tab": "published"})


@require_http_methods(["GET", "POST"])
def exports(request: HttpRequest) -> HttpResponse:
    """Batch files for the national and city credit platforms, and the past batches."""
    require(request.user, Domain.PUBLICATION)
    organisations = _organisations(request.user)
    form = ExportForm(request.POST or None, organisations=organisations)
    if request.method == "POST":
        require(request.user, Domain.PUBLICATION, Action.CHANGE)
        if not _may_publish(request.user):
            raise PermissionDenied
        if form.is_valid():
            organisation = next(o for o in organisations
                                if o.pk == form.cleaned_data["organisation"])
            try:
                batch = services.export_batch_create(
                    actor=request.user, organisation=organisation,
                    channel=form.cleaned_data["channel"], fmt=form.cleaned_data["format"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if batch.size:
                    messages.success(request, _("Batch created with {n} results.").format(
                        n=batch.size))
                else:
                    messages.info(request, _("Nothing new to send to this channel: an empty "
                                             "batch is recorded."))
                return redirect("publication:exports")
    pending = {}
    for o in organisations:
        for value, label in form.fields["channel"].choices:
            pending[(o.pk, value)] = (o, label, services.pending_for_channel(
                organisation_id=o.pk, channel=value).count())
    page = paginate(request, selectors.batches(request.user))
    signed = signing.signatures_of(SignedSubject.EXPORT, list(page))
    return render(request, "publication/exports.html", {
        "form": form, "page": page, "signed": {int(pk) for pk in signed},
        "pending": list(pending.values()), "may_export": _may_publish(request.user),
        "tab": "exports"})


@require_http_methods(["GET"])
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    require(request.user, Domain.PUBLICATION)
    batch = ExportBatch.objects.for_user(request.user).filter(pk=pk).first()
    if batch is None:
        raise Http404
    content_type = ("text/csv; charset=utf-8" if batch.format == "csv" else
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"{batch.channel}-{batch.created_at:%Y%m%d-%H%M%S}-{batch.pk}.{batch.format}"
    return private_file(batch.file, content_type, name, as_attachment=True)


@require_http_methods(["GET"])
def export_signature(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch file's SM2 signature (国密), hexadecimal r||s, for `shuangsuiji keys verify`."""
    require(request.user, Domain.PUBLICATION)
    batch = ExportBatch.objects.for_user(request.user).filter(pk=pk).first()
    signature = batch and signing.signature_of(batch, SignedSubject.EXPORT)
    if not signature:
        raise Http404
    name = f"{batch.channel}-{batch.created_at:%Y%m%d-%H%M%S}-{batch.pk}.{batch.format}.sm2"
    response = HttpResponse(signature.signature + "\n", content_type="text/plain")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
