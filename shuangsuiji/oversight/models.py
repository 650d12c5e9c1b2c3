"""The city's 考评 criteria: what each department's year is scored against (rules/evaluation)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shuangsuiji.rules import evaluation as rules


class EvaluationCriteria(models.Model):
    """One year's criteria, set by the city's leading group office (or an administrator)
    through oversight.services.criteria_set, audited. A year without a row is scored against
    DEFAULTS, so the table says something before the city sets anything."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    plan_weight = models.PositiveSmallIntegerField(_("plan completion: points"), default=40)
    plan_target = models.DecimalField(_("plan completion: target (%)"), max_digits=5,
                                      decimal_places=1, default=Decimal(100))
    publication_weight = models.PositiveSmallIntegerField(_("published on time: points"),
                                                          default=30)
    publication_target = models.DecimalField(_("published on time: target (%)"), max_digits=5,
                                             decimal_places=1, default=Decimal(100))
    joint_weight = models.PositiveSmallIntegerField(_("joint-task share: points"), default=20)
    joint_target = models.DecimalField(_("joint-task share: target (%)"), max_digits=5,
                                       decimal_places=1, default=Decimal(30))
    complaints_weight = models.PositiveSmallIntegerField(
        _("complaints about inspections: points"), default=10)
    complaints_target = models.DecimalField(
        _("complaints about inspections: limit per 100 results"), max_digits=5,
        decimal_places=1, default=Decimal(2))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("updated by"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("evaluation criteria")
        verbose_name_plural = _("evaluation criteria")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(_("Evaluation criteria {year}").format(year=self.year))

    @classmethod
    def for_year(cls, year: int) -> "EvaluationCriteria":
        """The year's stored criteria, or the defaults (a read never writes)."""
        return cls.objects.filter(year=year).first() or cls(year=year)

    def rules(self) -> dict[str, rules.Criterion]:
        return {name: rules.Criterion(getattr(self, f"{name}_weight"),
                                      Decimal(getattr(self, f"{name}_target")))
                for name in rules.CRITERIA}


class ReportFiling(models.Model):
    """年度报告备案: an organisation's annual report as its office filed it with the city's
    leading group office, kept as filed (the PDF and its SHA-256: figures move as late
    results come in, a filing does not), and the city's signature for it."""

    organisation = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("organisation"))
    year = models.PositiveSmallIntegerField(_("year"))
    file = models.FileField(upload_to="reports/%Y/")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="+", verbose_name=_("filed by"))
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("signed for by"))
    received_at = models.DateTimeField(_("signed for at"), null=True, blank=True)

    class Meta:
        verbose_name = _("annual report filing")
        verbose_name_plural = _("annual report filings")
        ordering = ["-year", "organisation__code"]
        constraints = [models.UniqueConstraint(fields=["organisation", "year"],
                                               name="report_filed_once")]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.year}"
