from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.scoping import Domain, ScopedQuerySet


class AuditEventQuerySet(ScopedQuerySet):
    scope_domain = Domain.AUDIT
    scope_path = "organisation_id"


class AuditEvent(models.Model):
    """One entry of the append-only, hash-chained audit log (审计日志).

    `hash` covers every other field and the previous entry's hash, so editing, deleting or
    reordering any entry breaks the chain at that point (see core.audit.verify_chain).
    UPDATE and DELETE are refused by database triggers (migration 0002).
    """

    seq = models.BigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+", verbose_name=_("actor"))
    actor_label = models.CharField(_("actor"), max_length=150)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=64, db_index=True)
    organisation_id = models.BigIntegerField(_("organisation"), null=True, blank=True,
                                             db_index=True)
    summary = models.TextField(_("summary"))
    data = models.JSONField(_("details"), default=dict)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The chain's tip, a single row locked by every append so entries never fork."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash[:12]}"


class AnchorReason(models.TextChoices):
    DAILY = "daily", _("daily")
    DRAW = "draw", _("draw")
    PUBLICATION = "publication", _("publication of a result")
    MANUAL = "manual", _("taken by hand")


class AuditAnchor(models.Model):
    """The chain's head at a moment (审计锚点), published on the portal and, when
    SHUANGSUIJI_AUDIT_ANCHOR_FILE is set, appended to a file outside the database.

    A copy kept elsewhere lets `audit verify --anchor SEQ:HASH` detect a log truncated,
    rewound or rewritten as a whole, which the chain alone cannot (see core.audit).
    Append-only like the log (migration 0003).
    """

    seq = models.BigIntegerField(_("sequence"))
    hash = models.CharField(_("hash"), max_length=64, blank=True)
    taken_at = models.DateTimeField(_("time"), db_index=True)
    reason = models.CharField(_("reason"), max_length=20, choices=AnchorReason.choices)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("audit anchor")
        verbose_name_plural = _("audit anchors")
        ordering = ["-taken_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"],
                                name="core_anchor_object")]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return f"{self.seq}:{self.hash}"


class SignedSubject(models.TextChoices):
    DRAW = "draw", _("draw record")
    ANCHOR = "anchor", _("audit anchor")
    EXPORT = "export", _("export batch")


class PublishedSignature(models.Model):
    """An SM2 signature (国密, GB/T 32918.2) by the office's key over something the platform
    publishes: a draw record's digest, an audit anchor, an export batch file (core.signing).

    `message` is the signed text when it is short (`anchor:SEQ:HASH`,
    `draw:TASK:RECORD_DIGEST`), empty for a file, whose SM3 is kept instead. `public_key` names
    the key that signed, so a new key never orphans older signatures.
    """

    subject = models.CharField(_("what"), max_length=10, choices=SignedSubject.choices)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=64)
    message = models.TextField(_("signed text"), blank=True)
    sm3 = models.CharField(_("SM3 of what was signed"), max_length=64)
    signature = models.CharField(_("SM2 signature"), max_length=128)
    public_key = models.CharField(_("public key"), max_length=128)
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        verbose_name = _("published signature")
        verbose_name_plural = _("published signatures")
        ordering = ["-signed_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"],
                                name="core_signature_object")]

    def __str__(self) -> str:
        return f"{self.subject} {self.object_type}:{self.object_id}"
