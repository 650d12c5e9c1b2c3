"""Sign-in lockout (等保 2.0 三级: 登录失败处理): django-axes with the attempts in the database.

Every authenticate() with a request goes through axes' backend — the sign-in page, Django's
admin sign-in, the API token endpoint, the current password on the change-password page. An
account is locked after SHUANGSUIJI_LOGIN_FAILURES_ACCOUNT failures from anywhere, an address
after SHUANGSUIJI_LOGIN_FAILURES_ADDRESS failures whatever the user names, for
SHUANGSUIJI_LOCKOUT_MINUTES after the last one; a locked sign-in is refused even with the
right password. Unknown user names are locked like real ones, so the lockout does not tell
which accounts exist. Each lockout is an audit entry; `services.login_unlock` ends one.
"""

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from shuangsuiji.core.audit import audit_record

from .models import User


def lockout_message() -> str:
    return _("Too many failed sign-ins: this account or this address is locked for {minutes} "
             "minutes. Try again later, or ask a system administrator to unlock it.").format(
                 minutes=settings.SHUANGSUIJI_LOCKOUT_MINUTES)


def lockout_response(request: HttpRequest, original_response: Any = None,
                     credentials: Any = None) -> HttpResponse:
    """What a locked sign-in gets: JSON for the API, the sign-in page with the reason else."""
    message = lockout_message()
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "login_locked"}, status=403)
    context = {"locked": message, "next": request.POST.get("next", "")}
    response = TemplateResponse(request, "registration/login.html", context, status=403)
    return response.render()


class LockoutBackend(AxesStandaloneBackend):
    """Axes' backend, first in AUTHENTICATION_BACKENDS: refuses a locked sign-in.

    Every door (sign-in page, admin, API token, change-password page) passes its request.
    A call without one (a management command, the test client's login) comes from no address
    and through no door, so there is nothing to count: axes would raise; it is let through."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def _failures(attempts: Any) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit of its own for the account and for the address."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        # Axes compares one number with one limit (the account's): an address's failures are
        # scaled so that it reaches the limit exactly at the address's own limit.
        attempts = AccessAttempt.objects.filter(
            attempt_time__gte=get_cool_off_threshold(request))
        account = _failures(attempts.filter(
            username=get_client_username(request, credentials)))
        address = _failures(attempts.filter(ip_address=request.axes_ip_address))
        request.shuangsuiji_failures = (account, address)  # type: ignore[attr-defined]
        per_account = settings.SHUANGSUIJI_LOGIN_FAILURES_ACCOUNT
        return max(account,
                   address * per_account // settings.SHUANGSUIJI_LOGIN_FAILURES_ADDRESS)

    def user_login_failed(self, sender: Any, credentials: dict, request: Any = None,
                          **kwargs: Any) -> None:
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or not getattr(request, "axes_locked_out", False):
            return
        account, address = getattr(request, "shuangsuiji_failures", (0, 0))
        username = get_client_username(request, credentials)
        # The failure that reached a limit is recorded once; those that follow while it is
        # locked are not.
        if account == settings.SHUANGSUIJI_LOGIN_FAILURES_ACCOUNT:
            _record_lockout(request, by="account", username=username, failures=account)
        if address == settings.SHUANGSUIJI_LOGIN_FAILURES_ADDRESS:
            _record_lockout(request, by="address", username=username, failures=address)

    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        super().user_logged_in(sender, request, user, **kwargs)
        # Forget this user's own mistakes from this address, nothing else: clearing the whole
        # address (axes' AXES_RESET_ON_SUCCESS) would let anyone with an account reset the
        # count of the accounts they guess at by signing in between guesses.
        AccessAttempt.objects.filter(username=user.get_username(),
                                     ip_address=request.axes_ip_address).delete()


def _record_lockout(request: HttpRequest, *, by: str, username: str | None,
                    failures: int) -> None:
    address = request.axes_ip_address  # type: ignore[attr-defined]
    user = User.objects.filter(username=username).select_related("department").first() \
        if username else None
    organisation_id = None
    if user is not None and user.department_id is not None:
        organisation_id = user.department.root_id or user.department_id
    if by == "account":
        # A user name that is not an account may be a password typed in the wrong field.
        shown = username if user is not None else _("(unknown user name)")
        summary = _("Sign-in of {username} locked after {n} failed attempts").format(
            username=shown, n=failures)
    else:
        summary = _("Sign-ins from the address {address} locked after {n} failed attempts") \
            .format(address=address, n=failures)
    audit_record(actor=None, action="login.lockout", obj=user if by == "account" else None,
                 object_type="" if by == "account" else "address",
                 object_id="" if by == "account" else str(address),
                 organisation_id=organisation_id if by == "account" else None,
                 summary=summary,
                 data={"by": by, "username": username if user is not None else None,
                       "address": address, "failures": failures, "path": request.path_info,
                       "minutes": settings.SHUANGSUIJI_LOCKOUT_MINUTES})
