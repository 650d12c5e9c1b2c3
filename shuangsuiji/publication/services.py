"""Publishing, withdrawing and withholding results, and the export batches; each one audited.

Only approved results are published, as a snapshot (`PublishedResult`) that leaves out what an
approved redaction withholds and masks personal data in the findings text. Credit-risk classes
are never part of a snapshot. Permission checks live here as well as in the views, so the API,
the pages and the command line cannot differ.
"""

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.accounts.models import Department, User
from shuangsuiji.accounts.scoping import is_admin
from shuangsuiji.core import signing
from shuangsuiji.core.anchors import AnchorReason, anchor_take
from shuangsuiji.core.audit import audit_record
from shuangsuiji.core.i18n import reason as rule_reason
from shuangsuiji.core.models import SignedSubject
from shuangsuiji.entities.models import Contact
from shuangsuiji.inspections.choices import Conduct, ResultCategory, ReviewState, SignerRole
from shuangsuiji.inspections.deadlines import publication_deadline
from shuangsuiji.inspections.models import Inspection
from shuangsuiji.inspections.selectors import result_view
from shuangsuiji.rules import credit_repair
from shuangsuiji.rules import publication as rules

from . import exports, permissions
from .models import (
    Channel,
    ExportBatch,
    ExportedResult,
    PublishedResult,
    Redaction,
    RedactionBasis,
    ResultRepair,
)

FORMATS = ("xlsx", "csv")


def _deny(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _label(choices: Any, value: str) -> str:
    """The official Chinese wording of a choice (its label ends with it in parentheses)."""
    try:
        return rules.chinese_term(str(choices(value).label))
    except ValueError:
        return value


def active_redactions(inspection: Inspection) -> QuerySet[Redaction]:
    return inspection.redactions.filter(revoked_at__isnull=True)


def withheld_whole(inspection: Inspection) -> bool:
    return active_redactions(inspection).filter(whole=True).exists()


def withheld_fields(inspection: Inspection) -> list[str]:
    fields: set[str] = set()
    for redaction in active_redactions(inspection):
        fields.update(redaction.fields)
    return rules.check_fields(fields & set(rules.REDACTABLE))


def snapshot_of(inspection: Inspection) -> rules.Snapshot:
    """The public content of a result, before redaction. No credit-risk class, no contacts,
    no inspectors' or representatives' names: only what the national bulletins show. The
    names of private persons the platform knows are masked in the findings text."""
    drawn = inspection.visit.drawn_target
    target = drawn.target
    # The names each directory keeps of the entity: the drawn row's and the inspecting
    # organisation's own (a joint task may have drawn another organisation's row).
    rows = {row for row in (target, result_view(inspection)) if row is not None}
    people = [*(row.legal_rep for row in rows),
              *Contact.objects.filter(target__in=rows).values_list("name", flat=True),
              *inspection.signatures.filter(role=SignerRole.REPRESENTATIVE)
              .values_list("name", flat=True)]
    task = inspection.visit.task
    categories = list(inspection.categories)
    return rules.Snapshot(
        entity_name=target.name, uscc=drawn.ident, region_code=target.region_code,
        department_name=inspection.department.name, task_code=task.code, task_name=task.name,
        inspected_on=inspection.inspected_on, categories=categories,
        category_text="；".join(_label(ResultCategory, c) for c in categories),
        conduct=inspection.conduct or "",
        conduct_text=_label(Conduct, inspection.conduct) if inspection.conduct else "",
        findings=rules.mask_names(inspection.summary, people),
        inspection_type=rules.INSPECTION_TYPES.get(task.kind, rules.INSPECTION_TYPE))


def _publishable(inspection: Inspection) -> None:
    if inspection.state != ReviewState.APPROVED:
        raise ValidationError(_("Only approved results are published; this one is {state}.")
                              .format(state=inspection.get_state_display()))
    if withheld_whole(inspection):
        raise ValidationError(_("This result is withheld as a whole by an approved "
                                "redaction: it is not published."))


@transaction.atomic
def result_publish(*, actor: User, inspection: Inspection,
                   today: date | None = None) -> PublishedResult:
    """公示 an approved result: write (or, after a withdrawal, refresh) its public snapshot."""
    inspection = (Inspection.objects.select_for_update(of=("self",))
                  .select_related("department", "visit__task",
                                  "visit__drawn_target__target")
                  .get(pk=inspection.pk))
    _deny(permissions.can_publish(actor, inspection.department))
    _publishable(inspection)
    existing = PublishedResult.objects.filter(inspection=inspection).first()
    if existing is not None and existing.withdrawn_at is None:
        raise ValidationError(_("This result is already published."))
    today = today or timezone.localdate()
    withheld = withheld_fields(inspection)
    public = rules.redact(snapshot_of(inspection), withheld)
    deadline = publication_deadline(inspection, today=today)
    published = existing or PublishedResult(inspection=inspection)
    for name, value in public.__dict__.items():
        setattr(published, name, value)
    published.organisation_id = permissions.organisation_id(inspection.department)
    published.published_on = today
    published.published_by = actor
    published.deadline = deadline.due if deadline else None
    published.on_time = (today <= deadline.due) if deadline else None
    published.withdrawn_at, published.withdrawn_by, published.withdrawn_reason = None, None, ""
    published.full_clean()
    published.save()
    audit_record(actor=actor, action="result.publish", obj=published,
                 organisation_id=published.organisation_id,
                 summary=_("Result of {department} for {target} published").format(
                     department=inspection.department.name, target=public.uscc or "—"),
                 data={"inspection": inspection.pk, "withheld_fields": withheld,
                       "republished": existing is not None,
                       "deadline": published.deadline, "on_time": published.on_time})
    anchor_take(reason=AnchorReason.PUBLICATION, obj=published, note=published.task_code)
    return published


def results_publish_many(*, actor: User, inspections: Iterable[Inspection],
                         today: date | None = None) -> tuple[list[PublishedResult],
                                                             dict[int, str]]:
    """Publish each result in its own transaction; returns what was published and, per result
    id, why the others were not."""
    done: list[PublishedResult] = []
    refused: dict[int, str] = {}
    for inspection in inspections:
        try:
            done.append(result_publish(actor=actor, inspection=inspection, today=today))
        except ValidationError as exc:
            refused[inspection.pk] = " ".join(exc.messages)
        except PermissionDenied:
            refused[inspection.pk] = _("You may not publish this result.")
    return done, refused


@transaction.atomic
def result_withdraw(*, actor: User, published: PublishedResult, reason: str) -> PublishedResult:
    """Withdraw a published result from the public (撤回公示): a reason is required."""
    published = PublishedResult.objects.select_for_update().get(pk=published.pk)
    department = published.inspection.department if published.inspection else None
    _deny(permissions.can_publish(actor, department) if department is not None
          else is_admin(actor))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the result is withdrawn.")})
    if published.withdrawn_at is not None:
        raise ValidationError(_("This result is already withdrawn."))
    published.withdrawn_at, published.withdrawn_by = timezone.now(), actor
    published.withdrawn_reason = reason.strip()
    published.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    audit_record(actor=actor, action="result.withdraw", obj=published,
                 organisation_id=published.organisation_id,
                 summary=_("Publication of {target} ({task}) withdrawn").format(
                     target=published.uscc or "—", task=published.task_code),
                 data={"inspection": published.inspection_id, "reason": published.withdrawn_reason})
    return published


@transaction.atomic
def redaction_approve(*, actor: User, inspection: Inspection, whole: bool,
                      fields: Sequence[str], basis: str, reason: str) -> Redaction:
    """Record an approved decision to withhold the whole result or some of its fields.

    A published result is refreshed at once: its snapshot drops the withheld fields, and a
    result withheld as a whole is withdrawn from the public.
    """
    inspection = Inspection.objects.select_related("department").get(pk=inspection.pk)
    _deny(permissions.can_redact(actor, inspection.department))
    errors: dict[str, str] = {}
    try:
        names = rules.check_fields(fields)
    except ValueError as exc:
        errors["fields"] = _("Unknown fields: {names}.").format(names=exc)
        names = []
    if not whole and not names:
        errors.setdefault("fields", _("Name the fields withheld, or withhold the whole result."))
    if basis not in RedactionBasis.values:
        errors["basis"] = _("Choose the legal basis.")
    if not reason.strip():
        errors["reason"] = _("Give the reason and the legal provision.")
    if errors:
        raise ValidationError(errors)
    redaction = Redaction(inspection=inspection, whole=whole, fields=[] if whole else names,
                          basis=basis, reason=reason.strip(), approved_by=actor)
    redaction.full_clean()
    redaction.save()
    organisation = permissions.organisation_id(inspection.department)
    audit_record(actor=actor, action="redaction.approve", obj=redaction,
                 organisation_id=organisation,
                 summary=_("Withholding approved for a result of {department}").format(
                     department=inspection.department.name),
                 data={"inspection": inspection.pk, "whole": whole, "fields": redaction.fields,
                       "basis": basis, "reason": redaction.reason})
    published = PublishedResult.objects.filter(inspection=inspection,
                                               withdrawn_at__isnull=True).first()
    if published is not None:
        _apply_redaction(actor=actor, published=published, inspection=inspection, whole=whole)
    return redaction


def _apply_redaction(*, actor: User, published: PublishedResult, inspection: Inspection,
                     whole: bool) -> None:
    if whole:
        published.withdrawn_at, published.withdrawn_by = timezone.now(), actor
        published.withdrawn_reason = _("Withheld as a whole by an approved redaction.")
        published.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
        action = "result.withdraw"
    else:
        withheld = withheld_fields(inspection)
        public = rules.redact(snapshot_of(inspection), withheld)
        for name, value in public.__dict__.items():
            setattr(published, name, value)
        published.save()
        action = "result.redact"
    audit_record(actor=actor, action=action, obj=published,
                 organisation_id=published.organisation_id,
                 summary=_("Published result of {task} updated for an approved redaction")
                 .format(task=published.task_code),
                 data={"inspection": inspection.pk, "withheld_fields": published.withheld_fields,
                       "whole": whole})


# -- 信用修复 of a published result ----------------------------------------------------------------

def repair_refusals(published: PublishedResult, today: date | None = None) -> list[str]:
    """Why the published result may not be repaired now (rules/credit_repair.py), in the
    reader's language; empty when it may."""
    if published.withdrawn_at is not None:
        return [_("This result is not published (withdrawn).")]
    inspection = published.inspection
    if inspection is None:
        return [_("This result has no record to check.")]
    if ResultRepair.objects.filter(result=published).exists():
        return [_("This result is already repaired.")]
    facts = [credit_repair.FollowUpFact(kind=kind, closed=state == "closed",
                                        recheck_passed=passed)
             for kind, state, passed in inspection.follow_ups
             .values_list("kind", "state", "recheck_passed")]
    # The result as recorded, not as published: a withheld result line still found problems.
    categories = list(inspection.categories)
    return [rule_reason(e) for e in credit_repair.repair_refusals(
        categories=categories, follow_ups=facts, published_on=published.published_on,
        today=today or timezone.localdate(),
        months=settings.SHUANGSUIJI_REPAIR_MIN_PUBLIC_MONTHS)]


@transaction.atomic
def result_repair(*, actor: User, published: PublishedResult, reason: str,
                  today: date | None = None) -> ResultRepair:
    """信用修复 of a published result: the rules are checked again now, the mark written (the
    public versions honour it), the snapshot left as published; audited."""
    # of=("self",): PostgreSQL locks no row on the nullable side of the join (the inspection)
    published = (PublishedResult.objects.select_for_update(of=("self",))
                 .select_related("inspection__department").get(pk=published.pk))
    department = published.inspection.department if published.inspection else None
    _deny(department is not None and permissions.can_publish(actor, department))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the credit repair.")})
    today = today or timezone.localdate()
    refusals = repair_refusals(published, today)
    if refusals:
        raise ValidationError({"state": refusals})
    repair = ResultRepair(result=published, organisation_id=published.organisation_id,
                          repaired_on=today, reason=reason.strip(), approved_by=actor)
    repair.full_clean()
    repair.save()
    audit_record(actor=actor, action="result.repair", obj=published,
                 organisation_id=published.organisation_id,
                 summary=_("Published result of {target} ({task}) credit-repaired").format(
                     target=published.uscc or "—", task=published.task_code),
                 data={"inspection": published.inspection_id, "repair": repair.pk,
                       "repaired_on": today, "reason": repair.reason})
    return repair


# -- Export batches ------------------------------------------------------------------------------

def pending_for_channel(*, organisation_id: int, channel: str) -> QuerySet[PublishedResult]:
    """Published, not withdrawn, never sent to this channel: what the next batch carries."""
    return (PublishedResult.objects.filter(organisation_id=organisation_id,
                                           withdrawn_at__isnull=True)
            .exclude(exports__channel=channel).order_by("published_on", "pk"))


@transaction.atomic
def export_batch_create(*, actor: User | None, organisation: Department, channel: str,
                        fmt: str,
                        progress: Any = None) -> ExportBatch:
    """Write a batch file of everything not yet sent to `channel` and record what it carried.

    Rows are locked while the batch is written, so two batches made at the same time cannot
    both carry a result (and the database refuses a second send to one channel anyway).
    An empty batch is recorded too: it shows the channel was checked and nothing was due.
    """
    organisation_pk = permissions.organisation_id(organisation)
    if actor is not None:
        _deny(permissions.can_publish(actor, organisation))
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if fmt not in FORMATS:
        raise ValidationError({"format": _("The format is xlsx or csv.")})
    results = list(pending_for_channel(organisation_id=organisation_pk, channel=channel)
                   .select_for_update(of=("self",)))
    content = exports.write(results, fmt=fmt, progress=progress)
    digest = hashlib.sha256(content).hexdigest()
    now = timezone.localtime()
    batch = ExportBatch(channel=channel, format=fmt, size=len(results), sha256=digest,
                        created_by=actor if getattr(actor, "pk", None) else None,
                        organisation_id=organisation_pk)
    name = f"{channel}-{now:%Y%m%d-%H%M%S}-{digest[:8]}.{fmt}"
    batch.file.save(name, ContentFile(content), save=False)
    batch.save()
    ExportedResult.objects.bulk_create(
        ExportedResult(batch=batch, result=r, channel=channel) for r in results)
    # The file as written, signed with the office's key (SM2) when one is set.
    signing.sign_published(subject=SignedSubject.EXPORT, obj=batch, message=content,
                           keep_message=False)
    audit_record(actor=actor, action="export.create", obj=batch,
                 organisation_id=organisation_pk,
                 summary=_("Export batch for {channel}: {n} results").format(
                     channel=Channel(channel).label, n=len(results)),
                 data={"channel": channel, "format": fmt, "size": len(results),
                       "sha256": digest, "results": [r.pk for r in results]})
    return batch
