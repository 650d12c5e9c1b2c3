from django.db import models
from django.utils.translation import gettext_lazy as _


class InspectorRole(models.TextChoices):
    OFFICER = "officer", _("Law-enforcement officer (执法人员)")
    EXPERT = "expert", _("Technical expert (专业技术人员)")


class InspectorStatus(models.TextChoices):
    ACTIVE = "active", _("In post (在岗)")
    TRANSFERRED = "transferred", _("Transferred (调离)")
    RETIRED = "retired", _("Retired (退休)")


class Relation(models.TextChoices):
    KINSHIP = "kinship", _("Close relative (近亲属)")
    INTEREST = "interest", _("Interest (利害关系)")
    OTHER = "other", _("Other relationship (其他关系)")


class DeclaredBy(models.TextChoices):
    INSPECTOR = "inspector", _("Declared by the inspector")
    OFFICE = "office", _("Recorded by the office")
    ENTITY = "entity", _("Requested by the entity")
