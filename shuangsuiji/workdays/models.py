"""The administrator's table of the working-day calendar, on top of the chinese_calendar package.

The calendar is national: it belongs to no organisation, everyone signed in may read it, and
only system administrators and the organising office change it (workdays.services).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# Years the pages and services accept: wide enough for any deadline, narrow enough to mean it.
FIRST_YEAR, LAST_YEAR = 2000, 2100


class CalendarDay(models.Model):
    """One day set by hand: a holiday or 调休 day the package lacks, or a correction of it."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True,
                            help_text=_("For example 元旦, 春节, 调休上班."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("updated by"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.note}".strip()


class CalendarYear(models.Model):
    """Whether the table holds a year's whole official schedule (the State Council's notice).

    For a year the package does not cover, answers stay provisional until it is complete.
    """

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True,
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)])
    complete = models.BooleanField(_("complete"), default=False, help_text=_(
        "The table holds this year's full official schedule of holidays and 调休 days."))
    source = models.CharField(_("source"), max_length=200, blank=True, help_text=_(
        "The notice the schedule comes from: the State Council General Office's notice on the "
        "year's holidays, with its number."))
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("updated by"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)
