"""The portal's search form: the query string of 抽查结果, validated."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import selectors


class ResultSearchForm(forms.Form):
    name = forms.CharField(label=_("Entity name begins with"), required=False, max_length=100)
    code = forms.CharField(label=_("Unified social credit code"), required=False,
                           max_length=40)
    organisation = forms.TypedChoiceField(label=_("Department"), required=False, coerce=int,
                                          empty_value=None)
    task = forms.CharField(label=_("Task code"), required=False, max_length=40)
    date_from = forms.DateField(label=_("Published from"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Published to"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = [(d.pk, d.name) for d in selectors.organisations()]
        self.fields["organisation"].choices = [("", _("All departments")), *choices]

    def query(self) -> selectors.ResultQuery:
        data = self.cleaned_data if self.is_valid() else {}
        return selectors.ResultQuery(
            name=(data.get("name") or "").strip(), code=(data.get("code") or "").strip(),
            organisation=data.get("organisation"), task=(data.get("task") or "").strip(),
            date_from=data.get("date_from"), date_to=data.get("date_to"))
