"""The inspector's phone: its sign-in (FieldSession), the files it sent (FieldUpload) and the
operations it made offline, each applied once (FieldOperation).

A phone underground has no signal for hours, longer than a web sign-in stays open, so it syncs
with a key of its own: made while signed in, stored hashed, limited in time, revocable.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shuangsuiji.inspections.models import Inspection


class FieldSession(models.Model):
    """A phone's key for the field API (Authorization: Field <key>); only its hash is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="field_sessions", verbose_name=_("user"))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    device = models.CharField(_("device"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("revoked by"))
    revoke_reason = models.CharField(_("reason for revoking"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("field session")
        verbose_name_plural = _("field sessions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.created_at:%Y-%m-%d %H:%M}"


class FieldUpload(models.Model):
    """A photo or signature sent ahead of the operation that uses it, named by its SHA-256
    (checked on arrival): a phone asks which it already sent and sends only the others."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to="field/%Y/%m/")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("field upload")
        verbose_name_plural = _("field uploads")
        constraints = [models.UniqueConstraint(fields=["user", "sha256"],
                                               name="field_upload_once")]

    def __str__(self) -> str:
        return self.sha256


class OperationStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    CONFLICT = "conflict", _("Conflict")
    REFUSED = "refused", _("Refused")


class FieldOperation(models.Model):
    """One operation a phone made, by its client id: sent again, it is answered from here and
    never applied twice."""

    client_id = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+")
    session = models.ForeignKey(FieldSession, on_delete=models.PROTECT, related_name="operations")
    kind = models.CharField(max_length=30)
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=OperationStatus.choices)
    answer = models.JSONField()  # what the phone was told, word for word
    applied_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("field operation")
        verbose_name_plural = _("field operations")
        ordering = ["applied_at", "id"]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.kind}={self.status}"
