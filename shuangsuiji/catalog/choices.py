from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemKind(models.TextChoices):
    KEY = "key", _("Key item (重点检查事项)")
    GENERAL = "general", _("General item (一般检查事项)")
