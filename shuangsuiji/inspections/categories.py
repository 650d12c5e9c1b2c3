"""The page where an organisation keeps its own violation categories (beside the national
result categories), chosen when a result is entered."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from shuangsuiji.accounts.choices import Role
from shuangsuiji.core.web import add_service_errors

from . import services
from .models import ViolationCategory


class CategoryForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=30)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    is_active = forms.BooleanField(label=gettext_lazy("In use"), required=False, initial=True)


@require_http_methods(["GET", "POST"])
def violation_categories(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.department_id is None or user.role not in {Role.OFFICE, Role.PARTNER}:
        raise PermissionDenied
    organisation = user.department.root or user.department
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.violation_category_set(actor=user, organisation=organisation,
                                            **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Violation category saved."))
            return redirect("inspections:violation_categories")
    return render(request, "inspections/violation_categories.html", {
        "organisation": organisation, "form": form,
        "categories": ViolationCategory.objects.filter(organisation=organisation)},
        status=400 if form.errors else 200)
