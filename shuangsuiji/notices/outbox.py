"""Delivery of the outbox: claim waiting notices, send each once, record what happened.

A claim marks rows `sending` under the claimer's token in one short transaction: on
PostgreSQL by SELECT … FOR UPDATE SKIP LOCKED (two workers take different rows and neither
waits), elsewhere (SQLite: one writer at a time) by an UPDATE that takes only rows still
waiting. A row is sent only by the worker that claimed it, and its outcome is written only
while that claim holds. A claim older than SHUANGSUIJI_NOTICE_SENDING_TIMEOUT (the worker
stopped mid-way: the notice may have gone out) is marked failed for the office to look at,
never sent again by itself.
"""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.core import crypto
from shuangsuiji.core import outbox as core_outbox
from shuangsuiji.rules.notice_text import backoff_seconds, scrub

from . import channels
from .choices import State
from .models import Notice

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    expired: int = 0
    ids: list[int] = field(default_factory=list)  # the notices this run claimed


def _due() -> Q:
    return core_outbox.due(State.PENDING)


def claim(*, limit: int, worker: str) -> list[int]:
    """Up to `limit` due rows, now `sending` under `worker` (core/outbox.py)."""
    return core_outbox.claim(Notice, pending=State.PENDING, sending=State.SENDING,
                             limit=limit, worker=worker)


def expire_stuck() -> int:
    """Mark failed the notices whose worker stopped while sending them."""
    limit = timezone.now() - timedelta(seconds=settings.SHUANGSUIJI_NOTICE_SENDING_TIMEOUT)
    return Notice.objects.filter(state=State.SENDING, claimed_at__lt=limit).update(
        state=State.FAILED, last_error=_("The worker stopped while sending it: it may have "
                                         "been delivered. Check before sending it again."))


def send_one(pk: int, *, worker: str) -> str:
    """Deliver a claimed notice; its new state."""
    notice = Notice.objects.get(pk=pk)
    address = crypto.decrypt(notice.address)
    try:
        channels.deliver(channel=notice.channel, address=address,
                         masked=notice.address_masked, subject=notice.subject, body=notice.body)
    except Exception as exc:  # any failure of a channel is the notice's, kept on its row
        attempts = notice.attempts + 1
        # A channel's own refusal says what happened; anything else is named by its class
        # (SMTPRecipientsRefused, TimeoutError …), as the administrators will look it up.
        told = str(exc) if isinstance(exc, channels.DeliveryError) else \
            f"{type(exc).__name__}: {exc}"
        error = scrub(told, [address], notice.address_masked)[:500]
        gives_up = attempts >= settings.SHUANGSUIJI_NOTICE_MAX_ATTEMPTS
        state = State.FAILED if gives_up else State.PENDING
        log.warning("notice %s (%s) attempt %s failed%s", pk, notice.channel, attempts,
                    ": giving up" if gives_up else "")
        _finish(pk, worker, state=state, attempts=attempts, last_error=error,
                next_attempt_at=None if gives_up else
                timezone.now() + timedelta(seconds=backoff_seconds(
                    attempts, base=settings.SHUANGSUIJI_NOTICE_RETRY_SECONDS)))
        return state
    _finish(pk, worker, state=State.SENT, attempts=notice.attempts + 1, last_error="",
            sent_at=timezone.now(), next_attempt_at=None)
    return State.SENT


def _finish(pk: int, worker: str, **changes: object) -> None:
    # Only while the claim holds: a claim expired meanwhile stays failed, for the office.
    Notice.objects.filter(pk=pk, state=State.SENDING, claimed_by=worker).update(
        claimed_by="", claimed_at=None, **changes)


def deliver_due(*, limit: int = 200) -> Outcome:
    """One run of the worker: expire stuck claims, then claim and send what is due."""
    outcome = Outcome(expired=expire_stuck())
    worker = uuid.uuid4().hex
    ids = claim(limit=limit, worker=worker)
    outcome.ids = ids
    for pk in ids:
        state = send_one(pk, worker=worker)
        if state == State.SENT:
            outcome.sent += 1
        elif state == State.FAILED:
            outcome.failed += 1
        else:
            outcome.retrying += 1
    return outcome


def next_due() -> datetime | None:
    """When the next waiting notice is due (None: none waits)."""
    if Notice.objects.filter(_due()).exists():
        return timezone.now()
    at: datetime | None = Notice.objects.filter(state=State.PENDING).aggregate(
        at=Min("next_attempt_at"))["at"]
    return at
