"""Background delivery of the outbox (django-tasks, the database queue)."""

from django.utils import timezone
from django_tasks import default_task_backend, task

from . import outbox


@task()
def deliver_notices() -> None:
    """Deliver what is due; when some wait to be tried again, come back when they are due."""
    outbox.deliver_due()
    at = outbox.next_due()
    if at is not None and default_task_backend.supports_defer:
        deliver_notices.using(run_after=max(at, timezone.now())).enqueue()
