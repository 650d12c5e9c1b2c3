from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntityPortalConfig(AppConfig):
    name = "shuangsuiji.entityportal"
    label = "entityportal"
    verbose_name = _("Entity portal")
