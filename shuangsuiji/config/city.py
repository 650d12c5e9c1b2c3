"""The city's view of one entity across the organisations' directories (the shared target
directory): which organisations know it, with the facts any of them may read — the name and
registration status in each directory and each organisation's published results — and never
a risk class, a contact, a complaint or a conflict. For the city's leading group office and
administrators; it gathers entities and publication, so it sits above them."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.scoping import is_admin
from shuangsuiji.core.web import paginate
from shuangsuiji.entities.models import Target
from shuangsuiji.entities.selectors import KnownTo, known_to
from shuangsuiji.portal.selectors import published_results, with_repairs
from shuangsuiji.rules import uscc as uscc_rules

# Published results shown per entity (the portal's credit file keeps the same bound).
RESULTS_SHOWN = 200


def sees_city(user: Any) -> bool:
    """Who reads every organisation's view of an entity: the city's office, administrators."""
    return is_admin(user) or getattr(user, "role", None) == Role.CITY


def _require_city(user: Any) -> None:
    if not sees_city(user):
        raise PermissionDenied


def shared_entities() -> QuerySet[Any]:
    """Codes held by more than one organisation's directory, with how many and one of the
    names they are known by: a GROUP BY over the directories, paged (the city reads it,
    rarely)."""
    return (Target.objects.filter(uscc__isnull=False).order_by().values("uscc")
            .annotate(organisations=Count("department__root", distinct=True),
                      name=Min("name"))
            .filter(organisations__gt=1).order_by("uscc"))


@require_http_methods(["GET"])
def entity_list(request: HttpRequest) -> HttpResponse:
    _require_city(request.user)
    q = uscc_rules.normalise(request.GET.get("q") or "")
    if q:
        return redirect("city_entity", code=q)
    return render(request, "city/entity_list.html",
                  {"page": paginate(request, shared_entities())})


@dataclass(frozen=True)
class OrganisationView:
    known: KnownTo
    results: list[Any]


@require_http_methods(["GET"])
def entity_detail(request: HttpRequest, code: str) -> HttpResponse:
    _require_city(request.user)
    code = uscc_rules.normalise(code)
    known = known_to(uscc=code)
    if not known:
        raise Http404
    results = with_repairs(list(published_results().filter(uscc=code)
                                .select_related("organisation")
                                .order_by("-published_on", "-id")[:RESULTS_SHOWN]))
    by_org: dict[int, list[Any]] = {}
    for result in results:
        by_org.setdefault(result.organisation_id, []).append(result)
    views = [OrganisationView(k, by_org.pop(k.organisation_id, [])) for k in known]
    # Results of an organisation whose directory does not hold the entity (it inspected it in
    # another organisation's joint task): listed too, under its name.
    others = [r for rows in by_org.values() for r in rows]
    return render(request, "city/entity_detail.html", {
        "code": code, "name": known[0].name, "views": views, "others": others})
