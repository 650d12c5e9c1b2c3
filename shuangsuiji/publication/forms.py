from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Channel, RedactionBasis

FIELD_LABELS = {
    "entity_name": _("Entity name"),
    "uscc": _("Unified social credit code"),
    "region_code": _("Region code"),
    "inspected_on": _("Inspection date"),
    "result": _("Result categories"),
    "findings": _("Findings text"),
}


class PublishForm(forms.Form):
    results = forms.TypedMultipleChoiceField(coerce=int, choices=[],
                                             label=_("Results to publish"))

    def __init__(self, *args: Any, ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["results"].choices = [(i, str(i)) for i in ids]


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason for withdrawing"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class RedactionForm(forms.Form):
    whole = forms.BooleanField(label=_("Withhold the whole result"), required=False)
    fields = forms.MultipleChoiceField(label=_("Withheld fields"), required=False,
                                       choices=list(FIELD_LABELS.items()),
                                       widget=forms.CheckboxSelectMultiple)
    basis = forms.ChoiceField(label=_("Basis"), choices=RedactionBasis.choices)
    reason = forms.CharField(label=_("Reason and legal provision"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class ExportForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    format = forms.ChoiceField(label=_("Format"),
                               choices=[("xlsx", _("Excel (.xlsx)")),
                                        ("csv", _("CSV (UTF-8, for Excel)"))])
    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int, choices=[])

    def __init__(self, *args: Any, organisations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]
        if len(organisations) == 1:
            self.fields["organisation"].initial = organisations[0].pk
            self.fields["organisation"].widget = forms.HiddenInput()
