"""Departments and users in Django's admin: every save goes through the audited services."""

from datetime import timedelta
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters

from shuangsuiji.core.admin import AdminOnly

from . import services
from .forms import DepartmentForm, SetPasswordForm, UserChangeForm, UserCreateForm
from .models import ClaimRule, Department, ExternalIdentity, User
from .scoping import is_admin

# Roles replace Django's groups and permissions: the matrix lives in accounts.scoping.
admin.site.unregister(Group)


def _own_password(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin's "change password" link: the same audited form as for any other user."""
    return HttpResponseRedirect(reverse("admin:accounts_user_password", args=[request.user.pk]))


# Django's own view would save the password without an audit entry.
admin.site.password_change = _own_password  # type: ignore[method-assign]


@admin.register(Department)
class DepartmentAdmin(AdminOnly):
    form = DepartmentForm
    list_display = ["code", "name", "kind", "parent", "region_code", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return sorted(services.DEPARTMENT_FIXED) if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Department, form: Any, change: bool) -> None:
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data}
            services.department_update(actor=request.user, department=obj, data=data)
            return
        created = services.department_create(
            actor=request.user, code=obj.code, name=obj.name, kind=obj.kind, parent=obj.parent,
            region_code=obj.region_code)
        obj.pk, obj.root_id = created.pk, created.root_id
        obj._state.adding = False


@admin.register(User)
class UserAdmin(AdminOnly):
    list_display = ["username", "full_name", "role", "department", "is_active", "last_login"]
    list_filter = ["role", "is_active", "department"]
    search_fields = ["username", "full_name", "email"]
    list_select_related = ["department"]
    ordering = ["username"]
    readonly_fields = ["username", "password_link", "last_login", "date_joined"]
    actions = ["unlock_sign_in"]

    @admin.action(description=gettext_lazy("Unlock the sign-in of the selected users"))
    def unlock_sign_in(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.login_unlock(actor=request.user, username=user.username)
        messages.success(request, _("Sign-in unlocked for {n} users.").format(
            n=queryset.count()))

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return [*UserCreateForm.Meta.fields, "password1", "password2"]
        return ["username", "password_link", *UserChangeForm.Meta.fields, "last_login",
                "date_joined"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.readonly_fields if obj is not None else []

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:
        kwargs["form"] = UserChangeForm if obj is not None else UserCreateForm
        kwargs["fields"] = None  # the form's own Meta.fields
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # a fresh class per request: safe to set
        return form

    @admin.display(description=gettext_lazy("password"))
    def password_link(self, obj: User) -> str:
        url = reverse("admin:accounts_user_password", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Set a new password"))

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        audited = form.cleaned_data.get("audited_organisations")
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data
                    if name != "audited_organisations"}
            services.user_update(actor=request.user, user=obj, data=data)
        else:
            created = services.user_create(
                actor=request.user, username=obj.username,
                password=form.cleaned_data["password1"], role=obj.role,
                department=obj.department, full_name=obj.full_name, email=obj.email)
            obj.pk, obj.password, obj.is_staff = created.pk, created.password, created.is_staff
            obj._state.adding = False
        if "audited_organisations" in form.changed_data:
            services.user_set_audited_organisations(actor=request.user, user=obj,
                                                    organisations=list(audited or []))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The organisations audited are set by save_model through the audited service."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def get_urls(self) -> list[URLPattern]:
        return [path("<path:object_id>/password/",
                     self.admin_site.admin_view(self.password_view),
                     name="accounts_user_password"), *super().get_urls()]

    @method_decorator(sensitive_post_parameters())
    def password_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Set a user's password through user_set_password (audited, never logged)."""
        user = self.get_object(request, unquote(object_id))
        if user is None:
            raise Http404
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        form = SetPasswordForm(user, request.POST or None, own=user.pk == request.user.pk,
                               request=request)
        if request.method == "POST" and form.is_valid():
            services.user_set_password(actor=request.user, user=user,
                                       password=form.cleaned_data["password1"])
            if user.pk == request.user.pk:
                user.refresh_from_db()
                update_session_auth_hash(request, user)
            messages.success(request, _("The password of {user} was set.").format(user=user))
            return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[user.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Set the password of {user}").format(user=user),
            "form": form, "opts": self.opts, "original": user,
        }
        return TemplateResponse(request, "admin/accounts/user/password.html", context)


@admin.register(AccessAttempt)
class LockoutAdmin(AdminOnly):
    """登录锁定: failed sign-ins being counted, by account and address; unlocking is audited."""

    list_display = ["username", "ip_address", "failures_since_start", "attempt_time",
                    "path_info", "locked"]
    search_fields = ["username", "ip_address"]
    ordering = ["-attempt_time"]
    fields = list_display[:-1]
    readonly_fields = fields
    actions = ["unlock_accounts", "unlock_addresses"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("locked"), boolean=True)
    def locked(self, obj: AccessAttempt) -> bool:
        """Whether the account or the address has reached its limit (over all its rows)."""
        recent = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - timedelta(
            minutes=settings.SHUANGSUIJI_LOCKOUT_MINUTES))
        account = recent.filter(username=obj.username).aggregate(
            n=Sum("failures_since_start"))["n"] or 0
        address = recent.filter(ip_address=obj.ip_address).aggregate(
            n=Sum("failures_since_start"))["n"] or 0
        return (account >= settings.SHUANGSUIJI_LOGIN_FAILURES_ACCOUNT
                or address >= settings.SHUANGSUIJI_LOGIN_FAILURES_ADDRESS)

    @admin.action(description=gettext_lazy("Unlock the accounts of the selected rows"))
    def unlock_accounts(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        names = sorted({row.username for row in queryset if row.username})
        for username in names:
            services.login_unlock(actor=request.user, username=username)
        messages.success(request, _("Unlocked: {names}").format(names=", ".join(names)))

    @admin.action(description=gettext_lazy("Unlock the addresses of the selected rows"))
    def unlock_addresses(self, request: HttpRequest,
                         queryset: QuerySet[AccessAttempt]) -> None:
        addresses = sorted({row.ip_address for row in queryset if row.ip_address})
        for address in addresses:
            services.login_unlock(actor=request.user, address=address)
        messages.success(request, _("Unlocked: {names}").format(names=", ".join(addresses)))


@admin.register(ClaimRule)
class ClaimRuleAdmin(AdminOnly):
    """统一身份认证的登录规则: claim → department and role, tried in order; audited."""

    list_display = ["position", "claim", "value", "is_pattern", "department", "role",
                    "update_existing", "is_active"]
    list_display_links = ["claim"]
    list_select_related = ["department"]
    fields = services.CLAIM_RULE_FIELDS

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request.user)

    def save_model(self, request: HttpRequest, obj: ClaimRule, form: Any,
                   change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in services.CLAIM_RULE_FIELDS}
        if change:
            services.claim_rule_update(actor=request.user, rule=obj, data=data)
            return
        created = services.claim_rule_create(actor=request.user, data=data)
        obj.pk = created.pk
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: ClaimRule) -> None:
        services.claim_rule_delete(actor=request.user, rule=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ClaimRule]) -> None:
        for rule in queryset:
            services.claim_rule_delete(actor=request.user, rule=rule)


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(AdminOnly):
    """Which account each unified identity signs in to; made by the sign-in, never here."""

    list_display = ["user", "issuer", "subject", "created_at"]
    search_fields = ["user__username", "subject"]
    list_select_related = ["user"]
    readonly_fields = list_display

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
