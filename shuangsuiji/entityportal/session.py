"""The entity's sign-in, kept apart from staff sign-ins.

An entity session holds only these keys, never Django's user key: the staff middleware
(core.middleware.LoginRequiredMiddleware) sees an anonymous visitor and sends it to the staff
sign-in, so an entity session grants no staff page. The other way round, a staff session
is never taken for an entity: entity pages refuse a signed-in user, and signing in as an
entity starts a fresh session (the staff sign-in ends).
"""

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .services import Entity

KEY = "shuangsuiji_entity"
PENDING = "shuangsuiji_entity_pending"


def start(request: HttpRequest, entity: Entity) -> None:
    request.session.flush()  # a new session key: nothing of an earlier sign-in carries over
    request.session[KEY] = {"uscc": entity.uscc, "contact": entity.contact_id,
                            "label": entity.label, "at": time.time()}


def current(request: HttpRequest) -> Entity | None:
    """The entity signed in on this request, or None (a staff user is never one)."""
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return None
    data = request.session.get(KEY)
    if not isinstance(data, dict):
        return None
    if time.time() - float(data.get("at", 0)) > settings.SHUANGSUIJI_ENTITY_SESSION_SECONDS:
        request.session.pop(KEY, None)
        return None
    return Entity(uscc=str(data["uscc"]), contact_id=int(data["contact"]),
                  label=str(data["label"]))


def end(request: HttpRequest) -> None:
    request.session.flush()


def entity_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """An entity page: open without a staff sign-in, but only to a signed-in entity."""

    @login_not_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        entity = current(request)
        if entity is None:
            return redirect("entityportal:sign_in")
        return view(request, entity, *args, **kwargs)

    return wrapped
