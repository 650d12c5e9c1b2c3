"""Codes typed as free text: the directory's industry (国民经济行业分类, GB/T 4754) and region
(行政区划代码, GB/T 2260) codes took any text through the API and the forms."""

import pytest
from rest_framework.test import APIClient

from shuangsuiji.rules import codes
from tests.rules.test_target_rows import problems, row, staged

pytestmark = pytest.mark.django_db
API = "/api/v1"
FREE_TEXT = ["批发零售", "C1", "3", "12345", "Z99", "c3021", "C 3021", "=1+1"]
GOOD = ["C", "T", "52", "521", "5211", "C3021", "F52"]


@pytest.mark.parametrize("value", FREE_TEXT)
def test_the_rule_refuses_what_is_not_an_industry_code(value):
    with pytest.raises(codes.CodeError, match="GB/T 4754"):
        codes.industry_code(value)


@pytest.mark.parametrize("value", GOOD)
def test_the_rule_takes_industry_codes_of_every_level(value):
    codes.industry_code(value)


@pytest.mark.parametrize("value", ["14050", "1405021", "晋城市", "14050a", " 140502"])
def test_the_rule_refuses_what_is_not_a_region_code(value):
    with pytest.raises(codes.CodeError, match="GB/T 2260"):
        codes.region_code(value)


def test_the_rule_takes_six_nine_and_twelve_digits_and_nothing():
    for value in ("140502", "140502001", "140502001001", ""):
        codes.region_code(value)


def client(user) -> APIClient:
    c = APIClient()
    c.force_login(user)
    return c


def test_the_api_refuses_free_text_codes_naming_each_field(api_world):
    office = client(api_world.user("office"))
    target = {"department": api_world.world.office.pk, "name": "新建人防工程使用单位",
              "no_code_reason": "个体工商户，无统一社会信用代码"}
    response = office.post(f"{API}/targets/", target | {"industry_code": "批发零售",
                                                         "region_code": "城区"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"industry_code", "region_code"}
    assert "GB/T 4754" in response.json()["industry_code"][0]
    response = office.post(f"{API}/targets/", target | {"industry_code": "F5211",
                                                         "region_code": "140502"}, format="json")
    assert response.status_code == 201, response.json()
    response = office.patch(f"{API}/targets/{response.json()['id']}/",
                            {"industry_code": "零售"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["industry_code"]
    inspector = api_world.rfb.inspector
    response = office.patch(f"{API}/inspectors/{inspector.pk}/", {"region_code": "晋城"},
                            format="json")
    assert response.status_code == 400 and list(response.json()) == ["region_code"]


def test_the_target_form_names_the_code(api_world, client):
    client.force_login(api_world.user("office"))
    target = api_world.rfb.target
    page = client.post(f"/targets/{target.pk}/edit/", {
        "name": target.name, "uscc": target.uscc or "", "industry_code": "批发零售",
        "region_code": "140502", "reg_status": target.reg_status, "note": "改行业"})
    assert page.status_code == 200
    assert "industry_code" in page.context["form"].errors


def test_the_import_refuses_a_one_digit_industry_code():
    assert set(problems(row(行业代码="C1"))) == {"行业代码"}
    assert staged(row(行业代码="c30"))["industry_code"] == "C30"
