"""Deliveries written, retried; 监管行为数据 batch files made. Each change of consequence audited.

`deliveries_collect` writes one delivery per record due at each configured receiving system:
the published results (not withdrawn) and, once a result is delivered, its credit repair for
the credit platforms; the approved results (not withheld as a whole) for the provincial
system. Its key is unique, so running it again writes
nothing twice; the worker (outbox.py) runs it before each round of sending.
"""

import hashlib
import logging
from collections import Counter

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.accounts.models import Department, User
from shuangsuiji.core import signing
from shuangsuiji.core.audit import audit_record
from shuangsuiji.core.models import SignedSubject
from shuangsuiji.inspections.choices import ReviewState
from shuangsuiji.publication import permissions
from shuangsuiji.publication.models import PublishedResult, ResultRepair
from shuangsuiji.rules import supervision

from . import records, targets
from .models import Delivery, Payload, State, SupervisionBatch, SupervisionExported

log = logging.getLogger(__name__)


def idempotency_key(*, target: str, payload: str, inspection_id: int) -> str:
    """The same record to the same system has the same key, on every retry and every run."""
    return f"ssj-{target}-{payload}-{inspection_id}"


def _label(result_name: str, uscc: str, task_code: str) -> str:
    return f"{result_name} {uscc} · {task_code}"[:200]


def _due_results(target: str) -> list[PublishedResult]:
    """Published and not withdrawn, not yet pushed to `target`, nor sent to it in a file."""
    done = Delivery.objects.filter(target=target).values("inspection_id")
    return list(PublishedResult.objects.filter(withdrawn_at__isnull=True,
                                               inspection__isnull=False)
                .exclude(inspection_id__in=done).exclude(exports__channel=target)
                .select_related("inspection").order_by("published_on", "pk"))


def _due_repairs(target: str) -> list[ResultRepair]:
    """Repairs of results the receiver holds (pushed and delivered, or sent in a file) and not
    yet told: a repair never goes before its result."""
    held = Delivery.objects.filter(target=target, payload=Payload.RESULT,
                                   state=State.SENT).values("inspection_id")
    told = Delivery.objects.filter(target=target, payload=Payload.REPAIR).values("inspection_id")
    return list(ResultRepair.objects.filter(result__inspection__isnull=False)
                .filter(Q(result__inspection_id__in=held) | Q(result__exports__channel=target))
                .exclude(result__inspection_id__in=told).distinct()
                .select_related("result").order_by("pk"))


def _due_inspections(target: str) -> list[records.Inspection]:
    done = Delivery.objects.filter(target=target).values("inspection_id")
    return [i for i in records.approved_all().exclude(pk__in=done) if records.exportable(i)]


@transaction.atomic
def deliveries_collect() -> int:
    """Write the deliveries now due at every configured receiving system; how many."""
    written: Counter[int] = Counter()
    for receiver in targets.configured():
        rows: list[Delivery] = []
        if receiver.payload == Payload.RESULT:
            for result in _due_results(receiver.target):
                if result.inspection_id is None:  # excluded by the query; for the types
                    continue
                rows.append(Delivery(
                    organisation_id=result.organisation_id, target=receiver.target,
                    payload=Payload.RESULT, inspection_id=result.inspection_id,
                    label=_label(result.entity_name, result.uscc, result.task_code),
                    body=records.result_body(result)))
            for repair in _due_repairs(receiver.target):
                result = repair.result
                if result.inspection_id is None:  # excluded by the query; for the types
                    continue
                rows.append(Delivery(
                    organisation_id=result.organisation_id, target=receiver.target,
                    payload=Payload.REPAIR, inspection_id=result.inspection_id,
                    label=_label(result.entity_name, result.uscc, result.task_code),
                    body=records.repair_body(repair)))
        else:
            for inspection in _due_inspections(receiver.target):
                try:
                    snapshot_body = records.supervision_body(inspection)
                except supervision.RecordError as exc:
                    # A kind of inspection the record does not know yet: left waiting (and
                    # logged) until rules/supervision.py names it, never pushed half-made.
                    log.warning("result %s not pushed to %s: %s", inspection.pk,
                                receiver.target, exc)
                    continue
                target = inspection.visit.drawn_target.target
                rows.append(Delivery(
                    organisation_id=inspection.department.root_id or inspection.department_id,
                    target=receiver.target, payload=Payload.SUPERVISION,
                    inspection=inspection,
                    label=_label(target.name, inspection.visit.drawn_target.ident,
                                 inspection.visit.task.code),
                    body=snapshot_body))
        for row in rows:
            row.idempotency_key = idempotency_key(target=row.target, payload=row.payload,
                                                  inspection_id=row.inspection_id)
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        for row in rows:
            written[row.organisation_id] += 1
    for organisation_id, n in written.items():
        audit_record(actor=None, action="delivery.collect", obj=None,
                     organisation_id=organisation_id,
                     summary=_("{n} records waiting to be pushed to the systems above").format(
                         n=n),
                     data={"written": n})
    return sum(written.values())


def kick() -> None:
    """Ask the background worker to push (tasks.py); harmless when it runs already, and a
    no-op for the receivers when none is configured."""
    if not targets.configured():
        return
    from .tasks import push_deliveries  # the task module imports outbox, which imports this

    push_deliveries.enqueue()


def on_result_changed(sender: object, instance: object, **kwargs: object) -> None:
    """A result approved, published or repaired: push after the commit (post_save of
    Inspection, PublishedResult and ResultRepair, connected in apps.py). A result still being
    entered asks nothing."""
    if getattr(instance, "state", ReviewState.APPROVED) == ReviewState.APPROVED:
        transaction.on_commit(kick)


def _require(actor: User, delivery: Delivery) -> None:
    if not permissions.can_publish(actor, delivery.inspection.department):
        raise PermissionDenied


@transaction.atomic
def delivery_retry(*, actor: User, delivery: Delivery) -> Delivery:
    """Push a failed delivery again (after the office fixed what the receiver refused)."""
    locked = (Delivery.objects.select_for_update().select_related("inspection__department")
              .get(pk=delivery.pk))
    _require(actor, locked)
    if locked.state != State.FAILED:
        raise ValidationError(_("Only a failed delivery can be pushed again."))
    attempts, error = locked.attempts, locked.last_error
    locked.state, locked.attempts, locked.next_attempt_at = State.PENDING, 0, None
    locked.save(update_fields=["state", "attempts", "next_attempt_at"])
    audit_record(actor=actor, action="delivery.retry", obj=locked,
                 organisation_id=locked.organisation_id,
                 summary=_("Delivery of {record} to {target}: to be pushed again").format(
                     record=locked.label, target=locked.get_target_display()),
                 data={"target": locked.target, "key": locked.idempotency_key,
                       "attempts": attempts, "last_error": error})
    transaction.on_commit(kick)
    return locked


@transaction.atomic
def supervision_batch_create(*, actor: User | None, organisation: Department
                             ) -> SupervisionBatch:
    """A JSON-lines file of the 监管行为数据 of every approved result not yet in a file.

    The inspections are recorded with the batch; the database refuses carrying one twice. An
    empty batch is recorded too: it shows the data was checked and nothing was due.
    """
    organisation_pk = permissions.organisation_id(organisation)
    if actor is not None and not permissions.can_publish(actor, organisation):
        raise PermissionDenied
    done = SupervisionExported.objects.values("inspection_id")
    due, skipped = [], {}
    for inspection in (records.approved(organisation_pk).exclude(pk__in=done)
                       .select_for_update(of=("self",))):
        if not records.exportable(inspection):
            continue
        try:
            records.records_of(inspection)
        except supervision.RecordError as exc:
            skipped[inspection.pk] = str(exc)  # left for a later file, named in the audit
            continue
        due.append(inspection)
    content, count = records.jsonl(due)
    digest = hashlib.sha256(content).hexdigest()
    batch = SupervisionBatch(organisation_id=organisation_pk, size=len(due), records=count,
                             sha256=digest,
                             created_by=actor if getattr(actor, "pk", None) else None)
    now = timezone.localtime()
    batch.file.save(f"supervision-{now:%Y%m%d-%H%M%S}-{digest[:8]}.jsonl",
                    ContentFile(content), save=False)
    batch.save()
    SupervisionExported.objects.bulk_create(
        SupervisionExported(batch=batch, inspection=i) for i in due)
    # The file as written, signed with the office's key (SM2) when one is set.
    signing.sign_published(subject=SignedSubject.EXPORT, obj=batch, message=content,
                           keep_message=False)
    audit_record(actor=actor, action="supervision.export", obj=batch,
                 organisation_id=organisation_pk,
                 summary=_("监管行为数据 file: {n} results, {records} records").format(
                     n=len(due), records=count),
                 data={"size": len(due), "records": count, "sha256": digest,
                       "inspections": [i.pk for i in due], "skipped": skipped})
    return batch
