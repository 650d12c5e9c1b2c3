"""Background work of the draws: freezes and draws of large pools (django-tasks)."""

from django_tasks import task

from . import jobs


@task()
def run_draw_job(job_id: int) -> None:
    jobs.draw_job_run(job_id)
