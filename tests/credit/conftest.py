"""Credit-file tests reuse the inspections' drawn joint task (RFB + XFZD)."""

from datetime import date

import pytest
from django.core.cache import cache

from shuangsuiji.credit.models import RiskRule
from shuangsuiji.entities.models import Target
from shuangsuiji.rules.uscc import make_valid
from tests.inspections.conftest import drawn_task, private_files  # noqa: F401
from tests.inspections.test_results import fill, sign_all  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    cache.clear()


@pytest.fixture
def rules(world):
    """The office's rules: a penalty or a refusal → D, two complaints in 90 days → C,
    the blacklist → D."""
    org = world.office
    return {
        "serious": RiskRule.objects.create(organisation=org, trigger="serious", raise_to="D"),
        "refusal": RiskRule.objects.create(organisation=org, trigger="refusal", raise_to="D",
                                           period_days=3650),
        "complaints": RiskRule.objects.create(organisation=org, trigger="complaints",
                                              raise_to="C", threshold=2, period_days=90),
        "blacklist": RiskRule.objects.create(organisation=org, trigger="blacklist",
                                             raise_to="D"),
    }


def set_class(target, risk_class: str) -> None:
    type(target).objects.filter(pk=target.pk).update(risk_class=risk_class,
                                                      risk_set_on=date(2026, 1, 1))
    target.refresh_from_db()


@pytest.fixture
def target(world):
    """An entity in the office's directory (complaint tests; test_api.py has its own)."""
    return Target.objects.create(department=world.office,
                                 uscc=make_valid("91140500MA0K12345"),
                                 name="晋城市兴达商贸有限公司")


@pytest.fixture
def fire_target(world):
    """An entity in the fire rescue's directory: another organisation's."""
    return Target.objects.create(department=world.fire, uscc=make_valid("91140500MA0K54321"),
                                 name="晋城市鹿台山宾馆")
