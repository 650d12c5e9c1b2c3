"""Template context: the signed-in user's unread in-site messages (站内信), in the header."""

from typing import Any

from django.http import HttpRequest

from .models import Notice


def unread(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"inbox_unread": 0}
    return {"inbox_unread": Notice.objects.inbox(user).filter(read_at__isnull=True).count()}
