from django.db import models
from django.utils.translation import gettext_lazy as _


class AttemptKind(models.TextChoices):
    LOOKED_UP = "looked_up", _("Contacts looked up")
    CODE_SENT = "code_sent", _("Code sent")
    WRONG_CODE = "wrong_code", _("Wrong code")
    SIGNED_IN = "signed_in", _("Signed in")
    LOCKED = "locked", _("Locked out")


class RequestKind(models.TextChoices):
    OBJECTION = "objection", _("Objection to a result (陈述申辩 / 异议)")
    RECUSAL = "recusal", _("Request for an inspector's recusal (回避申请)")
    RECTIFICATION = "rectification", _("Rectification report (整改报告)")
    REPAIR = "repair", _("Credit repair application (信用修复)")
    INTEGRITY = "integrity", _("Integrity rating and misconduct report (廉洁评价)")


class RequestState(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting the office's answer")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Not accepted")
    NOTED = "noted", _("Read by the leadership")
