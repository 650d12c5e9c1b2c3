"""Reads of the outbox: the office's list, the templates, a user's inbox."""

from typing import Any

from django.db.models import QuerySet

from shuangsuiji.accounts.scoping import Action

from .choices import State
from .defaults import DEFAULTS
from .models import Notice, NoticeTemplate


def outbox(user: Any, *, state: str = "", kind: str = "") -> QuerySet[Notice]:
    notices = Notice.objects.for_user(user, Action.VIEW).select_related("task")
    if state in State.values:
        notices = notices.filter(state=state)
    if kind:
        notices = notices.filter(kind=kind)
    return notices.order_by("-created_at", "-pk")


def state_counts(user: Any) -> dict[str, int]:
    counts = dict.fromkeys(State.values, 0)
    for state in State.values:
        counts[state] = Notice.objects.for_user(user).filter(state=state).count()
    return counts


def templates_of(organisation_id: int) -> list[dict[str, Any]]:
    """Each kind with the organisation's wording (or the default) and its placeholders."""
    own = {t.kind: t for t in NoticeTemplate.objects.filter(organisation_id=organisation_id)
           .select_related("updated_by")}
    rows = []
    for kind, default in DEFAULTS.items():
        template = own.get(kind)
        rows.append({"kind": kind, "template": template,
                     "subject": template.subject if template else default.subject,
                     "body": template.body if template else default.body,
                     "placeholders": ["{" + p + "}" for p in default.placeholders]})
    return rows


def inbox(user: Any) -> QuerySet[Notice]:
    return Notice.objects.inbox(user).select_related("task").order_by("-sent_at", "-pk")
