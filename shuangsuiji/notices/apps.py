from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "shuangsuiji.notices"
    label = "notices"
    verbose_name = _("Notices")

    def ready(self) -> None:
        # Imported here, not at the top: services import models, which need the registry.
        from shuangsuiji.draws.signals import groups_drawn
        from shuangsuiji.inspections.signals import group_substituted, visit_scheduled

        from . import services

        groups_drawn.connect(services.on_groups_drawn, dispatch_uid="notices.groups_drawn")
        visit_scheduled.connect(services.on_visit_scheduled,
                                dispatch_uid="notices.visit_scheduled")
        group_substituted.connect(services.on_group_substituted,
                                  dispatch_uid="notices.group_substituted")
