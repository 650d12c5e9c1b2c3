"""Health endpoints for the operator's load balancer and monitoring.

/healthz: the process answers (no database touched: a liveness probe that restarts a process
must not restart every process when the database is down).
/readyz: this node can serve — the database answers, the background worker is taking jobs
(no job ready to run has waited longer than READY_JOB_WAIT), and the data directory has room.
503 with the failing check named otherwise. With a read replica it also says whether the
portal reads it ("ok"), or the primary because it is "behind" or "unavailable" (not a
failure: the portal serves either way). Neither says anything a visitor could use: no
versions, hosts or counts of records.
"""

import shutil
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tasks_db.models import DBTaskResult

from .db_router import REPLICA, replica_lag

# A job ready to run for longer than this means no worker is taking jobs.
READY_JOB_WAIT = timedelta(minutes=10)
# Less free space than this in the data directory (uploads, exports, record files) is not ready.
MIN_FREE_BYTES = 1 << 30


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return "unavailable"
    return "ok"


def _worker() -> str:
    now = timezone.now()
    cutoff = now - READY_JOB_WAIT
    # Ready since before the cutoff: enqueued then, and not scheduled to run only since.
    waiting = (DBTaskResult.objects.ready().filter(enqueued_at__lt=cutoff)
               .exclude(run_after__gt=cutoff, run_after__lte=now))
    try:
        return "stalled" if waiting.exists() else "ok"
    except DatabaseError:
        return "unknown"


def _replica() -> str:
    lag = replica_lag()
    if lag is None:
        return "unavailable"
    return "ok" if lag <= settings.SHUANGSUIJI_REPLICA_MAX_LAG_SECONDS else "behind"


def _disk() -> str:
    free = shutil.disk_usage(settings.DATA_DIR).free
    return "ok" if free >= MIN_FREE_BYTES else "low"


@login_not_required
@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    database = _database()
    checks = {"database": database,
              "worker": _worker() if database == "ok" else "unknown",
              "disk": _disk()}
    ready = all(value == "ok" for value in checks.values())
    if REPLICA in settings.DATABASES:
        # Said, not counted: the portal reads the primary while the replica is behind or down.
        checks["replica"] = _replica()
    return JsonResponse({"status": "ok" if ready else "unavailable", **checks},
                        status=200 if ready else 503)
