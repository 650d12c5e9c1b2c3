"""The outbox: every notice a row, written in the transaction of the event that causes it.

The worker (outbox.py) claims a waiting row, delivers it and records the outcome; a row is
claimed by one worker only, and one that was being sent when its worker stopped is marked
failed (it may have gone out), never sent again by itself: at most once, and never lost.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Domain, ScopedQuerySet
from shuangsuiji.plans.models import InspectionTask

from .choices import Channel, Kind, State


class NoticeQuerySet(ScopedQuerySet):
    scope_domain = Domain.NOTICES
    scope_path = "organisation_id"

    def inbox(self, user: object) -> "NoticeQuerySet":
        """The user's own delivered in-site messages."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(channel=Channel.INBOX, user=user, state=State.SENT)


class Notice(models.Model):
    organisation = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    task = models.ForeignKey(InspectionTask, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("task"))
    # Whom, as the office may read it: a role and a name, never an address.
    recipient = models.CharField(_("recipient"), max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+", verbose_name=_("user"))
    # The phone number or e-mail address, encrypted (core.crypto), and as pages show it.
    address = models.TextField(blank=True, editable=False)
    address_masked = models.CharField(_("address"), max_length=100, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # What makes a notice once only (a reminder of one deadline to one person on one
    # channel): a second scan finds it there and writes nothing.
    dedup_key = models.CharField(max_length=200, null=True, blank=True, unique=True,
                                 editable=False)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="notice_due"),
                   models.Index(fields=["user", "channel", "read_at"], name="notice_inbox")]
        constraints = [models.CheckConstraint(
            condition=Q(channel=Channel.INBOX, user__isnull=False)
            | (~Q(channel=Channel.INBOX) & ~Q(address="")),
            name="notice_has_recipient")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient} ({self.get_channel_display()})"


class NoticeTemplateQuerySet(ScopedQuerySet):
    scope_domain = Domain.NOTICES
    scope_path = "organisation_id"


class NoticeTemplate(models.Model):
    """An organisation's wording of a kind of notice; without one, the default (defaults.py)."""

    organisation = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("changed by"))
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    objects = NoticeTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice template")
        verbose_name_plural = _("notice templates")
        constraints = [models.UniqueConstraint(fields=["organisation", "kind"],
                                               name="one_notice_template_per_kind")]

    def __str__(self) -> str:
        return self.get_kind_display()
