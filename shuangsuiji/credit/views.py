"""Pages of the credit files (信用档案): search, the file, and the office's tools (complaints,
blacklist and credit repair, risk classes by hand or by import, risk rules, partner keys)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Action, Domain, can, is_admin, organisation_id, scope_for
from shuangsuiji.accounts.selectors import organisations
from shuangsuiji.core.web import add_service_errors, paginate, require
from shuangsuiji.entities.models import Target
from shuangsuiji.inspections.choices import FollowUpKind

from . import complaints, selectors, services
from .forms import (
    BlacklistForm,
    ComplaintForm,
    PartnerTokenForm,
    RemovalForm,
    RiskImportForm,
    RiskRuleForm,
    RiskSetForm,
    SearchForm,
)
from .models import BlacklistEntry, PartnerToken, RiskRule

RECENT_DAYS = 180


def _target(request: HttpRequest, pk: int, *, change: bool = False) -> Target:
    """404 outside the user's credit files; 403 for a change the user may not make."""
    require(request.user, Domain.CREDIT)
    target = get_object_or_404(selectors.targets_for(request.user).select_related("department"),
                               pk=pk)
    if change:
        scope = scope_for(request.user, Domain.CREDIT, Action.CHANGE)
        org = organisation_id(target.department)
        if not scope.everything and org not in scope.organisation_ids:
            raise PermissionDenied
    return target


def _organisation(request: HttpRequest) -> Department:
    """The organisation whose rules and keys the page manages (an administrator picks one)."""
    require(request.user, Domain.CREDIT, Action.CHANGE)
    user = request.user
    if not is_admin(user):
        return user.department.root or user.department
    roots = organisations()
    chosen = request.GET.get("org") or request.POST.get("org")
    if chosen and chosen.isdigit():
        org = roots.filter(pk=int(chosen)).first()
        if org is not None:
            return org
    org = roots.first()
    if org is None:
        raise Http404
    return org


def _org_context(request: HttpRequest, org: Department) -> dict[str, Any]:
    roots = organisations() if is_admin(request.user) else []
    return {"organisation": org, "organisations": roots}


@require_http_methods(["GET"])
def search(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.CREDIT)
    form = SearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    page = paginate(request, selectors.search(request.user, q)) if q else None
    return render(request, "credit/search.html", {
        "form": form, "q": q, "page": page,
        "can_manage": can(request.user, Domain.CREDIT, Action.CHANGE)})


@require_http_methods(["GET"])
def credit_file(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    file = selectors.credit_file(request.user, target, RECENT_DAYS)
    scope = scope_for(request.user, Domain.CREDIT, Action.CHANGE)
    org = organisation_id(target.department)
    # A section opens only the complaints assigned to it: link those the reader may open.
    openable = set(complaints.complaints_for(request.user).filter(
        pk__in=[c.pk for c in file.complaints]).values_list("pk", flat=True))
    return render(request, "credit/file.html", {
        "file": file, "target": target, "recent_days": RECENT_DAYS,
        "can_change": scope.everything or org in scope.organisation_ids,
        "openable_complaints": openable})


def _action_page(request: HttpRequest, target: Target, form: Any, title: str,
                 intro: str = "") -> HttpResponse:
    return render(request, "credit/action.html", {"form": form, "target": target,
                                                  "title": title, "intro": intro})


@require_http_methods(["GET", "POST"])
def complaint_add(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk, change=True)
    form = ComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_add(actor=request.user, target=target, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Complaint recorded."))
            return redirect("credit:file", pk=target.pk)
    return _action_page(request, target, form, _("Record a complaint"))


@require_http_methods(["GET", "POST"])
def blacklist_add(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk, change=True)
    proposals = selectors.follow_ups(selectors.visible_results(request.user, [target.pk])
                                     ).filter(kind=FollowUpKind.BLACKLIST)
    initial = {}
    if request.GET.get("follow_up", "").isdigit():
        initial["follow_up"] = int(request.GET["follow_up"])
    form = BlacklistForm(request.POST or None, proposals=proposals, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.blacklist_add(actor=request.user, target=target,
                                   basis=form.cleaned_data["basis"],
                                   listed_on=form.cleaned_data["listed_on"],
                                   until=form.cleaned_data["until"],
                                   follow_up=form.cleaned_data.get("follow_up"))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Entity put on the blacklist."))
            return redirect("credit:file", pk=target.pk)
    return _action_page(request, target, form, _("Put on the blacklist"),
                        _("严重违法失信名单: state the facts and the legal provision. "
                          "The entry is published while in force."))


@require_http_methods(["GET", "POST"])
def blacklist_remove(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Domain.CREDIT, Action.CHANGE)
    entry = get_object_or_404(BlacklistEntry.objects.filter(
        target__in=selectors.targets_for(request.user)), pk=pk)
    target = _target(request, entry.target_id, change=True)
    form = RemovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.blacklist_remove(actor=request.user, entry=entry,
                                      removed_on=form.cleaned_data["removed_on"],
                                      reason=form.cleaned_data["removal_reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Entity removed from the blacklist."))
            return redirect("credit:file", pk=target.pk)
    return _action_page(request, target, form, _("Remove from the blacklist (credit repair)"),
                        entry.basis)


@require_http_methods(["GET", "POST"])
def risk_set(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk, change=True)
    form = RiskSetForm(request.POST or None,
                       initial={"risk_class": target.risk_class} if target.risk_class else {})
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_class_set(actor=request.user, target=target,
                                    risk_class=form.cleaned_data["risk_class"],
                                    set_on=form.cleaned_data["set_on"],
                                    reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Credit risk class saved."))
            return redirect("credit:file", pk=target.pk)
    return _action_page(request, target, form, _("Set the credit risk class"),
                        _("Internal: the class steers how often the entity is drawn and is "
                          "never published."))


@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    org = _organisation(request)
    form = RiskRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_rule_save(actor=request.user, organisation_id=org.pk,
                                    data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Risk rule saved."))
            return redirect(f"{request.path}?org={org.pk}")
    return render(request, "credit/rules.html", {
        "form": form, "rules": RiskRule.objects.filter(organisation=org),
        **_org_context(request, org)})


@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Domain.CREDIT, Action.CHANGE)
    rule = get_object_or_404(RiskRule, pk=pk)
    scope = scope_for(request.user, Domain.CREDIT, Action.CHANGE)
    if not scope.everything and rule.organisation_id not in scope.organisation_ids:
        raise Http404
    form = RiskRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and request.POST.get("delete"):
        try:
            services.risk_rule_delete(actor=request.user, rule=rule)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("credit:rule", pk=rule.pk)
        messages.success(request, _("Risk rule removed."))
        return redirect(f"{_rules_url()}?org={rule.organisation_id}")
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_rule_save(actor=request.user, organisation_id=rule.organisation_id,
                                    data=form.cleaned_data,
                                    rule=RiskRule.objects.get(pk=rule.pk))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Risk rule saved."))
            return redirect(f"{_rules_url()}?org={rule.organisation_id}")
    return render(request, "credit/rule_edit.html", {"form": form, "rule": rule})


def _rules_url() -> str:
    return reverse("credit:rules")


@require_http_methods(["GET", "POST"])
def risk_import(request: HttpRequest) -> HttpResponse:
    org = _organisation(request)
    form = RiskImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.risk_import(actor=request.user, organisation_id=org.pk,
                                          name=upload.name, data=upload.read())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if result.ok:
                messages.success(request, _("Imported: {changed} classes changed.").format(
                    changed=result.changed))
            else:
                messages.error(request, _("Nothing was imported: correct the rows below and "
                                          "upload the file again."))
    return render(request, "credit/import.html", {"form": form, "result": result,
                                                  **_org_context(request, org)})


@require_http_methods(["GET", "POST"])
def partners(request: HttpRequest) -> HttpResponse:
    org = _organisation(request)
    form = PartnerTokenForm(request.POST or None)
    key = None
    if request.method == "POST" and form.is_valid():
        try:
            token, key = services.partner_token_create(
                actor=request.user, organisation_id=org.pk, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            form = PartnerTokenForm()
            messages.success(request, _("Key issued to {name}.").format(name=token.name))
    response = render(request, "credit/partners.html", {
        "form": form, "key": key, "tokens": PartnerToken.objects.filter(organisation=org),
        **_org_context(request, org)})
    if key:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
def partner_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Domain.CREDIT, Action.CHANGE)
    token = get_object_or_404(PartnerToken, pk=pk)
    scope = scope_for(request.user, Domain.CREDIT, Action.CHANGE)
    if not scope.everything and token.organisation_id not in scope.organisation_ids:
        raise Http404
    try:
        services.partner_token_revoke(actor=request.user, token=token)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Key revoked."))
    return redirect(f"{reverse('credit:partners')}?org={token.organisation_id}")
