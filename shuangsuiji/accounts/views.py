"""Signing in, and the signed-in user's own account: changing the password."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from . import services
from .forms import SetPasswordForm
from .oidc import enabled


@sensitive_post_parameters()
def password_change(request: HttpRequest) -> HttpResponse:
    """Every user changes their own password here: the current one (counted by the sign-in
    lockout), the new one twice, checked against the policy the page shows."""
    user = request.user
    if not user.has_usable_password():
        # An account opened by the unified sign-in has no password to change.
        raise Http404
    form = SetPasswordForm(user, request.POST or None, own=True, request=request)
    if request.method == "POST" and form.is_valid():
        services.user_set_password(actor=user, user=user,
                                   password=form.cleaned_data["password1"])
        user.refresh_from_db()
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password was changed."))
        return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})


class SignInView(auth_views.LoginView):
    """/login/: the password form, 统一身份认证 when configured, or only the latter when
    local passwords are off (SHUANGSUIJI_LOCAL_PASSWORDS=0: a password POST is refused)."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "sso": enabled(),
                "local_passwords": settings.SHUANGSUIJI_LOCAL_PASSWORDS}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.SHUANGSUIJI_LOCAL_PASSWORDS:
            context = self.get_context_data(form=None, refused=_(
                "Sign-in by password is turned off: use the unified identity sign-in."))
            return render(request, self.template_name, context, status=403)
        return super().post(request, *args, **kwargs)
