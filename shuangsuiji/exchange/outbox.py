"""The worker's side of the deliveries outbox: claim due deliveries, push each, record it.

Claims work as the notices' outbox does (notices/outbox.py): SELECT … FOR UPDATE SKIP LOCKED
on PostgreSQL, a conditional UPDATE on SQLite; a delivery is pushed only by the worker that
claimed it and its outcome written only while that claim holds, so it is marked sent once.

Unlike a notice, a push carries an idempotency key the receiver counts once: a claim whose
worker stopped mid-way goes back to waiting and is pushed again, never lost. A receiver that
does not answer in time, answers 5xx, 408 or 429 is tried again with backoff; any other
refusal (a wrong signature: 401) fails at once with the receiver's reason, for the office.
"""

import logging
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangsuiji.core import outbox as core_outbox
from shuangsuiji.rules import signing

from . import services, targets
from .models import Delivery, State

log = logging.getLogger(__name__)


class PushError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Outcome:
    written: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    returned: int = 0  # stuck claims put back to waiting
    ids: list[int] = field(default_factory=list)


def _due() -> Q:
    return core_outbox.due(State.PENDING)


def claim(*, limit: int, worker: str) -> list[int]:
    """Up to `limit` due rows, now `sending` under `worker` (core/outbox.py)."""
    return core_outbox.claim(Delivery, pending=State.PENDING, sending=State.SENDING,
                             limit=limit, worker=worker)


def return_stuck() -> int:
    """Put back to waiting the deliveries whose worker stopped while pushing them."""
    limit = timezone.now() - timedelta(seconds=settings.SHUANGSUIJI_DELIVERY_SENDING_TIMEOUT)
    return Delivery.objects.filter(state=State.SENDING, claimed_at__lt=limit).update(
        state=State.PENDING, claimed_by="", claimed_at=None,
        last_error=_("The worker stopped while pushing it; pushed again under the same "
                     "idempotency key."))


def push(receiver: targets.Receiver, *, body: bytes, key: str) -> int:
    """POST the signed body; the receiver's status, or PushError with its reason."""
    headers = {"Content-Type": "application/json; charset=utf-8",
               **signing.headers(receiver.key, int(time.time()), body, key)}
    # The URL is the administrator's setting (checked to be http(s) in `send_one`).
    request = urllib.request.Request(receiver.url, data=body, method="POST",  # noqa: S310
                                     headers=headers)
    try:
        with urllib.request.urlopen(request,  # noqa: S310
                                    timeout=settings.SHUANGSUIJI_DELIVERY_TIMEOUT) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        reason = exc.read(300).decode("utf-8", "replace").strip()
        raise PushError(f"HTTP {exc.code}: {reason or exc.reason}", exc.code) from None
    except (urllib.error.URLError, OSError) as exc:
        cause = getattr(exc, "reason", exc)
        raise PushError(f"{type(cause).__name__}: {cause}") from None


def send_one(pk: int, *, worker: str) -> str:
    delivery = Delivery.objects.get(pk=pk)
    receiver = targets.receiver(delivery.target)
    status: int | None = None
    try:
        if receiver is None:
            raise PushError(_("The receiving system is no longer configured "
                              "(SHUANGSUIJI_DELIVERY_{target}_URL and _KEY).").format(
                                  target=delivery.target.upper()), 0)
        if not receiver.url.startswith(("http://", "https://")):
            raise PushError(_("The receiving system's address must begin with http:// or "
                              "https://."), 0)
        status = push(receiver, body=delivery.body.encode("utf-8"),
                      key=delivery.idempotency_key)
    except PushError as exc:
        attempts = delivery.attempts + 1
        gives_up = (not signing.retryable(exc.status)
                    or attempts >= settings.SHUANGSUIJI_DELIVERY_MAX_ATTEMPTS)
        state = State.FAILED if gives_up else State.PENDING
        log.warning("delivery %s to %s attempt %s failed: %s%s", pk, delivery.target,
                    attempts, exc, " (giving up)" if gives_up else "")
        _finish(pk, worker, state=state, attempts=attempts, last_error=str(exc)[:500],
                last_status=exc.status or None,
                next_attempt_at=None if gives_up else timezone.now() + timedelta(
                    seconds=signing.backoff_seconds(
                        attempts, base=settings.SHUANGSUIJI_DELIVERY_RETRY_SECONDS)))
        return state
    _finish(pk, worker, state=State.SENT, attempts=delivery.attempts + 1, last_error="",
            last_status=status, sent_at=timezone.now(), next_attempt_at=None)
    return State.SENT


def _finish(pk: int, worker: str, **changes: object) -> None:
    # Only while the claim holds: a delivery is marked sent once, by its one claimer.
    Delivery.objects.filter(pk=pk, state=State.SENDING, claimed_by=worker).update(
        claimed_by="", claimed_at=None, **changes)


def deliver_due(*, limit: int = 200, collect: bool = True) -> Outcome:
    """One round of the worker: write what became due, put back stuck claims, push."""
    outcome = Outcome(returned=return_stuck())
    if collect:
        outcome.written = services.deliveries_collect()
    worker = uuid.uuid4().hex
    outcome.ids = claim(limit=limit, worker=worker)
    for pk in outcome.ids:
        state = send_one(pk, worker=worker)
        if state == State.SENT:
            outcome.sent += 1
        elif state == State.FAILED:
            outcome.failed += 1
        else:
            outcome.retrying += 1
    return outcome


def next_due() -> datetime | None:
    """When the next waiting delivery is due (None: none waits)."""
    if Delivery.objects.filter(_due()).exists():
        return timezone.now()
    at: datetime | None = Delivery.objects.filter(state=State.PENDING).aggregate(
        at=Min("next_attempt_at"))["at"]
    return at
