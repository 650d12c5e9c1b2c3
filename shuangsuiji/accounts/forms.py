"""Forms for administering departments and users. They validate; the services save and audit."""

from typing import Any

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Department, User
from .passwords import policy_html


class DepartmentForm(forms.ModelForm):
    """Create or edit a department; code, kind and parent are read-only once it exists."""

    class Meta:
        model = Department
        fields = ["code", "name", "kind", "parent", "region_code", "is_active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.pk is None and not self.errors:
            candidate = Department(kind=data.get("kind"), parent=data.get("parent"))
            try:
                services.check_department_tree(candidate)
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


class _RoleCheckMixin:
    """Role and department must fit together, and an administrator cannot lock themselves out."""

    actor: Any = None  # set per request by the admin (see accounts.admin)

    def _check_role(self, data: dict[str, Any], user: User | None) -> None:
        role = data.get("role", getattr(user, "role", None))
        department = data.get("department", getattr(user, "department", None))
        try:
            services.check_role(role=role, department=department)
            if user is not None and user.pk:
                services.check_self_lockout(
                    actor=self.actor, user=user, role=role,
                    is_active=data.get("is_active", user.is_active))
        except ValidationError as exc:
            self.add_error(None, exc)  # type: ignore[attr-defined]


class UserCreateForm(_RoleCheckMixin, forms.ModelForm):
    password1 = forms.CharField(label=_("Password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=policy_html())
    password2 = forms.CharField(label=_("Password again"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    class Meta:
        model = User
        fields = ["username", "full_name", "email", "role", "department",
                  "audited_organisations"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self._check_role(data, None)
        password = data.get("password1")
        if password and password != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif password:
            probe = User(username=data.get("username", ""), full_name=data.get("full_name", ""),
                         email=data.get("email", ""))
            try:
                password_validation.validate_password(password, probe)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class UserChangeForm(_RoleCheckMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "email", "role", "department", "audited_organisations",
                  "is_active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self._check_role(data, self.instance)
        return data


class SetPasswordForm(forms.Form):
    """A new password, twice; changing one's own also needs the current one."""

    old_password = forms.CharField(
        label=_("Current password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    password1 = forms.CharField(label=_("New password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=policy_html())
    password2 = forms.CharField(label=_("New password again"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, user: User, *args: Any, own: bool = False, request: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request
        if not own:
            # Someone signed in as this user could otherwise lock out its real owner.
            del self.fields["old_password"]

    def clean_old_password(self) -> str:
        old = self.cleaned_data["old_password"]
        if self.request is not None:
            # Through authenticate, so guesses here count towards the sign-in lockout.
            right = authenticate(self.request, username=self.user.get_username(),
                                 password=old) is not None
        else:
            right = self.user.check_password(old)
        if not right:
            raise ValidationError(_("The current password is wrong."))
        return old

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        password = data.get("password1")
        if password and password != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif password:
            try:
                password_validation.validate_password(password, self.user)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data
