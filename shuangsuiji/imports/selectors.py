"""Reading import jobs: always through ImportJob.objects.for_user (other organisations: 404)."""

from typing import Any

from django.db.models import QuerySet

from shuangsuiji.accounts.scoping import Action, get_for_user

from .models import ImportIssue, ImportJob


def job_list(*, user: Any) -> QuerySet[ImportJob]:
    return (ImportJob.objects.for_user(user).select_related("department", "created_by")
            .order_by("-created_at", "-id"))


def job_get(*, user: Any, pk: int, action: Action = Action.VIEW) -> ImportJob:
    return get_for_user(ImportJob.objects.select_related("department", "created_by"), user,
                        action, pk=pk)


def row_issues(*, job: ImportJob) -> QuerySet[ImportIssue]:
    return job.issues.filter(file_level=False).order_by("row", "id")


def file_issues(*, job: ImportJob) -> QuerySet[ImportIssue]:
    return job.issues.filter(file_level=True).order_by("id")
