"""Pages of the 抽查事项清单: list, detail with version history, create, adjust, publish."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shuangsuiji.accounts.scoping import Action, Domain, can
from shuangsuiji.core.web import add_service_errors, may_change, paginate, require, service_data

from . import selectors, services
from .forms import ItemEditForm, ItemFilterForm, ItemForm, PublishForm
from .models import InspectionItem


@require_http_methods(["GET"])
def item_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.ITEMS)
    form = ItemFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    page = paginate(request, selectors.item_list(user=request.user, filters=filters))
    return render(request, "catalog/item_list.html", {
        "form": form, "page": page,
        "can_create": can(request.user, Domain.ITEMS, Action.CHANGE)})


@require_http_methods(["GET"])
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(user=request.user, pk=pk)
    return render(request, "catalog/item_detail.html", {
        "item": item, "history": selectors.item_history(item=item),
        "can_change": may_change(InspectionItem.objects, request.user, item),
        "publish_form": PublishForm(initial={"publish": "0" if item.is_published else "1"})})


@require_http_methods(["GET", "POST"])
def item_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Domain.ITEMS, Action.CHANGE)
    form = ItemForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.item_create(actor=request.user,
                                        data=service_data(form.cleaned_data, services.ITEM_FIELDS))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Item {code} created. It is not published yet.").format(
                code=item.code))
            return redirect("catalog:detail", pk=item.pk)
    return render(request, "catalog/item_form.html", {"form": form, "item": None})


@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(user=request.user, pk=pk, action=Action.CHANGE)
    form = ItemEditForm(request.POST or None, instance=item, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.item_update(
                actor=request.user, item=item, reason=form.cleaned_data["reason"],
                data=service_data(form.cleaned_data, services.ITEM_FIELDS))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if updated.version == item.version:
                messages.info(request, _("Nothing was changed."))
            else:
                messages.success(request, _("Saved as version {version}.").format(
                    version=updated.version))
            return redirect("catalog:detail", pk=item.pk)
    return render(request, "catalog/item_form.html", {"form": form, "item": item})


@require_http_methods(["GET", "POST"])
def item_publish(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(user=request.user, pk=pk, action=Action.CHANGE)
    form = PublishForm(request.POST or None,
                       initial={"publish": "0" if item.is_published else "1"})
    if request.method == "POST" and form.is_valid():
        publish = form.cleaned_data["publish"]
        services.item_set_published(actor=request.user, item=item, published=publish,
                                    reason=form.cleaned_data["reason"])
        messages.success(request, (_("Item {code} published.") if publish
                                   else _("Item {code} withdrawn from publication."))
                         .format(code=item.code))
        return redirect("catalog:detail", pk=item.pk)
    publish = form["publish"].value() in ("1", True)
    return render(request, "catalog/item_publish.html", {"form": form, "item": item,
                                                          "publish": publish})
