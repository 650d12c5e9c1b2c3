"""Django's model backend, loading each request's user with its department and organisation.

Every page reads them (the menu, the scoping, the organisation in the page title): one query
with the user instead of two more.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from .models import User


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = (User._default_manager.select_related("department__root")
                .filter(pk=user_id).first())
        return user if user is not None and self.user_can_authenticate(user) else None
