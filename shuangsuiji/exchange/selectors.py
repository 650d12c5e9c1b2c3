"""Reads of the deliveries outbox and the 监管行为数据 files."""

from typing import Any

from django.db.models import Count, QuerySet

from shuangsuiji.accounts.scoping import Action

from .models import Delivery, State, SupervisionBatch, Target


def deliveries(user: Any, *, state: str = "", target: str = "") -> QuerySet[Delivery]:
    rows = Delivery.objects.for_user(user, Action.VIEW).select_related("inspection__department")
    if state in State.values:
        rows = rows.filter(state=state)
    if target in Target.values:
        rows = rows.filter(target=target)
    return rows.order_by("-created_at", "-pk")


def state_counts(user: Any) -> dict[str, int]:
    counts = dict.fromkeys(State.values, 0)
    for row in (Delivery.objects.for_user(user, Action.VIEW).values("state")
                .annotate(n=Count("pk"))):
        counts[row["state"]] = row["n"]
    return counts


def batches(user: Any) -> QuerySet[SupervisionBatch]:
    return SupervisionBatch.objects.for_user(user, Action.VIEW).select_related("created_by")
