"""A joint visit's results land on each organisation's own row of the entity (the city's
shared directory): its credit file, its risk loop, its contacts; never another's."""

import pytest
from django.urls import reverse

from shuangsuiji.credit import selectors
from shuangsuiji.credit.models import RiskClassChange, RiskRule
from shuangsuiji.entities.models import Target
from shuangsuiji.inspections import services as inspections

from .conftest import fill, set_class, sign_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def fire_row(world, drawn_task):
    """The fire rescue's own row of the entity the office's row stood for in the draw."""
    drawn = drawn_task.office_result.visit.drawn_target.target
    row = Target.objects.create(department=world.fire, uscc=drawn.uscc, name=drawn.name,
                                risk_class="B")
    row.contacts.create(name="消防联系人赵六", phone="13700007777")
    drawn.contacts.create(name="人防联系人钱七", phone="13600006666")
    return row


def _fire_refusal(world, drawn_task):
    inspector = world.users["other_inspector"]
    result = fill(drawn_task.fire_result, inspector, categories=["refused"],
                  conduct="refused")
    sign_all(result, inspector)
    inspections.inspection_submit(actor=inspector, inspection=result)
    return inspections.inspection_review(actor=world.users["partner"], inspection=result,
                                         approve=True)


def test_the_fire_rescues_refusal_raises_its_own_class_never_the_offices(world, drawn_task,
                                                                         rules, fire_row):
    RiskRule.objects.create(organisation=world.fire, trigger="refusal", raise_to="D",
                            period_days=3650)
    office_row = drawn_task.office_result.visit.drawn_target.target
    set_class(office_row, "A")
    _fire_refusal(world, drawn_task)
    office_row.refresh_from_db()
    fire_row.refresh_from_db()
    assert (office_row.risk_class, fire_row.risk_class) == ("A", "D")
    assert list(RiskClassChange.objects.values_list("target_id", flat=True)) == [fire_row.pk]


def test_a_refusal_for_an_organisation_that_does_not_know_the_entity_raises_nothing(
        world, drawn_task, rules):
    office_row = drawn_task.office_result.visit.drawn_target.target
    set_class(office_row, "A")
    _fire_refusal(world, drawn_task)
    office_row.refresh_from_db()
    assert office_row.risk_class == "A" and not RiskClassChange.objects.exists()


def test_each_credit_file_lists_its_own_organisations_results(world, drawn_task, fire_row):
    _fire_refusal(world, drawn_task)
    office_row = drawn_task.office_result.visit.drawn_target.target
    office_file = selectors.credit_file(world.users["office"], office_row)
    assert [r.department_id for r in office_file.results] == [world.office.pk]
    assert office_file.conduct == []
    fire_file = selectors.credit_file(world.users["partner"], fire_row)
    assert [r.department_id for r in fire_file.results] == [world.fire.pk]
    assert [r.conduct for r in fire_file.conduct] == ["refused"]


def test_a_joint_visit_shows_each_organisation_its_own_contacts(world, drawn_task, fire_row,
                                                                 client):
    url = reverse("inspections:visit", args=[drawn_task.visit.pk])
    client.force_login(world.users["other_inspector"])
    body = client.get(url).content.decode()
    assert "赵六" in body and "钱七" not in body and "13600006666" not in body
    for mine in ("inspections:mine", "draws:mine"):
        body = client.get(reverse(mine)).content.decode()
        assert "赵六" in body and "钱七" not in body and "13600006666" not in body, mine
    client.force_login(world.users["inspector"])
    body = client.get(url).content.decode()
    assert "钱七" in body and "赵六" not in body and "13700007777" not in body
    fire_row.delete()
    client.force_login(world.users["other_inspector"])
    body = client.get(url).content.decode()
    assert "钱七" not in body and "13600006666" not in body
