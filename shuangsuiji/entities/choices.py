from django.db import models
from django.utils.translation import gettext_lazy as _


class RegStatus(models.TextChoices):
    """登记状态 as registration authorities publish it."""

    ACTIVE = "active", _("Existing (存续/在业)")
    SUSPENDED = "suspended", _("Suspended (停业)")
    DEREGISTERED = "deregistered", _("Deregistered (注销)")
    REVOKED = "revoked", _("Licence revoked (吊销)")
    CANCELLED = "cancelled", _("Registration cancelled (撤销)")
    MOVED = "moved", _("Moved out (迁出)")


# Statuses that can still be drawn for inspection.
DRAWABLE_STATUSES = (RegStatus.ACTIVE, RegStatus.SUSPENDED)

# The words registration and licensing exports use, mapped to our statuses.
REG_STATUS_WORDS: dict[str, str] = {
    "存续": RegStatus.ACTIVE, "在业": RegStatus.ACTIVE, "开业": RegStatus.ACTIVE,
    "在营": RegStatus.ACTIVE, "正常": RegStatus.ACTIVE, "有效": RegStatus.ACTIVE,
    "存续（在营、开业、在册）": RegStatus.ACTIVE,
    "停业": RegStatus.SUSPENDED, "歇业": RegStatus.SUSPENDED,
    "注销": RegStatus.DEREGISTERED, "已注销": RegStatus.DEREGISTERED,
    "吊销": RegStatus.REVOKED, "吊销，未注销": RegStatus.REVOKED, "已吊销": RegStatus.REVOKED,
    "撤销": RegStatus.CANCELLED, "迁出": RegStatus.MOVED, "已迁出": RegStatus.MOVED,
}


class RiskClass(models.TextChoices):
    """信用风险分类: A low risk … D high risk. Internal: never published."""

    A = "A", _("A: low credit risk")
    B = "B", _("B: average credit risk")
    C = "C", _("C: higher credit risk")
    D = "D", _("D: high credit risk")


class TargetSource(models.TextChoices):
    IMPORT = "import", _("Licence data import")
    MANUAL = "manual", _("Entered by hand")
    API = "api", _("API")
    DEMO = "demo", _("Demo data")
