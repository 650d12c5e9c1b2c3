from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shuangsuiji.inspections.models import FollowUp

from .choices import DocumentKind


class IssueForm(forms.Form):
    """What the clerk adds to the facts the records give; which fields count depends on the
    kind (the service checks)."""

    kind = forms.ChoiceField(label=_("Kind of document"), choices=DocumentKind.choices)
    follow_up = forms.ModelChoiceField(label=_("Follow-up"), queryset=FollowUp.objects.none(),
                                       required=False)
    place = forms.CharField(label=_("Place of inspection"), max_length=300, required=False)
    present = forms.CharField(label=_("Present for the entity (name, position)"),
                              max_length=200, required=False)
    basis = forms.CharField(label=_("Legal basis"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    requirements = forms.CharField(label=_("Requirements"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    recipient = forms.CharField(label=_("Sent to"), max_length=200, required=False,
                                help_text=_("For a transfer letter: the judicial organ or the "
                                            "competent department."))
    facts = forms.CharField(label=_("Facts"), required=False,
                            widget=forms.Textarea(attrs={"rows": 4}))
    attachments = forms.CharField(label=_("Attachments (one a line)"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, follow_ups: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if follow_ups is not None:
            self.fields["follow_up"].queryset = follow_ups

    def data_for_content(self) -> dict[str, Any]:
        data = {k: self.cleaned_data.get(k, "").strip() for k in
                ("place", "present", "basis", "requirements", "recipient", "facts")}
        lines = self.cleaned_data.get("attachments", "").splitlines()
        data["attachments"] = [line.strip() for line in lines if line.strip()]
        return data


class NumberingForm(forms.Form):
    abbreviation = forms.CharField(label=_("Abbreviation in document numbers"), max_length=20,
                                   help_text=_("As it stands in a number: 晋人防 in "
                                               "晋人防检〔2026〕12号."))
