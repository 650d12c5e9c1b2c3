from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Action, Domain, ScopedQuerySet

from .choices import ItemKind

# A code from the 互联网+监管 system: letters, digits and hyphens (rules/record_rows.py).
NATIONAL_CODE = RegexValidator(r"^[0-9A-Z]+(?:-[0-9A-Z]+)*$",
                               _("Letters (upper case), digits and hyphens only."))


class InspectionItemQuerySet(ScopedQuerySet):
    scope_domain = Domain.ITEMS

    def for_user(self, user, action=Action.VIEW):  # type: ignore[no-untyped-def]
        qs = super().for_user(user, action)
        # A business section adjusts only the items it is the 检查主体 of.
        if action == Action.CHANGE and getattr(user, "role", None) == Role.SECTION:
            qs = qs.filter(department_id=user.department_id)
        return qs

    def published(self) -> "InspectionItemQuerySet":
        return self.filter(is_published=True, is_active=True)


class InspectionItem(models.Model):
    """One line of the 抽查事项清单 (random-inspection item list)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    category = models.CharField(_("inspection category"), max_length=100)  # 抽查类别
    matter = models.CharField(_("inspection matter"), max_length=200)  # 抽查事项
    sub_item = models.CharField(_("sub-item"), max_length=200, blank=True)  # 抽查子项
    target_type = models.CharField(_("target type"), max_length=200)  # 检查对象
    basis = models.TextField(_("legal basis"))  # 检查依据
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="items",
                                   verbose_name=_("inspecting department"))  # 检查主体
    content = models.TextField(_("inspection content"))  # 检查内容
    method = models.CharField(_("inspection method"), max_length=200)  # 检查方式
    kind = models.CharField(_("item class"), max_length=10, choices=ItemKind.choices,
                            default=ItemKind.GENERAL)  # 事项类别
    ratio_guidance = models.CharField(_("sampling ratio guidance"), max_length=200, blank=True)
    frequency_guidance = models.CharField(_("frequency guidance"), max_length=200, blank=True)
    inspector_requirements = models.CharField(_("inspector requirements"), max_length=300,
                                              blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    # As the 互联网+监管 system codes it: reported with every inspection of the item.
    regulatory_code = models.CharField(_("regulatory matter code"), max_length=64, blank=True,
                                       validators=[NATIONAL_CODE])  # 监管事项编码
    implementation_code = models.CharField(  # 检查实施清单编码
        _("implementation list code"), max_length=64, blank=True, validators=[NATIONAL_CODE])
    is_published = models.BooleanField(_("published"), default=False)
    is_active = models.BooleanField(_("in force"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = InspectionItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection item")
        verbose_name_plural = _("inspection items")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.matter}"


class InspectionItemVersion(models.Model):
    """A saved state of an item: every adjustment keeps who, when and why (清单动态调整)."""

    item = models.ForeignKey(InspectionItem, on_delete=models.CASCADE, related_name="versions",
                             verbose_name=_("inspection item"))
    version = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("content"))
    is_published = models.BooleanField(_("published"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("changed by"))
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    reason = models.TextField(_("reason for the adjustment"))

    class Meta:
        verbose_name = _("item version")
        verbose_name_plural = _("item versions")
        ordering = ["item", "-version"]
        constraints = [models.UniqueConstraint(fields=["item", "version"],
                                               name="item_version_unique")]

    def __str__(self) -> str:
        return f"{self.item_id} v{self.version}"
