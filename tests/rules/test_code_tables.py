"""The standards' code tables shipped in rules/data/: their size, known entries, lookups."""

from collections import Counter

import pytest

from shuangsuiji.rules import code_tables, codes
from shuangsuiji.rules.codes import CodeError


def test_the_region_table_is_ministrys_list_of_2024_by_level():
    levels = Counter(e.level for e in code_tables.regions().values())
    # 民政部, 2024: 34 provinces (with 台湾省, 香港, 澳门), 333 prefectures, 2846 counties.
    assert levels == {1: 34, 2: 333, 3: 2846}


def test_the_industry_table_is_gb_4754_2017_by_level():
    levels = Counter(e.level for e in code_tables.industries().values())
    assert levels == {1: 20, 2: 97, 3: 473, 4: 1381}  # 门类, 大类, 中类, 小类


@pytest.mark.parametrize(("code", "path"), [
    ("140000", "山西省"),
    ("140500", "山西省 晋城市"),
    ("140502", "山西省 晋城市 城区"),
    ("140521", "山西省 晋城市 沁水县"),
    ("140581", "山西省 晋城市 高平市"),
    ("110101", "北京市 东城区"),  # a county directly under its province
    ("419001", "河南省 济源市"),
    ("140521102000", "山西省 晋城市 沁水县"),  # a village: known by its county
])
def test_known_regions_have_their_path(code, path):
    assert code_tables.region_path(code) == path
    assert code_tables.region_known(code)


@pytest.mark.parametrize(("code", "name", "path"), [
    ("B", "采矿业", "采矿业"),
    ("06", "煤炭开采和洗选业", "采矿业 › 煤炭开采和洗选业"),
    ("0610", "烟煤和无烟煤开采洗选", "采矿业 › 煤炭开采和洗选业 › 烟煤和无烟煤开采洗选"),
    ("7020", "物业管理", "房地产业 › 物业管理"),
    ("K7020", "物业管理", "房地产业 › 物业管理"),
    ("3021", "水泥制品制造",
     "制造业 › 非金属矿物制品业 › 石膏、水泥制品及类似制品制造 › 水泥制品制造"),
    ("7224", "供应链管理服务", "租赁和商务服务业 › 商务服务业 › 综合管理服务 › 供应链管理服务"),
    ("5267", "机动车充电销售", "批发和零售业 › 零售业 › 汽车、摩托车、零配件和燃料及其他动力销售 › "
                          "机动车充电销售"),
    ("3741", "飞机制造", "制造业 › 铁路、船舶、航空航天和其他运输设备制造业 › "
                      "航空、航天器及设备制造 › 飞机制造"),
])
def test_known_industries_have_their_name_and_path(code, name, path):
    assert code_tables.industry_name(code) == name
    assert code_tables.industry_path(code) == path


@pytest.mark.parametrize("code", ["140599", "990000", "1405", "14050", ""])
def test_codes_not_in_the_region_table_are_unknown(code):
    assert not code_tables.region_known(code)
    assert code_tables.region_name(code) is None


@pytest.mark.parametrize("code", ["7099", "L7020", "7A20", "U", "", "06100"])
def test_codes_not_in_the_industry_table_are_unknown(code):
    assert not code_tables.industry_known(code)
    assert code_tables.industry_name(code) is None


def test_every_entry_has_its_parent_in_the_table():
    for table in (code_tables.regions(), code_tables.industries()):
        assert all(e.parent in table for e in table.values() if e.parent)
    assert all(e.parent.isalpha() for e in code_tables.industries().values() if e.level == 2)


def test_a_search_puts_the_very_name_first_then_higher_levels():
    assert [e.code for e in code_tables.search_regions("晋城")] == ["140500"]
    assert [e.code for e in code_tables.search_regions("沁水县")] == ["140521"]
    assert [e.code for e in code_tables.search_industries("物业管理")][:2] == ["702", "7020"]
    assert code_tables.search_regions("  ") == []
    same_name = code_tables.search_regions("城区")
    assert {e.code for e in same_name if e.name == "城区"} == {"140302", "140502", "441502"}


@pytest.mark.parametrize(("check", "value", "message"), [
    (codes.region_code, "140599", "140599 is not a code of the current administrative"),
    (codes.industry_code, "7099", "7099 is not a code of the industrial classification"),
    (codes.industry_code, "L7020", "L7020 is not a code of the industrial classification"),
    (codes.industry_code, "7A20", 'the industry code "7A20" is not a GB/T 4754 code'),
])
def test_the_code_rules_refuse_unknown_codes(check, value, message):
    with pytest.raises(CodeError) as caught:
        check(value)
    assert caught.value.reason.startswith(message)


@pytest.mark.parametrize(("check", "value"), [
    (codes.region_code, ""), (codes.region_code, "140521"), (codes.region_code, "140521102"),
    (codes.industry_code, ""), (codes.industry_code, "K7020"), (codes.industry_code, "C"),
])
def test_the_code_rules_accept_known_codes(check, value):
    check(value)
