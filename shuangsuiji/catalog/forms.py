"""Forms of the item list pages. Saving goes through catalog.services, never form.save()."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Action, Domain
from shuangsuiji.core.web import TriState, departments_in_scope

from .choices import ItemKind
from .models import InspectionItem
from .selectors import item_categories


def item_departments(user: Any, action: Action) -> Any:
    """Departments the user may name as 检查主体: a business section only itself."""
    departments = departments_in_scope(user, Domain.ITEMS, action)
    if action == Action.CHANGE and user.role == Role.SECTION:
        departments = departments.filter(pk=user.department_id)
    return departments


class ItemFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": _("code, matter, content")}))
    category = forms.ChoiceField(label=_("Inspection category"), required=False)
    department = forms.ModelChoiceField(label=_("Inspecting department"), required=False,
                                        queryset=Department.objects.none(),
                                        empty_label=_("All"))
    kind = forms.ChoiceField(label=_("Item class"), required=False,
                             choices=[("", _("All")), *ItemKind.choices])
    published = TriState(label=_("Published"))
    active = TriState(label=_("In force"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All"))] + [
            (c, c) for c in item_categories(user=user)]
        self.fields["department"].queryset = item_departments(user, Action.VIEW)


class ItemForm(forms.ModelForm):
    class Meta:
        model = InspectionItem
        # ITEM_FIELDS, grouped for the page: short fields first, then the long texts.
        fields = ["code", "category", "matter", "sub_item", "target_type", "department",
                  "method", "kind", "ratio_guidance", "frequency_guidance",
                  "inspector_requirements", "regulatory_code", "implementation_code",
                  "is_active", "basis", "content", "remarks"]
        widgets = {"basis": forms.Textarea(attrs={"rows": 3}),
                   "content": forms.Textarea(attrs={"rows": 4}),
                   "remarks": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = item_departments(user, Action.CHANGE)


class ItemEditForm(ItemForm):
    reason = forms.CharField(label=_("Reason for the adjustment"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Kept in the item's version history (清单动态调整)."))


class PublishForm(forms.Form):
    publish = forms.TypedChoiceField(choices=[("1", _("Publish")), ("0", _("Withdraw"))],
                                     coerce=lambda v: v == "1", widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
