from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-site message")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    # Prints the notice (address masked) where the worker logs: the demo's stand-in for
    # e-mail and SMS, which need servers.
    CONSOLE = "console", _("Console")


class State(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Delivered")
    FAILED = "failed", _("Failed")


class Kind(models.TextChoices):
    TASK_DRAWN = "task_drawn", _("Task and group after the draw (to inspectors)")
    TASK_REPLACED = "task_replaced", _("Group after a replacement (to inspectors)")
    TASK_RELEASED = "task_released", _("Released by a replacement (to inspectors)")
    GROUP_JOINED = "group_joined", _("Took a recused inspector's place (to the inspector)")
    GROUP_LEFT = "group_left", _("Taken out of a group for a recusal (to the inspector)")
    INSPECTION_NOTICE = "inspection_notice", _("Inspection notice (to the entity)")
    ENTRY_REMINDER = "entry_reminder", _("Result entry deadline reminder (to inspectors)")
    PUBLICATION_REMINDER = "publication_reminder", _(
        "Publication deadline reminder (to reviewers)")
    OVERDUE = "overdue", _("Overdue items (to the office)")
    ENTITY_CODE = "entity_code", _("Sign-in code (to the entity's contact)")
    ENTITY_REQUEST = "entity_request", _("Entity's request to answer (to the office)")
