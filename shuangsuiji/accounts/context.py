"""Template context: which menu entries the signed-in user may open."""

from typing import Any

from django.http import HttpRequest

from .scoping import Domain, can, is_admin


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"nav": {}}
    return {"nav": {domain.value: can(user, domain) for domain in Domain}
            | {"admin": is_admin(user)}}
