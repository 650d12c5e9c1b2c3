from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectorsConfig(AppConfig):
    name = "shuangsuiji.inspectors"
    label = "inspectors"
    verbose_name = _("Inspector directory")
