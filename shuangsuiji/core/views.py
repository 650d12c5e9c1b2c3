from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shuangsuiji.accounts.scoping import Domain, can, is_admin

from .models import AuditEvent


def audit_list(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first, filtered by action or object; leadership and the office."""
    user = request.user
    if not (can(user, Domain.AUDIT) or is_admin(user)):
        raise PermissionDenied
    events = AuditEvent.objects.for_user(user).select_related("actor")
    action = request.GET.get("action", "").strip()
    if action:
        events = events.filter(action__startswith=action)
    obj = request.GET.get("object", "").strip()
    if obj:
        events = events.filter(object_id=obj)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"page": page, "action": action,
                                                    "object": obj})
