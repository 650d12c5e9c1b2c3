"""The API's small holes: a withdrawal that needs no reason, and input checked before the
right, so that a user without the right learns what a valid body looks like (400, not 403)."""

import pytest
from rest_framework.test import APIClient

from shuangsuiji.publication import services as publication
from tests.inspections.test_api import body

pytestmark = pytest.mark.django_db
API = "/api/v1"


def client(user) -> APIClient:
    c = APIClient()
    c.force_login(user)
    return c


@pytest.mark.parametrize("sent", [{}, {"reason": ""}, {"reason": "   "}])
def test_an_item_is_not_withdrawn_without_a_reason(api_world, sent):
    office = client(api_world.user("office"))
    item = api_world.rfb.item
    assert office.post(f"{API}/items/{item.pk}/publish/", {"reason": "公示"},
                       format="json").status_code == 200
    response = office.post(f"{API}/items/{item.pk}/unpublish/", sent, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    item.refresh_from_db()
    assert item.is_published is True
    response = office.post(f"{API}/items/{item.pk}/unpublish/", {"reason": "事项调整"},
                           format="json")
    assert response.status_code == 200 and response.json()["is_published"] is False


def test_the_service_refuses_a_withdrawal_without_a_reason(api_world):
    from django.core.exceptions import ValidationError

    from shuangsuiji.catalog.services import item_set_published

    item = item_set_published(actor=api_world.user("office"), item=api_world.rfb.item,
                              published=True, reason="公示")
    with pytest.raises(ValidationError) as refused:
        item_set_published(actor=api_world.user("office"), item=item, published=False,
                           reason=" ")
    assert list(refused.value.message_dict) == ["reason"]


@pytest.mark.parametrize("sent", [{}, {"findings": "x"}])
def test_a_section_entering_a_result_gets_403_whatever_the_body(world, drawn_task, sent):
    # A section reviews results but enters none: the body is checked only for those who may.
    result = drawn_task.office_result
    section = client(world.users["section"])
    assert section.get(f"{API}/results/{result.pk}/").status_code == 200
    assert section.put(f"{API}/results/{result.pk}/", sent, format="json").status_code == 403
    assert client(world.users["inspector"]).put(
        f"{API}/results/{result.pk}/", sent, format="json").status_code == 400
    assert section.put(f"{API}/results/{result.pk}/", body(result),
                       format="json").status_code == 403


def test_a_group_member_reviewing_a_result_gets_403_not_400(world, drawn_task):
    result = drawn_task.office_result
    inspector = client(world.users["inspector"])
    assert inspector.get(f"{API}/results/{result.pk}/").status_code == 200
    response = inspector.post(f"{API}/results/{result.pk}/review/", {"approve": "maybe"},
                              format="json")
    assert response.status_code == 403


def test_a_section_scheduling_a_visit_gets_403_not_400(world, drawn_task):
    visit = drawn_task.visit
    section = client(world.users["section"])
    assert section.get(f"{API}/visits/{visit.pk}/").status_code == 200
    response = section.post(f"{API}/visits/{visit.pk}/schedule/", {"agreed_date": "soon"},
                            format="json")
    assert response.status_code == 403


def test_a_leader_withdrawing_a_published_result_gets_403_not_400(world, approved):
    result = approved.office[0]
    publication.result_publish(actor=world.users["office"], inspection=result)
    leader = client(world.users["leader"])
    url = f"{API}/publication/results/{result.pk}/"
    assert leader.get(url).status_code == 200
    assert leader.post(url + "withdraw/", {}, format="json").status_code == 403
    assert client(world.users["office"]).post(url + "withdraw/", {},
                                              format="json").status_code == 400
