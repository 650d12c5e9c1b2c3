from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shuangsuiji.accounts.models import Department
from shuangsuiji.entities.models import Target
from shuangsuiji.inspectors.models import Inspector
from shuangsuiji.plans.models import InspectionTask


class Freeze(models.Model):
    """A task's frozen pools and the server's commitment (protocol §1).

    `server_secret` is never shown, exported or returned by any page or API before the draw;
    only its SHA-256 (`commitment`) is published.
    """

    task = models.OneToOneField(InspectionTask, on_delete=models.PROTECT, related_name="freeze",
                                verbose_name=_("task"))
    pool_digest = models.CharField(_("pool digest"), max_length=64)
    pool_size = models.PositiveIntegerField(_("pool size"))
    pool_strata = models.JSONField(_("pool size per stratum"), default=dict)
    inspector_digest = models.CharField(_("inspector pool digest"), max_length=64)
    inspector_lines = models.JSONField(_("inspector pool"), default=list)
    server_secret = models.CharField(max_length=64, editable=False)
    commitment = models.CharField(_("commitment"), max_length=64)
    rules = models.JSONField(_("stratum rules"), default=dict)
    departments = models.JSONField(_("participating departments"), default=list)
    planned_draw_at = models.DateTimeField(_("planned draw time"))
    frozen_at = models.DateTimeField(_("frozen at"), auto_now_add=True)
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+", verbose_name=_("frozen by"))

    class Meta:
        verbose_name = _("frozen pool")
        verbose_name_plural = _("frozen pools")

    def __str__(self) -> str:
        return f"{self.task_id}:{self.pool_digest[:12]}"


class FrozenCandidate(models.Model):
    """One line of a frozen target pool: `ident<TAB>stratum`.

    Written once, by one INSERT … SELECT from the targets in the transaction that creates
    its freeze (frozen.insert_candidates), so its references hold by construction; the
    database does not check them row by row (its foreign-key triggers took 8 of the 15 s
    of freezing a million candidates) nor index them (lookups go by (freeze, ident)). The
    ORM still cascades a deleted freeze and protects a target from deletion.
    """

    freeze = models.ForeignKey(Freeze, on_delete=models.CASCADE, related_name="candidates",
                               db_constraint=False, db_index=False)
    ident = models.CharField(max_length=40)
    stratum = models.CharField(max_length=10)
    target = models.ForeignKey(Target, on_delete=models.PROTECT, null=True, related_name="+",
                               db_constraint=False, db_index=False)

    class Meta:
        verbose_name = _("frozen candidate")
        verbose_name_plural = _("frozen candidates")
        constraints = [models.UniqueConstraint(fields=["freeze", "ident"],
                                               name="frozen_candidate_once")]

    def __str__(self) -> str:
        return f"{self.ident}\t{self.stratum}"


class FrozenPoolPart(models.Model):
    """Part of a frozen target pool as the bytes its digest is over: whole lines
    `ident<TAB>stratum<LF>` in byte order, a few megabytes a part (draws/pool_parts.py).

    Written with the candidates by the freeze, from the lines it read back and hashed; read
    by the draw and to make the record file, which need only the lines (a part is one value
    to read, a candidate a row). Checked against the digest whenever read; the candidates
    are read instead when they do not give it.
    """

    freeze = models.ForeignKey(Freeze, on_delete=models.CASCADE, related_name="parts",
                               db_index=False)  # the unique (freeze, seq) index serves
    seq = models.PositiveIntegerField()
    lines = models.BinaryField()

    class Meta:
        verbose_name = _("frozen pool part")
        verbose_name_plural = _("frozen pool parts")
        constraints = [models.UniqueConstraint(fields=["freeze", "seq"],
                                               name="frozen_pool_part_once")]

    def __str__(self) -> str:
        return f"{self.freeze_id}:{self.seq}"


class DrawRecord(models.Model):
    """The one successful draw of a task (抽取记录). OneToOne: the database forbids a second."""

    task = models.OneToOneField(InspectionTask, on_delete=models.PROTECT, related_name="draw",
                                verbose_name=_("task"))
    record = models.JSONField(_("record"))
    # A large pool's record (millions of lines): `record` holds it without its pool's lines
    # and standby lists, plus the replacements; the file, made from the frozen pool when
    # first needed, holds it whole as drawn (draws/records.py).
    record_file = models.FileField(_("record file"), upload_to="draws/%Y/", blank=True)
    record_digest = models.CharField(_("record digest"), max_length=64, unique=True)
    seed = models.CharField(_("seed"), max_length=64)
    ceremony_input = models.CharField(_("ceremony input"), max_length=500)
    ceremony_source = models.CharField(_("source of the ceremony input"), max_length=200)
    witnesses = models.JSONField(_("witnesses"), default=list)
    present = models.JSONField(_("people present"), default=list)
    # 抽取地点 of the written record: where the ceremony was held (not part of the record JSON).
    place = models.CharField(_("place of the draw"), max_length=200, blank=True)
    drawn_at = models.DateTimeField(_("drawn at"))
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="+", verbose_name=_("drawn by"))

    class Meta:
        verbose_name = _("draw record")
        verbose_name_plural = _("draw records")
        ordering = ["-drawn_at"]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.record_digest[:12]}"


class DrawnTarget(models.Model):
    """A target of the task: drawn, or brought in by a replacement; `replaced_*` when out.

    A non-random task (重点检查, 专项检查, 投诉举报核查, 上级交办) has one, chosen by the office:
    no draw, no ticket; its group's assignments are the inspectors the office chose. So the
    visit, the result, its review and publication are the same for both."""

    draw = models.ForeignKey(DrawRecord, on_delete=models.CASCADE, related_name="targets",
                             null=True, blank=True)
    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE, related_name="targets")
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="draws")
    ident = models.CharField(max_length=40)
    stratum = models.CharField(max_length=10)
    ticket = models.CharField(max_length=90)
    position = models.PositiveIntegerField(null=True)
    via_replacement = models.BooleanField(default=False)
    replaced_at = models.DateTimeField(null=True, blank=True)
    replaced_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("drawn target")
        verbose_name_plural = _("drawn targets")
        ordering = ["draw", "ticket"]
        constraints = [models.UniqueConstraint(fields=["draw", "ident"], name="drawn_once")]

    def __str__(self) -> str:
        return self.ident

    @property
    def in_force(self) -> bool:
        return self.replaced_at is None


class Assignment(models.Model):
    """An inspector in a target's group for a task; released when the target is replaced, or
    when a conflict of interest registered after the freeze takes the inspector out (换人, then
    `replaces` links the one who took the place: rules/draw/substitution.py)."""

    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE, related_name="assignments")
    drawn_target = models.ForeignKey(DrawnTarget, on_delete=models.CASCADE,
                                     related_name="assignments")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT,
                                  related_name="assignments")
    position = models.PositiveSmallIntegerField()
    released_at = models.DateTimeField(null=True, blank=True)
    released_for = models.CharField(_("released for"), max_length=10, blank=True,
                                    choices=[("replaced", _("target replaced")),
                                             ("conflict", _("conflict of interest"))])
    replaces = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="replaced_by")

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["drawn_target", "department", "position"]

    def __str__(self) -> str:
        return f"{self.inspector_id}→{self.drawn_target_id}"


class DrawJob(models.Model):
    """A freeze or a draw of a large pool, or the PDF of a large draw's record, run by the
    background worker.

    Millions of candidates take longer than a web request may: the page (or API client)
    asks, the worker runs draws.services.task_freeze / draw_execute with the same inputs, and
    the page follows the job until it is done. At most one job per task is waiting or
    running (the database refuses a second).
    """

    class Kind(models.TextChoices):
        FREEZE = "freeze", _("Freeze")
        DRAW = "draw", _("Draw")
        RECORD_PDF = "pdf", _("Draw record PDF")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE, related_name="draw_jobs",
                             verbose_name=_("task"))
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=7, choices=Status.choices,
                              default=Status.QUEUED)
    # The service's inputs: the planned draw time, the ceremony input and the people, or the
    # state of the record a PDF shows (its digest and how many replacements).
    inputs = models.JSONField(_("inputs"), default=dict)
    output = models.FileField(_("file made"), upload_to="draws/%Y/", blank=True)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("requested by"))
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("freeze or draw job")
        verbose_name_plural = _("freeze and draw jobs")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(
            fields=["task"], condition=models.Q(status__in=["queued", "running"]),
            name="one_active_draw_job_per_task")]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.kind}:{self.status}"

    # Waiting or running: the statuses one_active_draw_job_per_task allows once per task.
    ACTIVE = (Status.QUEUED, Status.RUNNING)

    @property
    def active(self) -> bool:
        return self.status in self.ACTIVE
