from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shuangsuiji.entities.choices import RiskClass

from .models import ComplaintState, RiskRule

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name or code"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "autofocus": True}))


class ComplaintForm(forms.Form):
    received_on = forms.DateField(label=_("Received on"), widget=DATE,
                                  initial=timezone.localdate)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}),
                              max_length=2000)
    substantiated = forms.NullBooleanField(label=_("Substantiated"), required=False)


class BlacklistForm(forms.Form):
    basis = forms.CharField(label=_("Basis (facts and legal provision)"),
                            widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    listed_on = forms.DateField(label=_("Listed on"), widget=DATE, initial=timezone.localdate)
    until = forms.DateField(label=_("Listed until"), widget=DATE, required=False,
                            help_text=_("Empty: until removed."))

    def __init__(self, *args: Any, proposals: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if proposals:
            self.fields["follow_up"] = forms.ModelChoiceField(
                label=_("From the blacklist proposal"), queryset=proposals, required=False)


class RemovalForm(forms.Form):
    removed_on = forms.DateField(label=_("Removed on"), widget=DATE, initial=timezone.localdate)
    removal_reason = forms.CharField(
        label=_("Removal or credit repair"), widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("The credit repair done (信用修复), or the end of the listing period."))


class RiskSetForm(forms.Form):
    risk_class = forms.ChoiceField(label=_("Credit risk class"), choices=RiskClass.choices)
    set_on = forms.DateField(label=_("Classified on"), widget=DATE, initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=2000)


class RiskRuleForm(forms.ModelForm):
    class Meta:
        model = RiskRule
        fields = ["trigger", "raise_to", "threshold", "period_days", "is_active"]


class RiskImportForm(forms.Form):
    file = forms.FileField(
        label=_("Classification file (Excel or CSV)"),
        help_text=_("Columns: 统一社会信用代码, 风险等级 (A–D), 分类日期."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))


class PartnerTokenForm(forms.Form):
    name = forms.CharField(label=_("Partner"), max_length=200)
    rate_per_minute = forms.IntegerField(label=_("Requests per minute"), initial=60,
                                         min_value=1, max_value=10000)


class ComplaintFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("Open")), ("all", _("All")),
                                        *ComplaintState.choices]


class ComplaintAssignForm(forms.Form):
    section = forms.ModelChoiceField(label=_("Section"), queryset=None)

    def __init__(self, *args: Any, sections: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = sections  # type: ignore[attr-defined]


class ComplaintReplyForm(forms.Form):
    reply = forms.CharField(label=_("Reply to the complainant"), max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 5}),
                            help_text=_("The complainant reads it with the tracking code: "
                                        "no personal data of anyone."))


class ComplaintCloseForm(forms.Form):
    substantiated = forms.TypedChoiceField(
        label=_("Result"), coerce=lambda v: v == "1", widget=forms.RadioSelect,
        choices=[("1", _("Substantiated (counts for the risk rules)")),
                 ("0", _("Not substantiated"))])
