"""Forms of the city's joint task proposals (plans/proposals.py checks every choice)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.choices import DepartmentKind
from shuangsuiji.accounts.models import Department

from .forms import DATE, MULTI
from .proposals import organisations


class JointProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    lead = forms.ModelChoiceField(label=_("Proposed lead department"),
                                  queryset=Department.objects.none())
    participants = forms.ModelMultipleChoiceField(
        label=_("Proposed cooperating departments"), queryset=Department.objects.none(),
        widget=MULTI, help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."))
    period_start = forms.DateField(label=_("Inspection period from"), widget=DATE)
    period_end = forms.DateField(label=_("Inspection period to"), widget=DATE)
    scope = forms.CharField(label=_("What to inspect together"), max_length=5000,
                            widget=forms.Textarea(attrs={"rows": 5}),
                            help_text=_("The matters, the kinds of entity and why together: "
                                        "进一次门、查多项事."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = organisations().filter(kind=DepartmentKind.OFFICE)
        self.fields["participants"].queryset = organisations()


class TakeUpForm(forms.Form):
    code = forms.CharField(label=_("Task code"), max_length=40,
                           help_text=_("The code of the draft task the proposal becomes."))


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
