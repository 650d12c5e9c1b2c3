"""Licence rows for the target directory: every rule names its column, and the column-wise
chunk check gives exactly the per-row answers."""

import random

import pytest

from shuangsuiji.rules import columnar, uscc
from shuangsuiji.rules.tabular import resolve_headers
from shuangsuiji.rules.target_rows import (
    COLUMNS,
    REQUIRED_ANY,
    RISK_WORDS,
    STAGED_FIELDS,
    TargetRowChecker,
    Vocabulary,
)

HEADERS = ["行政相对人名称", "统一社会信用代码", "无代码原因", "法定代表人", "许可编号",
           "许可决定书文号", "许可证书名称", "许可内容", "许可决定日期", "有效期自", "有效期至",
           "当前状态", "行政区划代码", "行业代码", "成立日期", "信用风险分类"]
STATUS = {"存续": "active", "注销": "deregistered", "active": "active"}
CODE = uscc.make_valid("91140502MA0K12345")


def checker(headers=HEADERS):
    return TargetRowChecker(resolve_headers(headers, COLUMNS, required_any=REQUIRED_ANY),
                            Vocabulary(STATUS, RISK_WORDS))


def row(**values):
    base = {"行政相对人名称": "晋城市甲公司", "统一社会信用代码": CODE, "无代码原因": "",
            "法定代表人": "张三", "许可编号": "XK-1", "许可决定书文号": "晋人防许〔2023〕1号",
            "许可证书名称": "批准书", "许可内容": "易地建设审批", "许可决定日期": "2023-04-01",
            "有效期自": "2023-04-01", "有效期至": "2028-03-31", "当前状态": "存续",
            "行政区划代码": "140502", "行业代码": "C3021", "成立日期": "2001-05-06",
            "信用风险分类": "A"}
    base.update(values)
    return [base[h] for h in HEADERS]


def staged(cells):
    good, problems = checker().check(2, cells)
    assert problems == [], problems
    return dict(zip(STAGED_FIELDS, good, strict=True))


def problems(cells, headers=HEADERS):
    good, found = checker(headers).check(2, cells)
    assert good is None
    return {column: error.reason for column, error in found}


def test_a_good_row_is_staged_with_clean_values():
    values = staged(row(信用风险分类="较高风险", 当前状态="注销"))
    assert values["uscc"] == values["entity_key"] == CODE
    assert values["risk_class"] == "C" and values["reg_status"] == "deregistered"
    assert values["lic_key"] == "XK-1"
    assert values["lic_item"] == "易地建设审批（批准书）"
    assert values["founded_on"] == "2001-05-06"
    assert len(values["fingerprint"]) == 64


def test_codes_are_normalised():
    spaced = " ".join([CODE[:6], CODE[6:12], CODE[12:]]).lower()
    assert staged(row(统一社会信用代码=spaced))["uscc"] == CODE


@pytest.mark.parametrize(("code", "fragment"), [
    ("9114050", "18 characters"),                 # structure: length
    ("B1140502MA0K12345X", "registration authority"),  # structure: 1st character
    (CODE[:-1] + ("1" if CODE[-1] != "1" else "2"), "check character"),
])
def test_a_bad_code_is_named_with_its_column(code, fragment):
    assert fragment in problems(row(统一社会信用代码=code))["统一社会信用代码"]


def test_a_name_is_required():
    assert "name" in problems(row(行政相对人名称=" "))["行政相对人名称"]


def test_a_code_or_a_reason_is_required():
    assert "reason" in problems(row(统一社会信用代码=""))["统一社会信用代码"]
    values = staged(row(统一社会信用代码="", 无代码原因="个体工商户未办理"))
    assert values["uscc"] is None and values["entity_key"] == "#晋城市甲公司"


@pytest.mark.parametrize("day", ["2023年4月1日", "2023.4.1", "2023/04/01", "2023-04-01"])
def test_dates_in_the_usual_chinese_forms_are_read(day):
    assert staged(row(许可决定日期=day))["lic_decided_on"] == "2023-04-01"


@pytest.mark.parametrize(("day", "fragment"), [("2023-02-30", "does not exist"),
                                               ("下个月", "is not a date")])
def test_bad_dates_are_named(day, fragment):
    assert fragment in problems(row(成立日期=day))["成立日期"]


def test_validity_may_not_end_before_it_starts():
    assert "before" in problems(row(有效期自="2023-04-01", 有效期至="2022-04-01"))["有效期至"]


def test_unknown_status_and_risk_words_are_rejected():
    found = problems(row(当前状态="正在营业", 信用风险分类="E"))
    assert "正在营业" in found["当前状态"] and "存续" in found["当前状态"]
    assert "E" in found["信用风险分类"]


def test_statuses_and_risk_classes_fold_width_and_spaces():
    assert staged(row(信用风险分类="ｂ类"))["risk_class"] == "B"


def test_too_long_values_are_named():
    assert "200" in problems(row(行政相对人名称="甲" * 201))["行政相对人名称"]


def test_licence_data_without_a_number_is_named():
    found = problems(row(许可编号="", 许可决定书文号=""))
    assert "licence number" in found["许可编号"]


def test_the_decision_number_keys_a_licence_without_a_number():
    assert staged(row(许可编号=""))["lic_key"] == "晋人防许〔2023〕1号"


def test_region_and_industry_codes_are_checked():
    found = problems(row(行政区划代码="14050", 行业代码="Z99"))
    assert set(found) == {"行政区划代码", "行业代码"}
    assert staged(row(行政区划代码="１４０５０２"))["region_code"] == "140502"


@pytest.mark.parametrize(("column", "value", "reason"), [
    ("行业代码", "7A20", "7A20 is not a code of the industrial classification (GB/T 4754-2017)"),
    ("行业代码", "7099", "7099 is not a code of the industrial classification (GB/T 4754-2017)"),
    ("行业代码", "L7020", "L7020 is not a code of the industrial classification"),  # K: 房地产业
    ("行政区划代码", "140599",
     "140599 is not a code of the current administrative divisions (GB/T 2260)"),
    ("行政区划代码", "990000123", "990000123 is not a code of the current administrative"),
])
def test_codes_the_standards_tables_do_not_hold_are_refused(column, value, reason):
    assert problems(row(**{column: value}))[column].startswith(reason)


@pytest.mark.parametrize(("column", "value", "field", "kept"), [
    ("行业代码", "k7020", "industry_code", "K7020"),
    ("行业代码", "7020", "industry_code", "7020"),
    ("行业代码", "B", "industry_code", "B"),
    ("行政区划代码", "140521", "region_code", "140521"),
    ("行政区划代码", "140500", "region_code", "140500"),
    ("行政区划代码", "140521102000", "region_code", "140521102000"),  # a village of 沁水县
])
def test_codes_the_tables_hold_are_kept(column, value, field, kept):
    assert staged(row(**{column: value}))[field] == kept


def test_every_problem_of_a_row_is_reported():
    found = problems(row(行政相对人名称="", 成立日期="x", 信用风险分类="Q"))
    assert set(found) == {"行政相对人名称", "成立日期", "信用风险分类"}


def test_the_fingerprint_covers_only_the_columns_the_file_has():
    short = ["企业名称", "统一社会信用代码"]
    one = checker(short).check(2, ["甲", CODE])[0]
    two = checker(short).check(2, ["甲 ", CODE])[0]
    three = checker(short).check(2, ["乙", CODE])[0]
    assert one[STAGED_FIELDS.index("fingerprint")] == two[STAGED_FIELDS.index("fingerprint")]
    assert one[STAGED_FIELDS.index("fingerprint")] != three[STAGED_FIELDS.index("fingerprint")]
    assert one[STAGED_FIELDS.index("reg_status")] == "active"  # default for new targets


def test_the_quick_check_character_agrees_with_rules_uscc():
    rng = random.Random(31)  # noqa: S311 - test data
    for _ in range(5000):
        body = (rng.choice(list(uscc.AUTHORITIES)) + rng.choice("123")
                + "".join(rng.choice("0123456789") for _ in range(6))
                + "".join(rng.choice(uscc.ALPHABET) for _ in range(9)))
        assert columnar.quick_check_character(body + "0") == uscc.check_character(body)


MUTATIONS = [
    lambda r: r,
    lambda r: {**r, "统一社会信用代码": r["统一社会信用代码"].lower()},
    lambda r: {**r, "统一社会信用代码": "９" + r["统一社会信用代码"][1:]},
    lambda r: {**r, "统一社会信用代码": r["统一社会信用代码"][:-1] + "0"},
    lambda r: {**r, "统一社会信用代码": "", "无代码原因": "未办理"},
    lambda r: {**r, "统一社会信用代码": ""},
    lambda r: {**r, "行政相对人名称": ""},
    lambda r: {**r, "许可决定日期": "2023年4月1日"},
    lambda r: {**r, "成立日期": "2023-02-30"},
    lambda r: {**r, "有效期至": "2020-01-01"},
    lambda r: {**r, "有效期至": ""},
    lambda r: {**r, "当前状态": "注销"},
    lambda r: {**r, "当前状态": "不知道"},
    lambda r: {**r, "信用风险分类": "高风险"},
    lambda r: {**r, "信用风险分类": "Z"},
    lambda r: {**r, "行政区划代码": "abc"},
    lambda r: {**r, "行业代码": "c3021"},
    lambda r: {**r, "行业代码": "7A20"},
    lambda r: {**r, "行业代码": "L7020"},
    lambda r: {**r, "行业代码": "K7020"},
    lambda r: {**r, "行政区划代码": "140599"},
    lambda r: {**r, "行政区划代码": "140521102000"},
    lambda r: {**r, "许可编号": "", "许可决定书文号": ""},
    lambda r: {**r, "许可编号": "", "许可决定书文号": "", "许可证书名称": "", "许可内容": "",
               "许可决定日期": "", "有效期自": "", "有效期至": ""},
    lambda r: {**r, "许可内容": "长" * 199},
    lambda r: {**r, "法定代表人": " 李四 "},
]


def test_the_chunk_check_gives_the_per_row_answers():
    rng = random.Random(5)  # noqa: S311 - test data
    rows = []
    for number in range(2, 3002):
        code = uscc.make_valid(f"91140502MA{number:07d}")
        values = dict(zip(HEADERS, row(统一社会信用代码=code), strict=True))
        cells = [rng.choice(MUTATIONS)(values)[h] for h in HEADERS] if rng.random() < 0.3 \
            else list(values.values())
        if rng.random() < 0.01:
            cells = cells[:-2]  # a short row
        elif rng.random() < 0.01:
            cells = [*cells, "多余"]
        rows.append((number, cells))
    check = checker()
    staged_chunk, found = check.check_chunk(rows)
    expected_good, expected_problems = [], []
    for number, cells in rows:
        good, problems_of_row = check.check(number, cells)
        if good is not None:
            expected_good.append(good)
        expected_problems += [(number, c, e.reason) for c, e in problems_of_row]
    assert sorted(staged_chunk.rows()) == sorted(expected_good)
    assert [(n, c, e.reason) for n, c, e in found] == expected_problems
    assert expected_problems and len(expected_good) > 2000


def test_reported_errors_do_not_hold_on_to_the_rows():
    """A kept traceback would keep its frames, and so the whole chunk, alive."""
    rows = [(2, row(统一社会信用代码="9114050")), (3, row(成立日期="2023-02-30"))]
    _, found = checker().check_chunk(rows)
    assert len(found) == 2
    assert all(e.__traceback__ is None and e.__context__ is None and e.__cause__ is None
               for _, _, e in found)
