from django.db import models
from django.utils.translation import gettext_lazy as _


class DepartmentKind(models.TextChoices):
    OFFICE = "office", _("Regulating office")
    SECTION = "section", _("Section of an office")
    EXTERNAL = "external", _("Cooperating department")


class Role(models.TextChoices):
    ADMIN = "admin", _("System administrator")
    OFFICE = "office", _("Organising office")
    SECTION = "section", _("Business section")
    INSPECTOR = "inspector", _("Inspector")
    EXPERT = "expert", _("Technical expert")
    PARTNER = "partner", _("Cooperating-department user")
    LEADER = "leader", _("Leadership (read-only)")
    # 审计/第三方评估/纪检监察: reads the full draw records and the audit log of the
    # organisations it is given (User.audited_organisations), changes nothing.
    AUDITOR = "auditor", _("Auditor or third-party evaluator (read-only)")
    # 联席会议办公室 (the city's leading group office for 双随机、一公开): reads every
    # organisation's plans, tasks, draws and figures; changes nothing; never sees credit-risk
    # classes, directories or full draw records (those stay with each organisation).
    CITY = "city", _("City leading group office (read-only, every department)")
    # 第三方评估 for a period: reads the tasks, draws (with their full records) and results of
    # the periods it is granted (EvaluatorGrant), nothing else; every grant is audited.
    EVALUATOR = "evaluator", _("Third-party evaluator for a period (read-only)")
