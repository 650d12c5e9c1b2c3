"""The claim step shared by the platform's outboxes (notices, exchange deliveries): rows in a
`pending` state whose `next_attempt_at` has come are moved to `sending` under one worker, and
no two workers ever hold the same row. What a stuck claim becomes differs by outbox and stays
with each (a notice may have gone out; a push is sent again under its idempotency key)."""

from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone


def due(pending: str) -> Q:
    """Rows waiting whose next attempt has come (or was never put off)."""
    return Q(state=pending) & (Q(next_attempt_at__isnull=True)
                               | Q(next_attempt_at__lte=timezone.now()))


def claim(model: type[models.Model], *, pending: str, sending: str, limit: int,
          worker: str) -> list[int]:
    """Up to `limit` due rows of `model`, now `sending` under `worker`, by primary key; none
    another worker holds."""
    now = timezone.now()
    manager = model._default_manager
    with transaction.atomic():
        rows = manager.filter(due(pending)).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            ids = list(rows.select_for_update(skip_locked=True)
                       .values_list("pk", flat=True)[:limit])
            manager.filter(pk__in=ids).update(state=sending, claimed_by=worker, claimed_at=now)
            return ids
        # The transaction holds SQLite's one write lock from its start (settings:
        # transaction_mode IMMEDIATE); the condition on state keeps the claim safe without it.
        ids = list(rows.values_list("pk", flat=True)[:limit])
        manager.filter(pk__in=ids, state=pending).update(state=sending, claimed_by=worker,
                                                         claimed_at=now)
        return list(manager.filter(pk__in=ids, state=sending, claimed_by=worker)
                    .order_by("pk").values_list("pk", flat=True))
