"""Template context: which menu entries the signed-in user may open, and whose office it is."""

from typing import Any

from django.http import HttpRequest

from .choices import Role
from .scoping import Domain, can, is_admin


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"nav": {}, "office_name": ""}
    department = user.department
    # The organisation's name (the office, or the cooperating department) in the page title.
    office_name = department.root.name if department and department.root_id else (
        department.name if department else "")
    nav = {domain.value: can(user, domain) for domain in Domain} | {
        "admin": is_admin(user),
        # One entity across the organisations' directories (config/city.py).
        "city_entities": is_admin(user) or user.role == Role.CITY,
        "mine": user.role in {Role.INSPECTOR, Role.EXPERT},
        # The phones given the field app's key (field.views.phones): their users and the staff
        # who may revoke them.
        "phones": is_admin(user) or user.role in {Role.INSPECTOR, Role.EXPERT, Role.OFFICE,
                                                 Role.PARTNER},
        "review": is_admin(user) or user.role in {Role.OFFICE, Role.SECTION, Role.PARTNER},
        # What entities filed (entityportal): the office and partners answer, the leadership
        # reads integrity ratings.
        "entity_requests": is_admin(user) or user.role in {Role.OFFICE, Role.PARTNER,
                                                           Role.LEADER},
        # The city's breakdowns, 考评 and annual report (oversight.city): the leading group
        # office and administrators. Third-party evaluators' grants: administrators and each
        # organisation's office; an evaluator's own page of what it reads.
        "city": is_admin(user) or user.role == Role.CITY,
        "evaluator_grants": is_admin(user) or user.role in {Role.OFFICE, Role.PARTNER},
        "evaluation": user.role == Role.EVALUATOR}
    return {"office_name": office_name, "nav": nav}
