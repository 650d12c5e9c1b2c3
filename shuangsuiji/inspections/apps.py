from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from shuangsuiji.draws.signals import groups_drawn, targets_drawn


class InspectionsConfig(AppConfig):
    name = "shuangsuiji.inspections"
    label = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        # Imported here, not at the top: services import models, which need the registry.
        from . import groups, services

        targets_drawn.connect(services.on_targets_drawn, dispatch_uid="inspections.visits")
        # Before the notices (notices comes later in INSTALLED_APPS): they go to the groups
        # as they stand once a conflict registered after the freeze has been seen to.
        groups_drawn.connect(groups.on_groups_drawn, dispatch_uid="inspections.substitute")
