from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _create_cache_table(using: str = "default", **kwargs: Any) -> None:
    """The database cache's table (the API throttles live there) comes with every `migrate`,
    so no installation can forget `createcachetable`."""
    if any(cache["BACKEND"].endswith("DatabaseCache") for cache in settings.CACHES.values()):
        call_command("createcachetable", database=using, verbosity=0)


class CoreConfig(AppConfig):
    name = "shuangsuiji.core"
    label = "core"
    verbose_name = _("Audit and shared services")

    def ready(self) -> None:
        post_migrate.connect(_create_cache_table, sender=self,
                             dispatch_uid="shuangsuiji.core.cache_table")
        from . import checks  # noqa: F401 (registers the key checks)
