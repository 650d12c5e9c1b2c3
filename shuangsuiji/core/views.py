from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from shuangsuiji.accounts.scoping import Domain, can, is_admin

from .audit_labels import action_choices, action_filter
from .audit_objects import object_type_choices, shown_events
from .models import AuditEvent


def home(request: HttpRequest) -> HttpResponse:
    """The landing page after sign-in: what the user may see, what needs attention, links."""
    from shuangsuiji.catalog.selectors import item_summary
    from shuangsuiji.entities.selectors import target_summary
    from shuangsuiji.inspections.selectors import todo
    from shuangsuiji.inspectors.selectors import inspector_summary

    user = request.user
    today = timezone.localdate()
    return render(request, "core/home.html", {
        "todo": todo(user, today),
        "items": item_summary(user=user), "targets": target_summary(user=user),
        "inspectors": inspector_summary(user=user, today=today)})


def audit_list(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first, filtered by action or object; leadership and the office."""
    user = request.user
    if not (can(user, Domain.AUDIT) or is_admin(user)):
        raise PermissionDenied
    events = AuditEvent.objects.for_user(user).select_related("actor")
    action = request.GET.get("action", "").strip()
    if action:
        events = events.filter(action_filter(action))
    object_type = request.GET.get("type", "").strip()
    if object_type:
        events = events.filter(object_type=object_type)
    obj = request.GET.get("object", "").strip()
    if obj:
        events = events.filter(object_id=obj)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    choices = action_choices()
    if action and not any(action == value for _group, options in choices
                          for value, _label in options):
        choices.insert(0, ("", [(action, action)]))  # a prefix from a link: kept as typed
    types = object_type_choices()
    if object_type and object_type not in dict(types):
        types.insert(0, (object_type, object_type))
    return render(request, "core/audit_list.html", {
        "page": page, "rows": shown_events(page, user), "action": action,
        "action_choices": choices, "object_type": object_type, "type_choices": types,
        "object": obj})
