"""Attacks on the city's shared target directory: an entity several organisations know is one
entity in a joint task's pool, and no organisation reads another's risk class, contacts or
conflicts through the pool, the freeze page, the target page, the API or the city's page."""

from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from shuangsuiji.accounts.choices import Role
from shuangsuiji.draws.models import FrozenCandidate
from shuangsuiji.draws.services import task_freeze
from shuangsuiji.entities.models import Target
from shuangsuiji.inspectors.models import Conflict
from tests.conftest import make_user
from tests.draws.conftest import DRAW_AT, make_inspector, seed_task  # noqa: F401

pytestmark = pytest.mark.django_db

FIRE_CONTACT, FIRE_PHONE = "消防联系人孙八", "13511112222"
RELATION, DECLARED = "kinship", "office"


@pytest.fixture
def shared(world, seed_task):  # noqa: F811
    """The fire rescue's rows: one of an entity the office knows (class D, a contact and a
    conflict of its own), one only it knows (class A)."""
    office_row = Target.objects.filter(department=world.office).order_by("pk").first()
    fire_row = Target.objects.create(department=world.fire, uscc=office_row.uscc,
                                     name=office_row.name, risk_class="D",
                                     region_code="140502")
    fire_row.contacts.create(name=FIRE_CONTACT, phone=FIRE_PHONE)
    only_fire = Target.objects.create(department=world.fire, uscc="91140502MA0RRRRR5J",
                                      name="只在消防名录的企业", risk_class="A",
                                      region_code="140502")
    only_fire.contacts.create(name=FIRE_CONTACT, phone=FIRE_PHONE)
    inspector = make_inspector(world.brigade, "XF-CONFLICT")
    Conflict.objects.create(inspector=inspector, target=only_fire, relation=RELATION,
                            declared_by=DECLARED, reason="消防登记的回避关系",
                            valid_from=date(2020, 1, 1))
    return {"task": seed_task, "office_row": office_row, "fire_row": fire_row,
            "only_fire": only_fire, "inspector": inspector}


def test_the_frozen_pool_holds_the_shared_entity_once_by_the_offices_class(world, shared):
    freeze = task_freeze(actor=world.users["office"], task=shared["task"],
                         planned_draw_at=DRAW_AT)
    rows = list(FrozenCandidate.objects.filter(freeze=freeze)
                .values_list("ident", "stratum", "target_id"))
    idents = [ident for ident, _s, _t in rows]
    assert len(idents) == len(set(idents)) == freeze.pool_size == 38
    by_ident = {ident: (stratum, target) for ident, stratum, target in rows}
    assert by_ident[shared["office_row"].uscc][1] == shared["office_row"].pk
    assert by_ident[shared["only_fire"].uscc][1] == shared["only_fire"].pk


def test_the_freeze_and_task_pages_show_nothing_of_the_fire_rescues(world, shared, client):
    from shuangsuiji.plans.services import task_update

    task = task_update(actor=world.users["office"], task=shared["task"],
                       data={"stratification": "risk"})
    client.force_login(world.users["office"])
    for url in (reverse("draws:freeze", args=[shared["task"].pk]),
                reverse("plans:task_detail", args=[shared["task"].pk])):
        body = client.get(url).content.decode()
        for secret in (FIRE_CONTACT, FIRE_PHONE, "消防登记的回避关系", shared["inspector"].name):
            assert secret not in body, (url, secret)
    # The only-fire entity counts as unclassified for the office: its A is the fire
    # rescue's. The office's strata: its own 37 (A–D) and the one it does not know (U).
    from shuangsuiji.draws.pool import pool_sizes

    sizes = pool_sizes(task, DRAW_AT.date())
    assert sizes["U"] == 1 and sum(sizes.values()) == 38


def test_another_organisations_target_answers_404_by_page_and_api(world, shared, client):
    client.force_login(world.users["office"])
    for row in (shared["fire_row"], shared["only_fire"]):
        assert client.get(reverse("entities:detail", args=[row.pk])).status_code == 404
        api = APIClient()
        api.force_login(world.users["office"])
        assert api.get(f"/api/v1/targets/{row.pk}/").status_code == 404
    listed = APIClient()
    listed.force_login(world.users["office"])
    body = listed.get("/api/v1/targets/", {"q": shared["fire_row"].uscc}).content.decode()
    assert FIRE_PHONE not in body and f'"id":{shared["fire_row"].pk},' not in body


def test_the_target_page_names_the_other_organisations_and_nothing_else(world, shared,
                                                                       client):
    client.force_login(world.users["office"])
    body = client.get(reverse("entities:detail", args=[shared["office_row"].pk])
                      ).content.decode()
    known = body[body.index('id="also-known"'):]
    known = known[:known.index("</p>")]
    assert world.fire.name in known
    assert FIRE_CONTACT not in body and FIRE_PHONE not in body
    client.force_login(world.users["partner"])
    body = client.get(reverse("entities:detail", args=[shared["fire_row"].pk])).content.decode()
    assert world.office.name in body[body.index('id="also-known"'):]


def test_the_city_page_lists_who_knows_the_entity_without_classes_or_contacts(world, shared,
                                                                            client):
    city = make_user("city", Role.CITY, None)
    url = reverse("city_entity", args=[shared["office_row"].uscc])
    client.force_login(city)
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert world.office.name in body and world.fire.name in body
    for secret in (FIRE_CONTACT, FIRE_PHONE, "风险", "risk class", "Credit risk"):
        assert secret not in body
    listing = client.get(reverse("city_entities")).content.decode()
    assert url in listing and shared["only_fire"].uscc not in listing
    assert client.get(reverse("city_entity", args=["91140502MA0RRRRR6X"])).status_code == 404
    client.force_login(world.users["admin"])
    assert client.get(url).status_code == 200
    for role in ("office", "partner", "leader", "section", "inspector", "auditor"):
        if role in world.users:
            client.force_login(world.users[role])
            assert client.get(url).status_code == 403, role
            assert client.get(reverse("city_entities")).status_code == 403, role


def test_the_draw_result_shows_the_offices_class_and_links_only_its_rows(world, shared,
                                                                         client):
    from shuangsuiji.draws.services import draw_execute
    from shuangsuiji.plans.services import task_update

    office = world.users["office"]
    task = task_update(actor=office, task=shared["task"], data={"ratio": "100"})
    task_freeze(actor=office, task=task, planned_draw_at=DRAW_AT)
    draw_execute(actor=office, task=task, ceremony_input="38201958377102938475",
                 witnesses=["王新根"], source="十面骰子 20 次")
    client.force_login(office)
    body = client.get(reverse("draws:result", args=[task.pk])).content.decode()
    for row in (shared["fire_row"], shared["only_fire"]):
        assert reverse("entities:detail", args=[row.pk]) not in body
    only = shared["only_fire"].uscc
    line = body[body.index(f'id="target-{only}"'):]  # 38 drawn: one page
    line = line[:line.index("</tr>")]
    assert "badge ok" not in line and '<span class="muted">—</span>' in line
    # The office's own rows are linked, the shared entity by the office's row.
    assert reverse("entities:detail", args=[shared["office_row"].pk]) in body
