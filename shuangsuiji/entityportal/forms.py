from django import forms
from django.utils.translation import gettext_lazy as _

from shuangsuiji.rules.uscc import code_shape

from .choices import RequestState


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (attachments); each is checked by the service."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self, data: object, initial: object = None) -> list[object]:
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(d, initial) for d in items]


class CodeForm(forms.Form):
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=40)

    def clean_uscc(self) -> str:
        code = code_shape(self.cleaned_data["uscc"])
        if code is None:
            raise forms.ValidationError(_("Enter the entity's 18-character code."))
        return code


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Sign-in code"), max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                         "autocomplete": "one-time-code"}))


class StatementForm(forms.Form):
    text = forms.CharField(label=_("Statement"), widget=forms.Textarea(attrs={"rows": 5}),
                           max_length=5000)
    files = MultipleFileField(label=_("Attachments (PDF, JPEG or PNG)"), required=False)


class RecusalForm(forms.Form):
    inspector = forms.TypedChoiceField(label=_("Inspector"), coerce=int)
    text = forms.CharField(label=_("Reason for the recusal"),
                           widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    files = MultipleFileField(label=_("Attachments (PDF, JPEG or PNG)"), required=False)


class IntegrityForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("Rating"), coerce=int, choices=[
        (5, _("5 · very satisfied")), (4, _("4 · satisfied")), (3, _("3 · acceptable")),
        (2, _("2 · dissatisfied")), (1, _("1 · very dissatisfied"))])
    text = forms.CharField(label=_("Comments or misconduct to report"), required=False,
                           widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    files = MultipleFileField(label=_("Attachments (PDF, JPEG or PNG)"), required=False)


class AnswerForm(forms.Form):
    state = forms.ChoiceField(label=_("Answer"), widget=forms.RadioSelect)
    answer = forms.CharField(label=_("Reply to the entity"),
                             widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)

    def __init__(self, *args: object, states: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        labels = dict(RequestState.choices)
        self.fields["state"].choices = [(s, labels[s]) for s in states]  # type: ignore[attr-defined]
