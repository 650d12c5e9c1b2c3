"""Reads of the public portal from a PostgreSQL streaming replica (DATABASE_REPLICA_URL).

The rule is explicit and narrow. A read goes to the `replica` alias only when all hold:
- the request was marked replica-eligible by ReplicaReadsMiddleware: a GET or HEAD under the
  public portal (/public/) or the public API (/api/v1/public/), and the replica answered,
  lagging at most SHUANGSUIJI_REPLICA_MAX_LAG_SECONDS, when the request began;
- nothing was written in this request yet (a read after a write sees that write);
- the primary connection is not inside `transaction.atomic` (a transaction's reads are the
  transaction's own);
- the model is not one of the visitor's own state (PRIMARY_ONLY: sessions, the cache's
  throttle counters, the signed-in user, lockouts), which is read and written back.
Everything else, every write and every migration, is the primary's (`default`). Without a
replica configured the router is not installed at all.

What the public may see late, by the replica's lag (well under a second while it keeps up,
never more than the bound): a result just published or withdrawn, a redaction or credit
repair just made, a task just drawn, an anchor just taken. Nothing confidential depends on
the replica: it holds copies of the primary's rows, the portal publishes only what its
selectors choose (fields withheld at publication never enter the snapshot), and what a later
withdrawal or redaction takes away had been public until then: it leaves the portal within
the lag, and past the bound the portal reads the primary.
"""

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponseBase

REPLICA = "replica"
# The public portal's pages and the public API: every view under them is read only for GET.
REPLICA_PATHS = ("/public/", "/api/v1/public/")
READ_METHODS = frozenset({"GET", "HEAD"})
# Apps and models whose rows are a visitor's state, read and then written back within a
# request: a stale copy would be written over the fresh one (sessions), let requests past a
# throttle (the database cache), or show a signed-out user signed in.
PRIMARY_ONLY = frozenset({"sessions", "django_cache", "axes", "authtoken", "accounts.user"})
# After the replica failed to answer or lagged past the bound, this many seconds go to the
# primary before it is checked again: a replica that is down costs one connection attempt and
# one warning, not one per request.
RETRY_AFTER_SECONDS = 10.0

# The replica's lag in seconds: none while it has replayed all it received from a running
# WAL receiver; otherwise the time since the last transaction it replayed (a replica cut off
# from the primary, or with replay paused, counts as lagging from that moment).
LAG_SQL = """
SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN NULL
  WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
       AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 0
  ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
END
"""

log = logging.getLogger(__name__)


@dataclass
class _Reads:
    wrote: bool = False


_reads: ContextVar[_Reads | None] = ContextVar("shuangsuiji_replica_reads", default=None)
_down_until = 0.0


@contextmanager
def replica_reads() -> Iterator[None]:
    """Within this block, reads may go to the replica (see the module's rule)."""
    token = _reads.set(_Reads())
    try:
        yield
    finally:
        _reads.reset(token)


def _primary_only(model: type[Model]) -> bool:
    return (model._meta.app_label in PRIMARY_ONLY
            or model._meta.label_lower in PRIMARY_ONLY)


class ReplicaRouter:
    """DATABASE_ROUTERS entry, installed when DATABASE_REPLICA_URL is set."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        reads = _reads.get()
        if (reads is None or reads.wrote or _primary_only(model)
                or connections[DEFAULT_DB_ALIAS].in_atomic_block):
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        reads = _reads.get()
        if reads is not None and not _primary_only(model):
            reads.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the same rows on both

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA


def replica_lag() -> float | None:
    """The replica's lag in seconds; None when it does not answer, is not a replica, or has
    replayed nothing yet and is not streaming (its lag cannot be told)."""
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(LAG_SQL)
            row = cursor.fetchone()
    except DatabaseError:
        # A broken connection is not reused: the next try connects afresh.
        connections[REPLICA].close()
        return None
    return None if row is None or row[0] is None else float(row[0])


def replica_usable() -> bool:
    """Whether this request may read from the replica: it answers and is within the bound.
    One that is not is passed over for RETRY_AFTER_SECONDS (one warning, one check)."""
    global _down_until  # noqa: PLW0603 (per process; a race only checks once more)
    if time.monotonic() < _down_until:
        return False
    lag = replica_lag()
    if lag is not None and lag <= settings.SHUANGSUIJI_REPLICA_MAX_LAG_SECONDS:
        return True
    _down_until = time.monotonic() + RETRY_AFTER_SECONDS
    log.warning("The read replica %s: the public portal reads the primary for %ss.",
                "does not answer or cannot tell its lag" if lag is None else f"lags {lag:.1f}s",
                RETRY_AFTER_SECONDS)
    return False


def _reading(state: _Reads, content: Iterable[Any]) -> Iterator[Any]:
    """A streamed response's content, made under its request's rule (a large draw record is
    read as it is sent, after the middleware has returned)."""
    pieces = iter(content)
    while True:
        token = _reads.set(state)
        try:
            piece = next(pieces)
        except StopIteration:
            return
        finally:
            _reads.reset(token)
        yield piece


class ReplicaReadsMiddleware:
    """Marks the public portal's GET and HEAD requests replica-eligible."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (request.method in READ_METHODS and request.path_info.startswith(REPLICA_PATHS)
                and replica_usable()):
            state = _Reads()
            token = _reads.set(state)
            try:
                response = self.get_response(request)
            finally:
                _reads.reset(token)
            if response.streaming:
                response.streaming_content = _reading(state, response.streaming_content)
            return response
        return self.get_response(request)
