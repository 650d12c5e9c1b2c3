"""The signed-in landing page: it gathers the summaries of several apps, so it sits above them."""

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from shuangsuiji.accounts.scoping import Domain, can
from shuangsuiji.catalog.selectors import item_summary
from shuangsuiji.entities.selectors import target_summary
from shuangsuiji.inspections.selectors import results_due, todo
from shuangsuiji.inspectors.selectors import inspector_summary
from shuangsuiji.plans.selectors import waiting as plan_steps
from shuangsuiji.publication.selectors import to_publish


def home(request: HttpRequest) -> HttpResponse:
    """The landing page after sign-in: what the user may see, what needs attention, links."""
    user = request.user
    today = timezone.localdate()
    waiting = todo(user, today)
    if can(user, Domain.PUBLICATION):
        waiting["to_publish"] = to_publish(user)
    steps = [*(plan_steps(user=user) if can(user, Domain.TASKS) else []),
             *results_due(user=user, today=today)]
    steps.sort(key=lambda w: (w.due is None, w.due or date.min, w.subject))
    return render(request, "core/home.html", {"today": today,
        "todo": waiting, "steps": steps,
        "items": item_summary(user=user), "targets": target_summary(user=user),
        "inspectors": inspector_summary(user=user, today=today)})
