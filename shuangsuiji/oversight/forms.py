"""The city's 考评 criteria and an evaluator's grant, as forms."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import Department, User

from .models import EvaluationCriteria

CRITERIA_FIELDS = ["plan_weight", "plan_target", "publication_weight", "publication_target",
                   "joint_weight", "joint_target", "complaints_weight", "complaints_target"]


class CriteriaForm(forms.ModelForm):
    class Meta:
        model = EvaluationCriteria
        fields = CRITERIA_FIELDS


class GrantForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Evaluator"), queryset=User.objects.none())
    organisation = forms.ModelChoiceField(label=_("Organisation"),
                                          queryset=Department.objects.none())
    period_from = forms.DateField(label=_("Period from"),
                                  widget=forms.DateInput(attrs={"type": "date"}))
    period_to = forms.DateField(label=_("Period to"),
                                widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(label=_("Access ends on"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=_("Empty: until revoked."))
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(role=Role.EVALUATOR, is_active=True).order_by("username"))
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


