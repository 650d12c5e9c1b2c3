"""The city's 考评 criteria: set by the leading group office or an administrator, audited."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.scoping import is_admin
from shuangsuiji.core.audit import audit_record
from shuangsuiji.rules import evaluation as rules

from .models import EvaluationCriteria


def may_set_criteria(actor: Any) -> bool:
    """The criteria are the city's: its leading group office's, or an administrator's."""
    return actor is None or is_admin(actor) or getattr(actor, "role", None) == Role.CITY


def _fields() -> list[str]:
    return [f"{name}_{part}" for name in rules.CRITERIA for part in ("weight", "target")]


@transaction.atomic
def criteria_set(*, actor: Any, year: int, values: dict[str, Any]) -> EvaluationCriteria:
    """Store a year's criteria (weights summing to 100, targets within range); audited with
    what they were before."""
    if not may_set_criteria(actor):
        raise PermissionDenied
    criteria = EvaluationCriteria.objects.select_for_update().filter(year=year).first() \
        or EvaluationCriteria(year=year)
    before = {name: str(getattr(criteria, name)) for name in _fields()}
    for name in _fields():
        setattr(criteria, name, values[name])
    problems = rules.check_weights(criteria.rules())
    if "weights" in problems:
        raise ValidationError(_("The points of the four criteria must add up to 100."))
    if problems:
        raise ValidationError(_("A target must be above 0 and at most 100 %, and the "
                                "complaints limit not negative."))
    criteria.updated_by = actor if getattr(actor, "pk", None) else None
    criteria.full_clean()
    criteria.save()
    after = {name: str(getattr(criteria, name)) for name in _fields()}
    audit_record(actor=actor, action="evaluation_criteria.set", obj=criteria,
                 organisation_id=None,
                 summary=_("Evaluation criteria for {year} set").format(year=year),
                 data={"year": year, "before": before, "after": after})
    return criteria


