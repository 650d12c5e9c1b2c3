"""Deny by default: every page needs a login unless marked @login_not_required."""

from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware as _Base
from django.http import HttpRequest, HttpResponseBase


class LoginRequiredMiddleware(_Base):
    """Django's middleware, except for the JSON API, which answers 401/403 in JSON itself."""

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any,
                     view_kwargs: Any) -> HttpResponseBase | None:
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
