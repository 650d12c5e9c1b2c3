"""Background pushes (django-tasks, the database queue), as the notices' outbox is delivered."""

from django.utils import timezone
from django_tasks import default_task_backend, task

from . import outbox


@task()
def push_deliveries() -> None:
    """Write and push what is due; when some wait to be tried again, come back when due."""
    outbox.deliver_due()
    at = outbox.next_due()
    if at is not None and default_task_backend.supports_defer:
        push_deliveries.using(run_after=max(at, timezone.now())).enqueue()
