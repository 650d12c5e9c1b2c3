"""Django's model backend, loading each request's user with its department and organisation.

Every page reads them (the menu, the scoping, the organisation in the page title): one query
with the user instead of two more. With SHUANGSUIJI_LOCAL_PASSWORDS=0 a password signs in
only a system administrator (the way in when the identity platform is down), whatever the
door: the sign-in page and the API token refuse passwords before this, the admin's does not.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .choices import Role
from .models import User


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = (User._default_manager.select_related("department__root")
                .filter(pk=user_id).first())
        return user if user is not None and self.user_can_authenticate(user) else None

    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> User | None:
        user = super().authenticate(request, username, password, **kwargs)
        if user is not None and not local_passwords_allowed(user):
            return None
        return user


def local_passwords_allowed(user: User | None = None) -> bool:
    """Whether a local password may sign in (anyone's, or this user's)."""
    if settings.SHUANGSUIJI_LOCAL_PASSWORDS:
        return True
    return user is not None and user.role == Role.ADMIN
