from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from shuangsuiji.draws.signals import targets_drawn


class InspectionsConfig(AppConfig):
    name = "shuangsuiji.inspections"
    label = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        # Imported here, not at the top: services import models, which need the registry.
        from . import services

        targets_drawn.connect(services.on_targets_drawn, dispatch_uid="inspections.visits")
