"""Forms of the calendar pages. Saving goes through workdays.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FIRST_YEAR, LAST_YEAR

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Enough for any deadline; keeps a typo from walking the calendar for centuries.
MAX_COUNT = 1000


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)


class DayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    is_workday = forms.TypedChoiceField(
        label=_("The day is"), coerce=lambda v: v == "1",
        choices=[("0", _("a day off")), ("1", _("a working day"))])
    note = forms.CharField(label=_("Note"), max_length=100, required=False,
                           help_text=_("For example 元旦, 春节, 调休上班."))


class DeclareForm(forms.Form):
    complete = forms.BooleanField(
        label=_("The table holds this year's full official schedule"), required=False)
    source = forms.CharField(label=_("Source"), max_length=200, required=False, help_text=_(
        "The notice the schedule comes from, with its number."))
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))


class CountForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE)
    n = forms.IntegerField(label=_("Working days"), min_value=0, max_value=MAX_COUNT,
                           initial=20)
