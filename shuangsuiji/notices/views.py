"""The office's outbox (each notice with its state; failed ones sent again), the templates it
edits, and every user's in-site messages (站内信)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Action, Domain, can, get_for_user, user_organisation_id
from shuangsuiji.core.web import add_service_errors, paginate, require

from . import selectors, services
from .choices import Kind, State
from .defaults import DEFAULTS
from .forms import TemplateForm
from .models import Notice

STATE_BADGES = {State.PENDING: "warn", State.SENDING: "warn", State.SENT: "ok",
                State.FAILED: "bad"}


def outbox(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.NOTICES)
    state, kind = request.GET.get("state", ""), request.GET.get("kind", "")
    page = paginate(request, selectors.outbox(request.user, state=state, kind=kind))
    for notice in page:
        notice.badge = STATE_BADGES.get(notice.state, "")  # type: ignore[attr-defined]
    return render(request, "notices/outbox.html", {
        "page": page, "state": state, "kind": kind, "states": State.choices,
        "kinds": Kind.choices, "counts": selectors.state_counts(request.user),
        "can_change": can(request.user, Domain.NOTICES, Action.CHANGE),
        # An administrator has no organisation, so no wording of its own to read.
        "has_templates": user_organisation_id(request.user) is not None})


@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_for_user(Notice.objects, request.user, Action.CHANGE, pk=pk)
    try:
        services.notice_retry(actor=request.user, notice=notice)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The notice will be sent again."))
    return redirect("notices:outbox")


def _organisation(request: HttpRequest) -> Department:
    organisation_pk = user_organisation_id(request.user)
    if organisation_pk is None:
        raise PermissionDenied  # an administrator has no organisation's wording to edit
    return Department.objects.get(pk=organisation_pk)


def templates(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.NOTICES)
    organisation = _organisation(request)
    return render(request, "notices/templates.html", {
        "rows": selectors.templates_of(organisation.pk), "organisation": organisation,
        "kinds": dict(Kind.choices),
        "can_change": can(request.user, Domain.NOTICES, Action.CHANGE)})


@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, kind: str) -> HttpResponse:
    require(request.user, Domain.NOTICES, Action.CHANGE)
    if kind not in DEFAULTS:
        raise Http404
    organisation = _organisation(request)
    row = next(r for r in selectors.templates_of(organisation.pk) if r["kind"] == kind)
    form = TemplateForm(request.POST or None,
                        initial={"subject": row["subject"], "body": row["body"]})
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_template_save(
                actor=request.user, organisation=organisation,  # type: ignore[arg-type]
                kind=kind, subject=form.cleaned_data["subject"], body=form.cleaned_data["body"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The template is saved; new notices use it."))
            return redirect("notices:templates")
    return render(request, "notices/template_edit.html", {
        "form": form, "row": row, "kind_label": dict(Kind.choices)[kind]})


def inbox(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.inbox(request.user))
    return render(request, "notices/inbox.html", {"page": page})


@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("notice", "")
    services.inbox_mark_read(user=request.user,  # type: ignore[arg-type]
                             notice_ids=[int(raw)] if raw.isdigit() else None)
    return redirect("notices:inbox")
