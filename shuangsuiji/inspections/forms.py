import base64
import binascii
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Conduct, EvidenceKind, Method, Outcome, ResultCategory, SignerRole
from .models import Inspection, ViolationCategory

# <input type="date"> takes only ISO dates: the localised format ("2026/10/21" in Chinese) is
# dropped by the browser, and saving the form again would then clear the date.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ScheduleForm(forms.Form):
    agreed_date = forms.DateField(label=_("Agreed inspection date"),
                                  widget=DATE)
    materials = forms.CharField(label=_("Materials the entity should prepare"), required=False,
                                widget=forms.Textarea(attrs={"rows": 3}))


class InformForm(forms.Form):
    how = forms.CharField(label=_("How the entity was told the outcome"), max_length=200,
                          help_text=_("For example: told on site at the closing meeting, "
                                      "copy of the checklist left with the entity."))


class ResultForm(forms.Form):
    """The result of one department: header fields plus one outcome and note per item."""

    inspected_on = forms.DateField(label=_("Inspected on"), required=False,
                                   widget=DATE)
    methods = forms.MultipleChoiceField(label=_("Inspection methods"), choices=Method.choices,
                                        required=False, widget=forms.CheckboxSelectMultiple)
    categories = forms.MultipleChoiceField(label=_("Result categories"),
                                           choices=ResultCategory.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    violation_categories = forms.ModelMultipleChoiceField(
        label=_("Violation categories of the department"), required=False,
        queryset=ViolationCategory.objects.none(), widget=forms.CheckboxSelectMultiple)
    conduct = forms.ChoiceField(label=_("Refusal, concealment or falsification"),
                                choices=Conduct.choices, required=False,
                                help_text=_("Recorded as such and published."))
    summary = forms.CharField(label=_("Findings"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, inspection: Inspection, **kwargs: Any) -> None:
        self.inspection = inspection
        self.lines = list(inspection.findings.select_related("item"))
        initial = {"inspected_on": inspection.inspected_on, "methods": inspection.methods,
                   "categories": inspection.categories, "conduct": inspection.conduct,
                   "summary": inspection.summary,
                   "violation_categories": list(inspection.violation_categories.all())}
        for line in self.lines:
            initial[f"outcome_{line.item_id}"] = line.outcome
            initial[f"note_{line.item_id}"] = line.note
        super().__init__(*args, initial=initial, **kwargs)
        org = inspection.department.root_id or inspection.department_id
        self.fields["violation_categories"].queryset = ViolationCategory.objects.filter(
            organisation_id=org, is_active=True)
        if not self.fields["violation_categories"].queryset.exists():
            del self.fields["violation_categories"]
        for line in self.lines:
            self.fields[f"outcome_{line.item_id}"] = forms.ChoiceField(
                label=line.item.matter, choices=Outcome.choices, required=False,
                widget=forms.RadioSelect)
            self.fields[f"note_{line.item_id}"] = forms.CharField(
                label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    HEADER = ("inspected_on", "methods", "categories", "violation_categories", "conduct",
              "summary")

    def header_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.HEADER if name in self.fields]

    def item_rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [(line, self[f"outcome_{line.item_id}"], self[f"note_{line.item_id}"])
                for line in self.lines]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "inspected_on": data["inspected_on"], "methods": data["methods"],
            "categories": data["categories"], "conduct": data["conduct"] or "",
            "summary": data["summary"],
            "violation_categories": [v.pk for v in data.get("violation_categories") or []],
            "findings": {line.item_id: (data[f"outcome_{line.item_id}"] or "",
                                        data[f"note_{line.item_id}"])
                         for line in self.lines},
        }


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EvidenceKind.choices)
    file = forms.FileField(label=_("File"), help_text=_("JPEG or PNG photo, or PDF."))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class SignatureForm(forms.Form):
    """A signature drawn on the screen (sent as a PNG data URL) or an image of the seal."""

    role = forms.ChoiceField(label=_("Signer"), choices=SignerRole.choices)
    inspector = forms.TypedChoiceField(label=_("Inspector"), coerce=int, required=False,
                                       empty_value=None)
    name = forms.CharField(label=_("Full name"), max_length=50, required=False)
    drawing = forms.CharField(widget=forms.HiddenInput, required=False)
    image = forms.FileField(label=_("Or an image (PNG)"), required=False,
                            help_text=_("For the seal: a PNG photo or scan of the stamp."))

    def __init__(self, *args: Any, inspectors: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inspector"].choices = [("", "—"), *inspectors]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        drawing, image = data.get("drawing") or "", data.get("image")
        png = b""
        if drawing.startswith("data:image/png;base64,"):
            try:
                png = base64.b64decode(drawing.split(",", 1)[1], validate=True)
            except (binascii.Error, ValueError):
                png = b""
        elif image is not None:
            png = image.read(1024 * 1024 + 1)
        if not png:
            raise forms.ValidationError(_("Sign in the box, or choose an image."))
        data["png"] = png
        return data


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return"))],
                                 widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reasons (required when returning)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))
