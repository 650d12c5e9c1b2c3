"""Forms of the target directory pages. Saving goes through entities.services."""

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Action, Domain, user_organisation_id
from shuangsuiji.core.web import departments_in_scope
from shuangsuiji.rules import code_tables

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
    region_code = forms.CharField(label=_("Region"), required=False, max_length=40,
                                  widget=forms.TextInput(attrs={
                                      "size": 10, "placeholder": _("name or code")}))
    industry_code = forms.CharField(label=_("Industry"), required=False, max_length=40,
                                    widget=forms.TextInput(attrs={
                                        "size": 10, "placeholder": _("name or code")}))
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
        # The organisation's own region (140500): of several places of one name (城区), the
        # one within it is meant.
        department = getattr(user, "department", None)
        self.home = department.root.region_code if department is not None else ""

    def clean_region_code(self) -> str:
        """A region code (or its start, 1405), or a region's name (沁水县, 晋城市)."""
        text = "".join(self.cleaned_data["region_code"].split())
        if not text or re.fullmatch(r"\d{2,12}", text):
            return text
        if text.isdigit():
            raise ValidationError(_("Digits only, e.g. 140502."))
        found = code_tables.search_regions(text, limit=100)
        home = re.sub(r"(00)+$", "", self.home)  # 140500: everything under 1405
        near = [e for e in found if e.name == text and home and e.code.startswith(home)]
        return _code_for(text, near if len(near) == 1 else found, code_tables.region_label,
                         _("No region is called “{text}”."))

    def clean_industry_code(self) -> str:
        """A GB/T 4754 code (C, C18, 7020), or an industry's name (物业管理, 房地产业)."""
        text = "".join(self.cleaned_data["industry_code"].split()).upper()
        if not text or re.fullmatch(r"[A-T]?\d{0,4}", text):
            return text
        return _code_for(text, code_tables.search_industries(text), code_tables.industry_name,
                         _("No industry is called “{text}”."))


def _code_for(text: str, found: list[code_tables.Entry], label: Any, none: str) -> str:
    """The code a typed name stands for: the entry of that very name (the highest level when
    several share it, 702 ⊃ 7020 物业管理), or the only entry whose name contains it."""
    exact = [e for e in found if e.name == text]
    if exact:
        top = [e for e in exact if e.level == exact[0].level]
        if len(top) == 1:
            return top[0].code
        found = top
    elif len(found) == 1:
        return found[0].code
    if not found:
        raise ValidationError(none.format(text=text))
    raise ValidationError(_("“{text}” could be: {choices}. Type the code.").format(
        text=text, choices="、".join(f"{label(e.code)} {e.code}" for e in found[:5])))


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
            # Targets belong to the organisation's directory by default, not to a section.
            self.fields["department"].initial = departments.filter(
                pk=user_organisation_id(user)).first()

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
