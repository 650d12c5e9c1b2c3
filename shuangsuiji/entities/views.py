"""Pages of the 检查对象名录库: list, detail, create, edit, contacts, credit-risk class."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shuangsuiji.accounts.scoping import Action, Domain, can
from shuangsuiji.core.web import add_service_errors, may_change, paginate, require, service_data
from shuangsuiji.inspectors.selectors import conflicts_of_target
from shuangsuiji.rules.masking import mask_phone

from . import selectors, services
from .forms import ContactForm, RiskForm, TargetFilterForm, TargetForm
from .models import Target

_EDIT_FIELDS = [f for f in TargetForm.Meta.fields if f != "department"]


@require_http_methods(["GET"])
def target_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.TARGETS)
    form = TargetFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    page = paginate(request, selectors.target_list(user=request.user, filters=filters),
                    bounded=True)
    return render(request, "entities/target_list.html", {
        "form": form, "page": page,
        "can_create": can(request.user, Domain.TARGETS, Action.CHANGE)})


@require_http_methods(["GET"])
def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(user=request.user, pk=pk)
    can_change = may_change(Target.objects, request.user, target)
    history = paginate(request, selectors.target_history(target=target), param="history",
                       per_page=20)
    contacts = list(target.contacts.order_by("id"))
    if not can_change:  # personal data: those who only view see it masked (个人隐私)
        for contact in contacts:
            contact.phone = mask_phone(contact.phone) if contact.phone else ""
    return render(request, "entities/target_detail.html", {
        "target": target, "can_change": can_change, "contacts": contacts,
        "licences": selectors.target_licences(target=target),
        "history": history, "history_entries": selectors.history_entries(history),
        "conflicts": conflicts_of_target(user=request.user, target=target),
        # The shared directory: which other organisations know the entity, by name alone.
        "also_known_to": [k.organisation for k in selectors.known_to(uscc=target.uscc)
                          if k.organisation_id != target.department.root_id]
        if target.uscc else [],
        "can_record_conflict": can(request.user, Domain.CONFLICTS, Action.CHANGE)})


@require_http_methods(["GET", "POST"])
def target_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.TARGETS, Action.CHANGE)
    form = TargetForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            target = services.target_create(
                actor=request.user, department_id=form.cleaned_data["department"].pk,
                data=service_data(form.cleaned_data, _EDIT_FIELDS))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Target {name} added.").format(name=target.name))
            return redirect("entities:detail", pk=target.pk)
    return render(request, "entities/target_form.html", {"form": form, "target": None})


@require_http_methods(["GET", "POST"])
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(user=request.user, pk=pk, action=Action.CHANGE)
    form = TargetForm(request.POST or None, instance=target, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.target_update(actor=request.user, target=target,
                                   data=service_data(form.cleaned_data, _EDIT_FIELDS),
                                   note=form.cleaned_data["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("entities:detail", pk=target.pk)
    return render(request, "entities/target_form.html", {"form": form, "target": target})


@require_http_methods(["GET", "POST"])
def target_risk(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(user=request.user, pk=pk, action=Action.CHANGE)
    initial = {"risk_class": target.risk_class} if target.risk_class else {}
    form = RiskForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.target_set_risk_class(actor=request.user, target=target,
                                       risk_class=form.cleaned_data["risk_class"],
                                       set_on=form.cleaned_data["risk_set_on"],
                                       note=form.cleaned_data["note"])
        messages.success(request, _("Credit risk class saved."))
        return redirect("entities:detail", pk=target.pk)
    return render(request, "entities/target_action.html", {
        "form": form, "target": target, "title": _("Credit risk class"),
        "intro": _("Internal: the class steers how often the target is drawn and is never "
                   "published.")})


@require_http_methods(["GET", "POST"])
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(user=request.user, pk=pk, action=Action.CHANGE)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.contact_add(actor=request.user, target=target, **form.cleaned_data)
        messages.success(request, _("Contact added."))
        return redirect("entities:detail", pk=target.pk)
    return render(request, "entities/target_action.html", {
        "form": form, "target": target, "title": _("Add a contact")})


@require_POST
def contact_remove(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    target = selectors.target_get(user=request.user, pk=pk, action=Action.CHANGE)
    contact = selectors.contact_get(target=target, pk=contact_pk)
    services.contact_remove(actor=request.user, contact=contact)
    messages.success(request, _("Contact {name} removed.").format(name=contact.name))
    return redirect("entities:detail", pk=target.pk)
