"""Enforcement documents (执法文书): each issued document is a row with its number, the facts
it states as they were when it was issued, and who issued it; the PDF is made from that row.

Numbers run per organisation, per word of the number (see choices.WORDS) and per year, from
a counter row that each issue locks: 晋人防检〔2026〕12号 is never given twice, even when two
clerks issue at once (and the unique constraint below stands behind the lock).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.models import Department
from shuangsuiji.inspections.models import FollowUp, Inspection

from .choices import DocumentKind


class NumberingScheme(models.Model):
    """An organisation's abbreviation in its document numbers (晋人防 in 晋人防检〔2026〕12号)."""

    organisation = models.OneToOneField(Department, on_delete=models.PROTECT,
                                        related_name="+", verbose_name=_("organisation"))
    abbreviation = models.CharField(_("abbreviation in document numbers"), max_length=20)

    class Meta:
        verbose_name = _("document numbering")
        verbose_name_plural = _("document numbering")

    def __str__(self) -> str:
        return self.abbreviation


class DocumentCounter(models.Model):
    """The last serial given for one organisation, word and year."""

    organisation = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    word = models.CharField(max_length=4)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "word", "year"],
                                               name="document_counter_once")]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.word}{self.year}={self.last}"


class IssuedDocument(models.Model):
    """One issued document. `content` holds what it states (facts, findings, recipient,
    attachments…) as issued: later edits of the result do not change a document on paper."""

    kind = models.CharField(_("document"), max_length=12, choices=DocumentKind.choices)
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("inspection result"))
    follow_up = models.ForeignKey(FollowUp, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("follow-up"))
    organisation = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("issuing organisation"))
    word = models.CharField(max_length=4)
    year = models.PositiveSmallIntegerField()
    serial = models.PositiveIntegerField()
    number = models.CharField(_("document number"), max_length=50)
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("issued by"))
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    content = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("enforcement document")
        verbose_name_plural = _("enforcement documents")
        ordering = ["inspection", "issued_at", "id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "word", "year", "serial"],
                                               name="document_number_once")]

    def __str__(self) -> str:
        return self.number
