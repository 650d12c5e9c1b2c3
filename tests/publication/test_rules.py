from datetime import date

import pytest

from shuangsuiji.rules import publication as rules


@pytest.mark.parametrize(("text", "expected"), [
    ("电话13812345678。", "电话138****5678。"),
    ("电话 138-1234-5678", "电话 138****5678"),
    ("+86 13812345678", "138****5678"),
    ("身份证140502198001010015", "身份证140502********0015"),
    ("证号14050219800101001x。", "证号140502********001X。"),
    ("座机0356-2021234", "座机0356-*****34"),
    ("（0356）20212345", "（0356）******45"),
])
def test_it_masks_phone_and_identity_numbers_in_free_text(text, expected):
    assert rules.mask_text(text) == expected
    assert not rules.contains_personal_data(rules.mask_text(text))


@pytest.mark.parametrize("text", [
    "罚款12345678元", "统一社会信用代码91140500MA0K000012", "决定书编号 晋人防罚〔2026〕12号",
    "2026年10月20日", "138123456789012345678",  # too long to be either
])
def test_it_leaves_other_numbers_alone(text):
    assert rules.mask_text(text) == text


def _snapshot(**changes) -> rules.Snapshot:
    values = dict(entity_name="晋城市某商场有限公司", uscc="91140500MA0K000012",
                  region_code="140502", department_name="晋城市人民防空办公室",
                  task_code="RFB-2026-LH01", task_name="联合抽查", inspected_on=date(2026, 10, 20),
                  categories=["corrected"], category_text="发现问题已责令改正", conduct="",
                  conduct_text="", findings="联系电话13812345678")
    return rules.Snapshot(**(values | changes))


def test_redaction_empties_the_withheld_fields_and_names_them():
    public = rules.redact(_snapshot(), ["findings", "uscc", "result"])
    assert public.uscc == "" and public.findings == ""
    assert public.categories == [] and public.category_text == ""
    assert public.withheld_fields == ["uscc", "result", "findings"]
    assert public.entity_name == "晋城市某商场有限公司"


def test_redaction_masks_the_findings_even_when_nothing_is_withheld():
    assert rules.redact(_snapshot(), []).findings == "联系电话138****5678"


def test_conduct_cannot_be_withheld_and_unknown_fields_are_refused():
    with pytest.raises(ValueError, match="conduct"):
        rules.check_fields(["conduct"])


def test_the_chinese_term_is_the_labels_parenthesised_ending():
    assert rules.chinese_term("Problem found, ordered to correct (发现问题已责令改正)") == \
        "发现问题已责令改正"
    unreachable = "通过登记的住所（经营场所）无法联系"
    assert rules.chinese_term(f"Cannot be contacted ({unreachable})") == unreachable
    assert rules.chinese_term("plain") == "plain"


def test_an_export_row_follows_the_columns_and_notes_what_is_withheld():
    source = rules.ExportSource(
        uscc="", entity_name="晋城市某商场有限公司", department_name="晋城市人民防空办公室",
        inspected_on=date(2026, 10, 20), category_text="发现问题已责令改正", task_code="T1",
        task_name="联合抽查", conduct_text="", findings="电话13812345678",
        region_code="140502", published_on=date(2026, 11, 2), withheld_fields=("uscc",))
    row = dict(zip(rules.EXPORT_COLUMNS, rules.export_row(source), strict=True))
    assert row["检查类型"] == "双随机抽查"
    assert row["检查日期"] == "2026-10-20"
    assert row["检查情况说明"] == "电话138****5678"
    assert row["备注"] == "依法不予公示：统一社会信用代码"
    assert (row["行政区划代码"], row["行政区划名称"]) == ("140502", "山西省 晋城市 城区")
    assert rules.csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"


@pytest.mark.parametrize(("code", "name"), [("140521", "山西省 晋城市 沁水县"),
                                            ("140599", "未知代码"), ("", "")])
def test_the_region_name_column_beside_the_code(code, name):
    columns = list(rules.EXPORT_COLUMNS)
    assert columns.index("行政区划名称") == columns.index("行政区划代码") + 1
    assert rules.region_name(code) == name


def test_known_names_of_private_persons_are_masked_longest_first():
    text = "法定代表人欧阳娜娜未到场，由联系人张三、欧阳娜陪同；执法人员王军。"
    masked = rules.mask_names(text, ["欧阳娜", "欧阳娜娜", "张三", " ", "李"])
    assert masked == "法定代表人欧***未到场，由联系人张*、欧**陪同；执法人员王军。"
