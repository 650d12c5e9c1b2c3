"""Forms of the freeze, the public draw ceremony (公开摇号) and replacements (替补)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .services import MIN_CEREMONY_INPUT


def _names(text: str) -> list[str]:
    """One name per line (commas and the Chinese 、 also separate)."""
    for sep in ("，", ",", "、", ";", "；"):
        text = text.replace(sep, "\n")
    return [name.strip() for name in text.splitlines() if name.strip()]


class FreezeForm(forms.Form):
    planned_draw_at = forms.DateTimeField(
        label=_("Planned draw time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=_("Published with the commitment: when the public draw (公开摇号) will be "
                    "held."))
    confirm = forms.BooleanField(
        label=_("I have checked the pool, the departments' items and group sizes: freeze the "
                "task now. Nothing can be changed afterwards."))


class CeremonyForm(forms.Form):
    ceremony_input = forms.CharField(
        label=_("Ceremony input"), min_length=MIN_CEREMONY_INPUT, max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric",
                                      "class": "mono ceremony"}),
        help_text=_("At least 20 characters of public randomness, e.g. 20 digits from rolling "
                    "a ten-sided die in front of everyone present."),
        error_messages={
            "required": format_lazy(_("Enter the ceremony input: at least {limit} digits rolled "
                                      "in front of everyone present."),
                                    limit=MIN_CEREMONY_INPUT),
            "min_length": _("The ceremony input needs at least %(limit_value)d characters; "
                            "%(show_value)d entered."),
            "max_length": _("The ceremony input may have at most %(limit_value)d characters; "
                            "%(show_value)d entered."),
        })
    source = forms.CharField(label=_("Source of the input"), max_length=200,
                             initial=_("Ten-sided die, 20 rolls (十面骰子 20 次)"))
    witnesses = forms.CharField(label=_("Witnesses (见证人)"), max_length=2000,
                                widget=forms.Textarea(attrs={"rows": 3}),
                                help_text=_("One name per line, with their unit if useful."))
    place = forms.CharField(label=_("Place of the draw (抽取地点)"), max_length=200,
                            help_text=_("Where the ceremony is held, as the written record "
                                        "will say, e.g. the office's meeting room."))
    present = forms.CharField(label=_("People present (参加人员)"), max_length=4000,
                              required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("One name per line."))

    def clean_ceremony_input(self) -> str:
        return self.cleaned_data["ceremony_input"].strip()

    def clean_witnesses(self) -> list[str]:
        names = _names(self.cleaned_data["witnesses"])
        if not names:
            raise ValidationError(_("Name at least one witness."))
        return names

    def clean_present(self) -> list[str]:
        return _names(self.cleaned_data["present"])


class ReplaceForm(forms.Form):
    ident = forms.ChoiceField(label=_("Target to replace"))
    reason = forms.CharField(label=_("Reason"), max_length=200,
                             help_text=_("Why it cannot be inspected: closed, deregistered, "
                                         "moved away…"))

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ident"].choices = [("", "—"), *choices]


class NonRandomForm(forms.Form):
    """A non-random inspection (重点检查, 专项检查, 投诉举报核查, 上级交办) of one target of the
    office's directory, with the group the office chooses; the service checks everything."""

    target = forms.CharField(
        label=_("Target"), max_length=40,
        help_text=_("Its unified social credit code (or X-number for a target without one), "
                    "from your organisation's directory."))
    kind = forms.ChoiceField(label=_("Kind of inspection"), choices=())
    basis = forms.CharField(label=_("Reason and basis"), widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("Why this entity is inspected now, and under which "
                                        "rule or instruction."))
    reference = forms.CharField(
        label=_("Reference"), max_length=100, required=False,
        help_text=_("For a complaint check the complaint's work-order number, tracking code "
                    "or #number; for an assignment the superior's document number."))
    day = forms.DateField(label=_("Inspection date"),
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    items = forms.TypedMultipleChoiceField(label=_("Checklist items"), coerce=int, choices=(),
                                           widget=forms.CheckboxSelectMultiple)
    inspectors = forms.TypedMultipleChoiceField(
        label=_("Inspectors"), coerce=int, choices=(), widget=forms.CheckboxSelectMultiple,
        help_text=_("At least two officers with valid certificates; the conflict-of-interest "
                    "checks of the draw apply."))
    # The target whose recent inspections the office has been shown: a confirmation holds
    # only for it, not for another target typed in afterwards.
    confirm_recent = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)

    def __init__(self, *args: Any, kinds: Any, items: Any, inspectors: Any,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]
        self.fields["items"].choices = items  # type: ignore[attr-defined]
        self.fields["inspectors"].choices = inspectors  # type: ignore[attr-defined]
