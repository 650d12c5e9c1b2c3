"""Region and industry codes are shown with their names (rules/data/), and refused when the
standards' tables do not hold them; a code stored before the check still shows."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from shuangsuiji.entities.models import Target
from shuangsuiji.entities.services import target_update
from shuangsuiji.inspectors.services import inspector_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def named(data, world):  # type: ignore[no-untyped-def]
    target_update(actor=world.users["office"], target=data.target,
                  data={"region_code": "140521", "industry_code": "K7020"})
    return data


def test_the_directory_list_shows_names_beside_codes(login, named):
    body = login("office").get(reverse("entities:list")).content.decode()
    assert "晋城市 沁水县" in body and "140521" in body
    assert "物业管理" in body and "K7020" in body
    assert 'title="山西省 晋城市 沁水县"' in body and 'title="房地产业 › 物业管理"' in body


def test_the_detail_page_shows_the_whole_path(login, named):
    body = login("office").get(reverse("entities:detail", args=[named.target.pk])).content.decode()
    assert "山西省 晋城市 沁水县" in body and "房地产业 › 物业管理" in body


def test_a_stored_code_the_tables_do_not_hold_still_shows(login, named):
    Target.objects.filter(pk=named.target.pk).update(region_code="140599", industry_code="7099")
    client = login("office")
    for url in (reverse("entities:list"), reverse("entities:detail", args=[named.target.pk])):
        body = client.get(url).content.decode()
        assert "140599" in body and "7099" in body and "未知代码" in body


def test_the_filter_takes_a_name(login, named):
    response = login("office").get(reverse("entities:list"), {"region_code": "沁水县",
                                                              "industry_code": "物业管理"})
    assert [t.pk for t in response.context["page"]] == [named.target.pk]
    other = login("office").get(reverse("entities:list"), {"region_code": "阳城县"})
    assert list(other.context["page"]) == []


@pytest.mark.parametrize(("field", "value", "message"), [
    ("region_code", "140599", "140599 不是现行行政区划代码"),
    ("industry_code", "L7020", "L7020 不是国民经济行业分类中的代码"),
])
def test_saving_a_target_refuses_an_unknown_code(world, named, field, value, message):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        target_update(actor=world.users["office"], target=named.target, data={field: value})
    assert caught.value.message_dict[field] == [message]


def test_an_inspector_shows_the_region_name_and_refuses_an_unknown_one(login, world, named):
    office = world.users["office"]
    inspector_update(actor=office, inspector=named.inspector, data={"region_code": "140525"})
    body = login("office").get(reverse("inspectors:detail", args=[named.inspector.pk]))
    assert "山西省 晋城市 泽州县" in body.content.decode()
    with pytest.raises(ValidationError):
        inspector_update(actor=office, inspector=named.inspector, data={"region_code": "149999"})
