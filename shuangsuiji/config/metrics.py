"""/metrics in the Prometheus format: django-prometheus's request counts and latencies (by
view, method and status), and the platform's own queues: background jobs ready to run and
notices by state. Served only to a scraper holding SHUANGSUIJI_METRICS_TOKEN (as
`Authorization: Bearer …`); without that setting the page does not exist. With several
gunicorn workers set PROMETHEUS_MULTIPROC_DIR (deploy/shuangsuiji-web.service does).
"""

import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_prometheus.exports import ExportToDjangoView
from django_tasks_db.models import DBTaskResult
from prometheus_client import Gauge

from shuangsuiji.notices.choices import State
from shuangsuiji.notices.models import Notice

# Set when scraped, by the process that answers: the newest value counts.
JOBS_READY = Gauge("shuangsuiji_jobs_ready", "Background jobs ready to run",
                   multiprocess_mode="mostrecent")
NOTICES = Gauge("shuangsuiji_notices", "Notices in the outbox, by state", ["state"],
                multiprocess_mode="mostrecent")


def _allowed(request: HttpRequest) -> bool:
    token = settings.SHUANGSUIJI_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@login_not_required
@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404
    JOBS_READY.set(DBTaskResult.objects.ready().count())
    counts = dict(Notice.objects.order_by().values_list("state").annotate(n=Count("pk")))
    for state in State.values:
        NOTICES.labels(state=state).set(counts.get(state, 0))
    return ExportToDjangoView(request)
