"""Forms of the follow-up pages (后续处置). Saving goes through inspections.services."""

from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shuangsuiji.accounts.models import User

from .choices import FollowUpKind, FollowUpState
from .models import Inspection

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})


def owners_for(inspection: Inspection) -> QuerySet[User]:
    """Active users of the organisation that inspected: the service refuses anyone else."""
    org = inspection.department.root_id or inspection.department_id
    return User.objects.filter(is_active=True, department__root_id=org).select_related(
        "department").order_by("department__code", "full_name", "username")


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj} · {obj.department}" if obj.department_id else str(obj)


class FollowUpForm(forms.Form):
    kind = forms.ChoiceField(label=_("Follow-up"), choices=FollowUpKind.choices)
    owner = OwnerChoiceField(label=_("Owner"), queryset=User.objects.none(),
                             help_text=_("Who sees it through, in the department that "
                                         "inspected."))
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DATE,
                             help_text=_("Not needed when no follow-up is needed."))
    rectify_by = forms.DateField(label=_("Rectify by"), required=False, widget=DATE,
                                 help_text=_("For an order to rectify: the deadline given to "
                                             "the entity."))
    referred_to = forms.CharField(label=_("Referred to"), required=False, max_length=200,
                                  help_text=_("For a transfer or referral: the department or "
                                              "organ it goes to."))
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000, widget=TEXT)

    def __init__(self, *args: Any, inspection: Inspection, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["owner"].queryset = owners_for(inspection)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind, due_on = cleaned.get("kind"), cleaned.get("due_on")
        rectify_by = cleaned.get("rectify_by")
        if kind == FollowUpKind.NONE:
            # Closed the moment it is recorded: the date only fills the required column.
            cleaned["due_on"] = due_on or self.today
        elif kind and due_on is None:
            self.add_error("due_on", _("Enter the date the follow-up is due."))
        if rectify_by and rectify_by < self.today and kind == FollowUpKind.RECTIFY:
            self.add_error("rectify_by", _("The rectification deadline has already passed."))
        return cleaned


class RecheckForm(forms.Form):
    recheck_on = forms.DateField(label=_("Re-checked on"), widget=DATE)
    passed = forms.TypedChoiceField(label=_("Result of the re-check"), widget=forms.RadioSelect,
                                    coerce=lambda v: v == "1",
                                    choices=[("1", _("Rectified: passed")),
                                             ("0", _("Not rectified: not passed"))])
    note = forms.CharField(label=_("Re-check findings"), required=False, max_length=5000,
                           widget=TEXT)


class PenaltyForm(forms.Form):
    decision_number = forms.CharField(label=_("Decision number"), max_length=100,
                                      help_text=_("E.g. 晋市人防罚决字〔2026〕12号"))
    penalty_amount = forms.DecimalField(label=_("Penalty amount (yuan)"), required=False,
                                        min_value=0, max_digits=14, decimal_places=2)
    decision_date = forms.DateField(label=pgettext_lazy("penalty decision", "Decision date"),
                                    widget=DATE)


class CloseForm(forms.Form):
    closed_on = forms.DateField(label=_("Closed on"), widget=DATE)
    note = forms.CharField(label=_("Closing note"), required=False, max_length=5000,
                           widget=TEXT)


class FollowUpFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("All")), *FollowUpState.choices])
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    mine = forms.BooleanField(label=_("Mine only"), required=False)
