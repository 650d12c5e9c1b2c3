from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "shuangsuiji.exchange"
    label = "exchange"
    verbose_name = _("Data exchange")

    def ready(self) -> None:
        # Imported here, not at the top: services import models, which need the registry.
        from django.db.models.signals import post_save

        from shuangsuiji.inspections.models import Inspection
        from shuangsuiji.publication.models import PublishedResult, ResultRepair

        from . import services

        for model in (Inspection, PublishedResult, ResultRepair):
            post_save.connect(services.on_result_changed, sender=model,
                              dispatch_uid=f"exchange.push.{model.__name__}")
