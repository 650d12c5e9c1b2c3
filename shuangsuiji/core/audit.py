"""Writing and verifying the audit chain.

Services call `audit_record` inside their own transaction, so a change and its audit entry
commit or roll back together.

Entries are hashed with SHA-256, or SM3 (国密) once SHUANGSUIJI_AUDIT_HASH says so: the first
entry written after the setting changes is preceded by a switch entry (rules.gm), hashed
with the old algorithm and naming the new one, so the chain itself records which hash each
entry uses and verifies across the switch.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.rules import gm
from shuangsuiji.rules.canonical import canonical_json

from .models import AuditEvent, AuditHead


def _entry_hash(*, seq: int, at: datetime, actor_label: str, action: str, object_type: str,
                object_id: str, organisation_id: int | None, summary: str, data: Any,
                prev_hash: str, algorithm: str = gm.SHA256) -> str:
    body = {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "organisation_id": organisation_id,
        "summary": summary,
        "data": data,
        "prev_hash": prev_hash,
    }
    return gm.hash_hex(algorithm, canonical_json(body))


def chain_algorithm() -> str:
    """The hash the next entry is written with: the last switch entry's, else SHA-256."""
    data = (AuditEvent.objects.filter(action=gm.HASH_SWITCH_ACTION).order_by("-seq")
            .values_list("data", flat=True).first())
    return gm.algorithm_after(gm.HASH_SWITCH_ACTION, data, gm.SHA256)


def wanted_algorithm() -> str:
    return str(getattr(settings, "SHUANGSUIJI_AUDIT_HASH", gm.SHA256))


def audit_record(*, actor: Any, action: str, obj: Any = None, object_type: str = "",
                 object_id: str = "", organisation_id: int | None = None, summary: str,
                 data: dict[str, Any] | None = None) -> AuditEvent:
    """Append one entry. `actor` is a User, or None for the system (imports from cron, demo)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    with transaction.atomic():
        head, _created = AuditHead.objects.select_for_update().get_or_create(pk=1)
        algorithm, wanted = chain_algorithm(), wanted_algorithm()
        if wanted != algorithm:
            head = _append(head, algorithm, actor=None, action=gm.HASH_SWITCH_ACTION,
                           object_type="", object_id="", organisation_id=None,
                           summary=_("The audit chain's hash changes from {old} to {new}")
                           .format(old=gm.NAMES[algorithm], new=gm.NAMES[wanted]),
                           data={"algorithm": wanted, "previous": algorithm}).head
            algorithm = wanted
        return _append(head, algorithm, actor=actor, action=action, object_type=object_type,
                       object_id=object_id, organisation_id=organisation_id, summary=summary,
                       data=data or {}).event


@dataclass(frozen=True)
class _Appended:
    head: AuditHead
    event: AuditEvent


def _append(head: AuditHead, algorithm: str, *, actor: Any, action: str, object_type: str,
            object_id: str, organisation_id: int | None, summary: str,
            data: dict[str, Any]) -> _Appended:
    at = timezone.now()
    seq = head.seq + 1
    actor_label = _actor_label(actor)
    # Round-trip through JSON so the hash is computed over what the database will return.
    payload = _jsonable(data)
    digest = _entry_hash(seq=seq, at=at, actor_label=actor_label, action=action,
                         object_type=object_type, object_id=object_id,
                         organisation_id=organisation_id, summary=summary, data=payload,
                         prev_hash=head.hash, algorithm=algorithm)
    event = AuditEvent.objects.create(
        seq=seq, at=at, actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label, action=action, object_type=object_type,
        object_id=object_id, organisation_id=organisation_id, summary=summary,
        data=payload, prev_hash=head.hash, hash=digest)
    head.seq, head.hash = seq, digest
    head.save(update_fields=["seq", "hash"])
    return _Appended(head, event)


def _actor_label(actor: Any) -> str:
    if actor is None or not getattr(actor, "pk", None):
        return "system"
    return f"{actor.username}#{actor.pk}"


def _jsonable(data: dict[str, Any]) -> Any:
    # Dates and decimals become strings, exactly as they will be read back.
    return json.loads(json.dumps(data, default=str))


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    message: str


def verify_chain(events: Iterator[AuditEvent] | None = None) -> ChainProblem | None:
    """Recompute the chain; return the first problem, or None when it is intact."""
    if events is None:
        events = AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)
    prev_hash, expected_seq, algorithm = "", 1, gm.SHA256
    for event in events:
        if event.seq != expected_seq:
            if event.seq > expected_seq:
                return ChainProblem(expected_seq, _(
                    "entry {seq} is missing: deleted (the next entry present is {found})"
                ).format(seq=expected_seq, found=event.seq))
            return ChainProblem(event.seq, _("entry {seq} is out of order").format(
                seq=event.seq))
        if event.prev_hash != prev_hash:
            return ChainProblem(event.seq, _(
                "entry {seq} does not follow entry {prev}: inserted or reordered"
            ).format(seq=event.seq, prev=event.seq - 1))
        recomputed = _entry_hash(seq=event.seq, at=event.at, actor_label=event.actor_label,
                                 action=event.action, object_type=event.object_type,
                                 object_id=event.object_id,
                                 organisation_id=event.organisation_id, summary=event.summary,
                                 data=event.data, prev_hash=event.prev_hash,
                                 algorithm=algorithm)
        if recomputed != event.hash:
            return ChainProblem(event.seq, _("entry {seq} was edited after it was written")
                                .format(seq=event.seq))
        prev_hash, expected_seq = event.hash, expected_seq + 1
        algorithm = gm.algorithm_after(event.action, event.data, algorithm)
    return _head_problem(expected_seq - 1, prev_hash)


def _head_problem(last: int, last_hash: str) -> ChainProblem | None:
    """The head must name the last entry present, with its hash."""
    head = AuditHead.objects.filter(pk=1).first()
    if head is None:
        if last > 0:
            return ChainProblem(last, _("the chain's head is missing: it was deleted"))
        return None
    if head.seq != last:
        return ChainProblem(last + 1, _(
            "the log ends at entry {last} but {head} entries were written: the last ones "
            "were deleted"
        ).format(last=last, head=head.seq))
    if head.hash != last_hash:
        return ChainProblem(head.seq, _(
            "the chain's head does not hold the hash of entry {seq}: it was moved"
        ).format(seq=head.seq))
    return None
