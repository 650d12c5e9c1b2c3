"""The signed-in user's own account: changing the password."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from . import services
from .forms import SetPasswordForm


@sensitive_post_parameters()
def password_change(request: HttpRequest) -> HttpResponse:
    """Every user changes their own password here: the current one (counted by the sign-in
    lockout), the new one twice, checked against the policy the page shows."""
    user = request.user
    form = SetPasswordForm(user, request.POST or None, own=True, request=request)
    if request.method == "POST" and form.is_valid():
        services.user_set_password(actor=user, user=user,
                                   password=form.cleaned_data["password1"])
        user.refresh_from_db()
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password was changed."))
        return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})
