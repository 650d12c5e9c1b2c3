"""Data that flows to the systems above: the deliveries outbox and the 监管行为数据 batches.

`Delivery` is one signed push of one record to one receiving system (the national or the city
credit platform, the provincial 互联网+监管 system): a row written when the record becomes due,
sent by the worker (outbox.py) with retries, marked sent once. Its idempotency key is unique:
the platform never makes two deliveries of one record to one target, and the receiver, which
is sent the same key on every retry, counts it once.

`SupervisionBatch` is a 监管行为数据 file for a system that only takes files; its rows say which
inspections it carried, once each.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.models import Department
from shuangsuiji.accounts.scoping import Domain, ScopedQuerySet
from shuangsuiji.inspections.models import Inspection


class OrganisationQuerySet(ScopedQuerySet):
    """Deliveries and batches belong to the organisation whose department inspected; they are
    read and retried by whoever may publish its results."""

    scope_domain = Domain.PUBLICATION
    scope_path = "organisation_id"


class Target(models.TextChoices):
    NATIONAL = "national", _("National enterprise credit information publicity system "
                             "(国家企业信用信息公示系统)")
    CITY = "city", _("City public credit information platform (市公共信用信息平台)")
    PROVINCE = "province", _("Provincial Internet+Supervision system (省互联网+监管系统)")


class Payload(models.TextChoices):
    RESULT = "result", _("Published result")
    SUPERVISION = "supervision", _("Supervision behaviour data (监管行为数据)")
    REPAIR = "repair", _("Credit repair of a published result (信用修复)")


class State(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Delivered")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    organisation = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    target = models.CharField(_("receiving system"), max_length=10, choices=Target.choices)
    payload = models.CharField(_("content"), max_length=12, choices=Payload.choices)
    # What it carries, for the office to read: the inspection and a short description.
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("result"))
    label = models.CharField(_("record"), max_length=200)
    # The exact bytes pushed (UTF-8 JSON), fixed when the delivery is written: every retry
    # sends the same body under the same key.
    body = models.TextField(editable=False)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.target}:{self.idempotency_key}"


class SupervisionBatch(models.Model):
    """A 监管行为数据 file (JSON lines) for a system that only takes files."""

    organisation = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="exports/supervision/%Y/")
    size = models.PositiveIntegerField(_("inspections"))
    records = models.PositiveIntegerField(_("records"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervision data batch")
        verbose_name_plural = _("supervision data batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} ({self.size})"


class SupervisionExported(models.Model):
    """An inspection carried by a batch file: the database refuses carrying it twice."""

    batch = models.ForeignKey(SupervisionBatch, on_delete=models.PROTECT, related_name="rows")
    inspection = models.OneToOneField(Inspection, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.inspection_id}"
