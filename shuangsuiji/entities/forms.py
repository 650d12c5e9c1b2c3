"""Forms of the target directory pages. Saving goes through entities.services."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Action, Domain
from shuangsuiji.core.web import departments_in_scope

from .choices import RegStatus, RiskClass, TargetSource
from .models import Contact, Target
from .selectors import UNCLASSIFIED
from .services import clean_code

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_DIGITS = {"pattern": "[0-9]*", "inputmode": "numeric"}


class TargetFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        widget=forms.TextInput(attrs={
                            "type": "search",
                            "placeholder": _("Any part of the name, or the code")}))
    region_code = forms.RegexField(label=_("Region code"), required=False, regex=r"^\d{2,12}$",
                                   error_messages={"invalid": _("Digits only, e.g. 140502.")},
                                   widget=forms.TextInput(attrs=_DIGITS | {"size": 8}))
    industry_code = forms.RegexField(label=_("Industry code"), required=False,
                                     regex=r"^[A-Za-z]?\d{0,4}$",
                                     error_messages={"invalid": _("E.g. C or C18 (GB/T 4754).")},
                                     widget=forms.TextInput(attrs={"size": 6}))
    reg_status = forms.ChoiceField(label=_("Registration status"), required=False,
                                   choices=[("", _("All")), *RegStatus.choices])
    risk_class = forms.ChoiceField(label=_("Credit risk class"), required=False,
                                   choices=[("", _("All")), *RiskClass.choices,
                                            (UNCLASSIFIED, _("Not classified"))])
    source = forms.ChoiceField(label=_("Source"), required=False,
                               choices=[("", _("All")), *TargetSource.choices])
    department = forms.ModelChoiceField(label=_("Directory of"), required=False,
                                        queryset=Department.objects.none(), empty_label=_("All"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments_in_scope(user, Domain.TARGETS)


class TargetForm(forms.ModelForm):
    """Create or edit a target; the code is validated and normalised (GB 32100)."""

    # Longer than 18: people paste codes with spaces or separators; clean_uscc folds them.
    uscc = forms.CharField(label=capfirst(Target._meta.get_field("uscc").verbose_name),
                           required=False,
                           max_length=40, help_text=_(
                               "18 characters; spaces and full-width characters are fixed "
                               "automatically."))
    note = forms.CharField(label=_("Note on this change"), required=False, max_length=200,
                           help_text=_("Kept in the target's change history."))

    class Meta:
        model = Target
        fields = ["department", "uscc", "no_code_reason", "name", "entity_type", "legal_rep",
                  "address", "region_code", "industry_code", "registration_authority",
                  "locality", "founded_on", "reg_status"]
        widgets = {"founded_on": DATE, "region_code": forms.TextInput(attrs=_DIGITS)}
        help_texts = {"no_code_reason": _("Required when the target has no code (无代码原因).")}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["department"]
        else:
            del self.fields["note"]
            departments = departments_in_scope(user, Domain.TARGETS, Action.CHANGE)
            self.fields["department"].queryset = departments
            self.fields["department"].initial = _organisation_of(user, departments)

    def clean_uscc(self) -> str | None:
        try:
            return clean_code(self.cleaned_data.get("uscc"))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["uscc"]) from exc

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        code = cleaned.get("uscc")
        if "uscc" in self.errors:
            return cleaned
        if not code and not (cleaned.get("no_code_reason") or "").strip():
            self.add_error("no_code_reason", _(
                "A target without a unified social credit code needs a reason (无代码原因)."))
        department = cleaned.get("department") or getattr(self.instance, "department", None)
        if code and department is not None:
            clash = (Target.objects.filter(department=department, uscc=code)
                     .exclude(pk=self.instance.pk).first())
            if clash is not None:
                self.add_error("uscc", _("This code is already in the directory: {name}.")
                               .format(name=clash.name))
        return cleaned


def _organisation_of(user: Any, departments: Any) -> Department | None:
    """Targets belong to the organisation's directory by default, not to a section."""
    department = getattr(user, "department", None)
    if department is None:
        return None
    return departments.filter(pk=department.root_id).first()


class RiskForm(forms.Form):
    risk_class = forms.ChoiceField(label=_("Credit risk class"), choices=RiskClass.choices,
                                   widget=forms.RadioSelect)
    risk_set_on = forms.DateField(label=_("Classified on"), widget=DATE,
                                  initial=timezone.localdate)
    note = forms.CharField(label=_("Basis for the classification"), required=False,
                           max_length=200)

    def clean_risk_set_on(self) -> Any:
        day = self.cleaned_data["risk_set_on"]
        if day > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        return day


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "position", "phone"]
        widgets = {"phone": forms.TextInput(attrs={"type": "tel"})}
