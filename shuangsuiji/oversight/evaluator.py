"""第三方评估 for a period: the evaluator's own page, and the grants that open a period.

An evaluator (Role.EVALUATOR) reads the tasks of its grants' periods (InspectionTask.objects
.for_user holds it to them), their draws with the full records (each read of a full record is
in the audit log: draws.services.record_read) and, here, their results. An administrator gives
and revokes grants for any organisation, an organisation's office (a cooperating department's
staff) for its own, each through accounts.services (audited). Anyone else answers 403;
another organisation's grant 404.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shuangsuiji.accounts import services as accounts
from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import Department, EvaluatorGrant
from shuangsuiji.accounts.scoping import is_admin, user_organisation_id
from shuangsuiji.accounts.selectors import organisations
from shuangsuiji.core.web import paginate
from shuangsuiji.draws.models import DrawRecord
from shuangsuiji.inspections.choices import ResultCategory
from shuangsuiji.inspections.models import Inspection
from shuangsuiji.plans.models import InspectionTask

from .forms import GrantForm


def evaluator_results(user: Any) -> QuerySet[Inspection]:
    """Results of the tasks the evaluator may read (those of its grants' periods)."""
    return Inspection.objects.filter(visit__task__in=InspectionTask.objects.for_user(user))


@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated or user.role != Role.EVALUATOR:
        raise PermissionDenied
    today = timezone.localdate()
    grants = list(EvaluatorGrant.objects.filter(user=user).select_related("organisation"))
    for grant in grants:
        grant.active = grant.in_force(today)
    tasks = list(InspectionTask.objects.for_user(user).select_related("initiating")
                 .order_by("period_start", "code"))
    drawn = set(DrawRecord.objects.filter(task__in=[t.pk for t in tasks]).values_list("task_id",
                                                                                flat=True))
    results = (evaluator_results(user)
               .select_related("department", "visit__task", "visit__drawn_target__target",
                               "publication")
               .order_by("visit__task__code", "visit__drawn_target__ticket", "pk"))
    page = paginate(request, results)
    labels = dict(ResultCategory.choices)
    for r in page:
        r.category_labels = [labels.get(c, c) for c in r.categories or []]
    return render(request, "oversight/evaluation.html", {
        "grants": grants, "tasks": tasks, "drawn": drawn, "page": page, "today": today})


def _grantable(user: Any) -> QuerySet[Department]:
    """The organisations whose records this user may open to an evaluator."""
    if is_admin(user):
        return organisations()
    if user.is_authenticated and user.role in {Role.OFFICE, Role.PARTNER}:
        return organisations().filter(pk=user_organisation_id(user))
    raise PermissionDenied


@require_http_methods(["GET", "POST"])
def grants(request: HttpRequest) -> HttpResponse:
    allowed = _grantable(request.user)
    form = GrantForm(request.POST or None, organisations=allowed)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            accounts.evaluator_grant_create(
                actor=request.user, user=data["user"], organisation=data["organisation"],
                period_from=data["period_from"], period_to=data["period_to"],
                expires_on=data["expires_on"], reason=data["reason"])
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("{user} may now read the records of the period.")
                             .format(user=data["user"]))
            return redirect("oversight:grants")
    today = timezone.localdate()
    rows = list(EvaluatorGrant.objects.filter(organisation__in=allowed)
                .select_related("user", "organisation", "granted_by", "revoked_by"))
    for grant in rows:
        grant.active = grant.in_force(today)
    return render(request, "oversight/grants.html", {"form": form, "grants": rows,
                                                      "today": today})


@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    grant = get_object_or_404(EvaluatorGrant, pk=pk,
                              organisation__in=_grantable(request.user))
    try:
        accounts.evaluator_grant_revoke(actor=request.user, grant=grant)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The grant is revoked."))
    return redirect("oversight:grants")
