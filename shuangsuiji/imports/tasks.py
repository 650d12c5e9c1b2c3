"""Background work of the browser flow: checking a file and committing it (django-tasks).

Tasks take ids and call the services; the services record failures on the job itself.
"""

from django_tasks import task

from shuangsuiji.accounts.models import User

from . import services


@task()
def validate_import(job_id: int) -> None:
    services.import_job_validate(job_id=job_id)


@task()
def commit_import(job_id: int, actor_id: int | None) -> None:
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    services.import_job_commit(actor=actor, job_id=job_id)
