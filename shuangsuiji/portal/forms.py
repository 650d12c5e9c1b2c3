"""The portal's search form: the query string of 抽查结果, validated."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shuangsuiji.core.search import MIN_LENGTH
from shuangsuiji.rules import uscc

from . import selectors

TOO_SHORT = _("Type at least two characters of the name, or the whole code.")


def _name_part(text: str) -> str:
    text = (text or "").strip()
    if text and len(text) < MIN_LENGTH and not uscc.code_shape(text):
        raise ValidationError(TOO_SHORT, code="too_short")
    return text


class ResultSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name or unified social credit code"), required=False, max_length=100,
        widget=forms.TextInput(attrs={
            "type": "search", "placeholder": _("Any part of the name, or the code")}))
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

    def clean_q(self) -> str:
        return _name_part(self.cleaned_data.get("q", ""))

    def query(self) -> selectors.ResultQuery:
        data = self.cleaned_data if self.is_valid() else {}
        return selectors.ResultQuery(
            q=data.get("q") or "", name=data.get("name") or "",
            code=(data.get("code") or "").strip(), organisation=data.get("organisation"),
            task=(data.get("task") or "").strip(), date_from=data.get("date_from"),
            date_to=data.get("date_to"))


class ResultApiForm(ResultSearchForm):
    """The public API also takes the name part and the code apart."""

    name = forms.CharField(required=False, max_length=100)
    code = forms.CharField(required=False, max_length=40)

    def clean_name(self) -> str:
        return _name_part(self.cleaned_data.get("name", ""))


# -- 投诉举报 ---------------------------------------------------------------------------------

class EntitySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Which entity: name or unified social credit code"), max_length=100,
        widget=forms.TextInput(attrs={"type": "search",
                                      "placeholder": _("Any part of the name, or the code")}))

    def clean_q(self) -> str:
        return _name_part(self.cleaned_data["q"])


class MultipleFiles(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("widget", MultipleFiles(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}))
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self, data: object, initial: object = None) -> list[object]:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class ComplaintForm(forms.Form):
    target = forms.IntegerField(widget=forms.HiddenInput)
    summary = forms.CharField(
        label=_("What happened"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Where and when, what you saw. Do not write other people's personal "
                    "data here."))
    anonymous = forms.BooleanField(label=_("Complain anonymously (you will not be contacted)"),
                                   required=False)
    complainant_name = forms.CharField(label=_("Your name"), max_length=50, required=False)
    complainant_phone = forms.CharField(
        label=_("Your phone"), max_length=30, required=False,
        help_text=_("Only the office handling the complaint sees your name and phone; the "
                    "entity and the public never do."))
    attachments = MultipleFileField(
        label=_("Photos or documents (optional)"), required=False,
        help_text=_("Up to 5 files: JPEG, PNG or PDF."))


class TrackingForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=20,
                           widget=forms.TextInput(attrs={"autocomplete": "off",
                                                         "placeholder": "XXXX-XXXX-XXXX"}))
