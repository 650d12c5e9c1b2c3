"""The entity's own side: sign-in codes, sign-in attempts, and what the entity asks of the office.

An entity is its 统一社会信用代码: several Targets (one per department's directory) may share it,
and the entity sees all of them. A person signs in as one of the contacts the office recorded.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.models import Department
from shuangsuiji.entities.models import Contact, Target
from shuangsuiji.inspections.models import FollowUp, Inspection, Visit
from shuangsuiji.inspectors.models import Inspector

from .choices import AttemptKind, RequestKind, RequestState


class SignInCode(models.Model):
    """A one-time code sent to a contact through the outbox; only its keyed hash is kept."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, db_index=True)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.uscc} · {self.created_at:%Y-%m-%d %H:%M}"


class SignInAttempt(models.Model):
    """Each code sent, wrong code, sign-in and lockout: what the throttles count."""

    uscc = models.CharField(_("unified social credit code"), max_length=18)
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    address = models.CharField(_("address"), max_length=45, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=AttemptKind.choices)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("entity sign-in attempt")
        verbose_name_plural = _("entity sign-in attempts")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["uscc", "kind", "at"], name="entity_attempt_code"),
                   models.Index(fields=["address", "kind", "at"], name="entity_attempt_addr")]

    def __str__(self) -> str:
        return f"{self.uscc} · {self.get_kind_display()}"


class EntityRequest(models.Model):
    """What the entity asks or reports, with the day the office must answer by (working days)."""

    organisation = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    kind = models.CharField(_("kind"), max_length=15, choices=RequestKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=RequestState.choices,
                             default=RequestState.SUBMITTED)
    uscc = models.CharField(_("unified social credit code"), max_length=18, db_index=True)
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("target"))
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("visit"))
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("result"))
    follow_up = models.ForeignKey(FollowUp, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("follow-up"))
    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("inspector"))
    blacklist_entry = models.ForeignKey("credit.BlacklistEntry", on_delete=models.PROTECT,
                                        null=True, blank=True, related_name="+",
                                        verbose_name=_("blacklist entry"))
    # 信用修复 of a published result (a repair names this or a blacklist entry).
    published_result = models.ForeignKey("publication.PublishedResult",
                                         on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+", verbose_name=_("published result"))
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("contact"))
    filed_by = models.CharField(_("filed by"), max_length=100)
    text = models.TextField(_("statement"))
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    due_on = models.DateField(_("answer due on"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("answered by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("entity request")
        verbose_name_plural = _("entity requests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.target.name}"


class RequestAttachment(models.Model):
    """A file the entity attached (PDF, JPEG or PNG, checked by content), kept private."""

    request = models.ForeignKey(EntityRequest, on_delete=models.PROTECT,
                                related_name="attachments")
    file = models.FileField(upload_to="entity/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name
