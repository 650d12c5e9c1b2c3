"""Forms of the inspector directory and the 回避 registry. Saving goes through services."""

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.models import Department, User
from shuangsuiji.accounts.scoping import Action, Domain, scope_for
from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.core.web import departments_in_scope

from .choices import DeclaredBy, InspectorRole, InspectorStatus, Relation
from .models import Certificate, Inspector
from .selectors import SELF_ONLY_ROLES, conflict_inspectors, conflict_target_lookup
from .services import set_id_number

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _check_period(form: forms.Form, start: date | None, end: date | None) -> None:
    if start and end and end < start:
        form.add_error("valid_to", _("The end of validity is before its start."))


class InspectorFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={
                            "type": "search", "placeholder": _("name, staff code, certificate")}))
    department = forms.ModelChoiceField(label=_("Department"), required=False,
                                        queryset=Department.objects.none(), empty_label=_("All"))
    role = forms.ChoiceField(label=_("Role"), required=False,
                             choices=[("", _("All")), *InspectorRole.choices])
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All")), *InspectorStatus.choices])
    eligible_on = forms.DateField(label=_("Eligible to be drawn on"), required=False,
                                  widget=DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments_in_scope(user, Domain.INSPECTORS)


class InspectorForm(forms.ModelForm):
    """Create or edit an inspector; status changes have their own form (with a date)."""

    id_number = forms.CharField(label=_("Identity number"), required=False, max_length=30,
                                help_text=_("居民身份证号: stored encrypted, shown only masked."),
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))

    class Meta:
        model = Inspector
        fields = ["department", "code", "name", "role", "user", "specialties", "region_code",
                  "phone", "status", "status_since", "item_scope"]
        widgets = {"status_since": DATE, "item_scope": forms.SelectMultiple(attrs={"size": 8})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = departments_in_scope(user, Domain.INSPECTORS, Action.CHANGE)
        self.fields["department"].queryset = departments
        if not self.instance.pk:
            self.fields["department"].initial = user.department_id
        scope = scope_for(user, Domain.INSPECTORS, Action.CHANGE)
        accounts = User.objects.filter(role__in=SELF_ONLY_ROLES, is_active=True).filter(
            inspector__isnull=True) | User.objects.filter(pk=self.instance.user_id or 0)
        if not scope.everything:
            accounts = accounts.filter(department__root_id__in=scope.organisation_ids)
        self.fields["user"].queryset = accounts.order_by("username")
        self.fields["user"].help_text = _("The account this person signs in with, if any.")
        items = InspectionItem.objects.for_user(user).filter(is_active=True)
        self.fields["item_scope"].queryset = items.order_by("code")
        self.fields["item_scope"].help_text = _("Hold Ctrl (⌘ on a Mac) to choose several.")
        if self.instance.pk:
            # Status has a dated history of its own: see InspectorStatusForm.
            del self.fields["status"], self.fields["status_since"]
            self.fields["id_number"].help_text = _(
                "Leave blank to keep the number on file ({masked}).").format(
                masked=self.instance.id_number_masked or "—")
        else:
            self.fields["status_since"].initial = timezone.localdate

    def clean_id_number(self) -> str:
        raw = self.cleaned_data["id_number"].strip()
        if raw:
            try:
                set_id_number(Inspector(), raw)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["id_number"]) from exc
        return raw


class InspectorStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=InspectorStatus.choices)
    effective_on = forms.DateField(label=_("Effective on"), widget=DATE,
                                   initial=timezone.localdate,
                                   help_text=_("Draws on or after this day see the new status."))
    note = forms.CharField(label=_("Note"), required=False, max_length=200,
                           help_text=_("E.g. the transfer or retirement document number."))


class CertificateForm(forms.ModelForm):
    class Meta:
        model = Certificate
        fields = ["number", "issuer", "valid_from", "valid_to"]
        widgets = {"valid_from": DATE, "valid_to": DATE}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        _check_period(self, cleaned.get("valid_from"), cleaned.get("valid_to"))
        return cleaned

    def validate_unique(self) -> None:
        # (number, issuer) is unique: say so next to the number, not at the top of the form.
        number = (self.cleaned_data.get("number") or "").strip()
        issuer = (self.cleaned_data.get("issuer") or "").strip()
        if number and issuer and Certificate.objects.filter(number=number,
                                                            issuer=issuer).exists():
            self.add_error("number", _("This certificate of this issuing body is already "
                                       "recorded."))


class ConflictForm(forms.Form):
    inspector = forms.ModelChoiceField(label=_("Inspector"), queryset=Inspector.objects.none())
    target = forms.CharField(label=_("Target"), max_length=40,
                             help_text=_("Its unified social credit code, or its draw id "
                                         "(X-…) when it has none."))
    relation = forms.ChoiceField(label=_("Relationship"), choices=Relation.choices)
    declared_by = forms.ChoiceField(label=_("Declared by"), choices=DeclaredBy.choices,
                                    initial=DeclaredBy.OFFICE)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=2000)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DATE)
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DATE,
                               help_text=_("Leave blank for no end."))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["inspector"].queryset = conflict_inspectors(user=user)
        if self.is_self_declaration:
            # An inspector declares their own conflicts, and only as their own declaration.
            del self.fields["declared_by"]
            only = self.fields["inspector"].queryset.first()
            self.fields["inspector"].initial = only
            self.fields["inspector"].empty_label = None

    @property
    def is_self_declaration(self) -> bool:
        return getattr(self.user, "role", None) in SELF_ONLY_ROLES and not self.user.is_superuser

    def clean_target(self) -> Any:
        target = conflict_target_lookup(user=self.user, reference=self.cleaned_data["target"])
        if target is None:
            raise ValidationError(_("No target with this code or draw id in your directory."))
        return target

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        _check_period(self, cleaned.get("valid_from"), cleaned.get("valid_to"))
        if self.is_self_declaration:
            cleaned["declared_by"] = DeclaredBy.INSPECTOR
        return cleaned


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for revoking"), max_length=200,
                             widget=forms.Textarea(attrs={"rows": 2}))



class ConflictFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={
                            "type": "search", "placeholder": _("inspector, target or code")}))
    state = forms.ChoiceField(label=_("State"), required=False, choices=[
        ("", _("All")), ("in_force", _("In force today")), ("revoked", _("Revoked"))])
    inspector = forms.ModelChoiceField(label=_("Inspector"), required=False,
                                       queryset=Inspector.objects.none(), empty_label=_("All"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = Inspector.objects.for_user(user).order_by("code")
