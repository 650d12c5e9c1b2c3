"""The audit log's page: every organisation's objects named and linked, so it sits above
the apps whose objects it names."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shuangsuiji.accounts.scoping import Domain, can, is_admin
from shuangsuiji.core.audit_labels import action_choices, action_filter
from shuangsuiji.core.models import AuditEvent

from .objects import object_type_choices, shown_events


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
