"""Forms of the import pages: upload, column mapping, commit."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Action, Domain
from shuangsuiji.core.web import departments_in_scope
from shuangsuiji.rules.tabular import Column, HeaderMap

from . import services
from .choices import ImportKind, ImportMode

# What each field is called on screen; the header the bureau uses follows in the mapping.
FIELD_LABELS: dict[str, Any] = {
    "uscc": _("Unified social credit code"), "no_code_reason": _("Reason for having no code"),
    "name": _("Name"), "entity_type": _("Market entity type"),
    "legal_rep": _("Legal representative"), "address": _("Address"),
    "region_code": _("Region code"), "industry_code": _("Industry code (GB/T 4754)"),
    "registration_authority": _("Registration authority"), "locality": _("Locality"),
    "founded_on": _("Date of establishment"), "reg_status": _("Registration status"),
    "risk_class": _("Credit risk class"), "lic_number": _("Licence number"),
    "lic_decision_no": _("Decision document number"), "lic_title": _("Licence title"),
    "lic_item": _("Licensed matter"), "lic_authority": _("Licensing authority"),
    "lic_decided_on": _("Decision date"), "lic_valid_from": _("Valid from"),
    "lic_valid_to": _("Valid to"), "contact_name": _("Contact person"),
    "contact_phone": _("Contact phone"),
    "department": _("Department"), "code": _("Code"), "role": _("Role"),
    "cert_number": _("Certificate number"), "cert_issuer": _("Issuing body"),
    "cert_valid_from": _("Certificate valid from"), "cert_valid_to": _("Certificate valid to"),
    "specialties": _("Specialties"), "status": _("Status"),
    "status_since": _("Status since"), "phone": _("Phone"),
    "id_number": _("Identity card number"), "category": _("Inspection category"),
    "matter": _("Inspection matter"), "sub_item": _("Sub-item"),
    "target_type": _("Target type"), "basis": _("Legal basis"),
    "content": _("Inspection content"), "method": _("Inspection method"),
    "kind": _("Item class (key/general)"), "ratio_guidance": _("Sampling ratio"),
    "frequency_guidance": _("Sampling frequency"),
    "inspector_requirements": _("Inspector requirements"), "remarks": _("Remarks"),
    "regulatory_code": _("Regulatory matter code"),
    "implementation_code": _("Implementation list code"),
}
IGNORE = ""
UNCHOSEN = "?"


def field_label(column: Column) -> str:
    """The field as the file's standard header names it (企业名称, 姓名); in another language,
    the field's own name first."""
    if (get_language() or "").startswith("zh"):
        return column.header
    return f"{FIELD_LABELS.get(column.field, column.field)} · {column.header}"


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices,
                             initial=ImportKind.TARGETS)
    department = forms.ModelChoiceField(label=_("Into the directory of"),
                                        queryset=Department.objects.none())
    mode = forms.ChoiceField(label=_("When some rows have problems"), choices=ImportMode.choices,
                             initial=ImportMode.VALID_ROWS, widget=forms.RadioSelect)
    file = forms.FileField(label=_("File (.csv or .xlsx)"), help_text=_(
        "CSV in UTF-8 or GB18030 (GBK), or an Excel workbook; the first row names the "
        "columns."), widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = departments_in_scope(user, Domain.IMPORTS, Action.CHANGE)
        self.fields["department"].queryset = departments
        if user.department_id and departments.filter(pk=user.department_id).exists():
            self.fields["department"].initial = (user.department.root_id
                                                 or user.department_id)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        upload.seek(0)
        head = upload.read(8192)
        upload.seek(0)
        try:
            if services.check_upload(upload.name, upload.size, head) == ".xlsx":
                services.check_workbook(upload.name, upload)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        return upload


class MappingForm(forms.Form):
    """One choice per column of the file: the field it holds, or ignore it."""

    def __init__(self, *args: Any, headers: list[str], header_map: HeaderMap,
                 columns: tuple[Column, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = [(UNCHOSEN, _("— choose —")), (IGNORE, _("— ignore this column —")),
                   *[(c.field, field_label(c)) for c in columns]]
        chosen = {i: f for f, i in header_map.fields.items()}
        for i, header in enumerate(headers):
            if not header:
                continue
            initial = chosen.get(i, IGNORE if i in header_map.ignored else UNCHOSEN)
            self.fields[f"col_{i}"] = forms.ChoiceField(label=header, choices=choices,
                                                        initial=initial, required=False)

    def rows(self) -> list[tuple[int, str, Any]]:
        return [(int(name[4:]), field.label, self[name]) for name, field in self.fields.items()]

    def column_map(self) -> dict[str, str]:
        """header → field or "" (ignore); columns left unchosen stay unmapped."""
        result = {}
        for name, value in self.cleaned_data.items():
            if value != UNCHOSEN:
                result[self.headers[int(name[4:])]] = value
        return result


class CommitForm(forms.Form):
    mode = forms.ChoiceField(label=_("Rows with problems"), choices=ImportMode.choices,
                             widget=forms.RadioSelect)
