"""Deny by default: every page needs a login unless marked @login_not_required."""

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as _Base
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _


class LoginRequiredMiddleware(_Base):
    """Django's middleware, except for the JSON API, which answers 401/403 in JSON itself."""

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any,
                     view_kwargs: Any) -> HttpResponseBase | None:
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class SessionTimeoutMiddleware:
    """Ends a sign-in after SHUANGSUIJI_SESSION_IDLE_SECONDS without a request, and in any case
    SESSION_COOKIE_AGE after it was made (等保: 登录连接超时自动退出).

    Django's session expiry moves forward each time the session is saved, so on its own it is
    neither an idle limit nor an absolute one: both times are kept in the session here."""

    SIGNED_IN = "shuangsuiji_signed_in_at"
    SEEN = "shuangsuiji_seen_at"
    # The last request's time is written at most this often, not a session save per request.
    RESOLUTION = 30

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            signed_in = session.setdefault(self.SIGNED_IN, now)
            seen = session.get(self.SEEN, now)
            idle = settings.SHUANGSUIJI_SESSION_IDLE_SECONDS
            if now - seen > idle or now - signed_in > settings.SESSION_COOKIE_AGE:
                logout(request)
                if not request.path_info.startswith("/api/"):
                    messages.info(request, _(
                        "You were signed out after {minutes} minutes without activity, or "
                        "at the end of the longest sign-in. Please sign in again.").format(
                            minutes=idle // 60))
            elif now - seen >= min(self.RESOLUTION, idle / 4) or self.SEEN not in session:
                session[self.SEEN] = now
        return self.get_response(request)
