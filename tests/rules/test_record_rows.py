"""Rows of the inspector and item imports: words, dates, certificates, identity numbers."""

from datetime import date

import pytest

from shuangsuiji.rules import inspector_rows, item_rows
from shuangsuiji.rules.tabular import resolve_headers

INSPECTOR_HEADERS = ["部门代码", "人员编号", "姓名", "人员类别", "执法证号", "发证机关",
                     "证件有效期自", "证件有效期至", "状态", "状态日期", "联系电话", "身份证号"]
ID_NUMBER = "11010519491231002X"  # the standard's own example


def inspector(**values):
    base = dict.fromkeys(INSPECTOR_HEADERS, "")
    base.update({"人员编号": "E001", "姓名": "王强", "人员类别": "执法人员"})
    base.update(values)
    checker = inspector_rows.InspectorRowChecker(
        resolve_headers(INSPECTOR_HEADERS, inspector_rows.COLUMNS))
    found, problems = checker.check([base[h] for h in INSPECTOR_HEADERS])
    return found, {column: error.reason for column, error in problems}


def test_an_inspector_row_is_read():
    values, problems = inspector(执法证号="140500123", 发证机关="山西省人民政府",
                                 证件有效期自="2021年1月1日", 证件有效期至="2026/12/31",
                                 状态="在岗", 联系电话="0356-2020123", 身份证号=ID_NUMBER.lower())
    assert problems == {}
    assert values["role"] == "officer" and values["status"] == "active"
    assert values["cert_valid_from"] == date(2021, 1, 1)
    assert values["id_number"] == ID_NUMBER


def test_experts_are_told_from_officers():
    assert inspector(人员类别="专业技术人员")[0]["role"] == "expert"
    assert "执法人员" in inspector(人员类别="临时工")[1]["人员类别"]


def test_staff_code_name_and_role_are_required():
    problems = inspector(人员编号="", 姓名="", 人员类别="")[1]
    assert set(problems) == {"人员编号", "姓名", "人员类别"}


def test_a_certificate_needs_its_issuer_and_a_sane_period():
    assert "issued" in inspector(执法证号="X1")[1]["发证机关"]
    problems = inspector(执法证号="X1", 发证机关="省政府", 证件有效期自="2026-01-01",
                         证件有效期至="2020-01-01")[1]
    assert "before" in problems["证件有效期至"]
    assert "number" in inspector(发证机关="省政府")[1]["执法证号"]


def test_transfers_and_retirements_need_their_date():
    assert "date" in inspector(状态="退休")[1]["状态日期"]
    values, problems = inspector(状态="调离", 状态日期="2024-03-01")
    assert problems == {} and values["status"] == "transferred"


def test_bad_identity_numbers_and_phones_are_named():
    problems = inspector(身份证号="110105194912310021", 联系电话="电话")[1]
    assert "check character" in problems["身份证号"]
    assert "phone" in problems["联系电话"]


ITEM_HEADERS = [c.header for c in item_rows.COLUMNS]


def item(**values):
    base = dict.fromkeys(ITEM_HEADERS, "")
    base.update({"编码": "RF-01", "抽查类别": "人防工程", "抽查事项": "人防工程建设",
                 "检查对象": "建设单位", "检查依据": "《人民防空法》第二十二条", "检查主体": "RFB",
                 "检查内容": "是否按规定修建防空地下室", "检查方式": "现场检查"})
    base.update(values)
    checker = item_rows.ItemRowChecker(resolve_headers(ITEM_HEADERS, item_rows.COLUMNS))
    found, problems = checker.check([base[h] for h in ITEM_HEADERS])
    return found, {column: error.reason for column, error in problems}


@pytest.mark.parametrize(("word", "kind"), [("重点", "key"), ("重点检查事项", "key"),
                                            ("一般", "general"), ("", "general")])
def test_item_classes_are_read(word, kind):
    values, problems = item(事项类别=word)
    assert problems == {} and values["kind"] == kind


def test_item_required_fields_and_bad_class_are_named():
    problems = item(检查依据="", 事项类别="特别")[1]
    assert set(problems) == {"检查依据", "事项类别"}
