from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnforcementConfig(AppConfig):
    name = "shuangsuiji.enforcement"
    verbose_name = _("Enforcement documents")
