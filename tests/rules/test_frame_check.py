"""The column-wise block check (polars) gives exactly the per-row rule's answers."""

import random

import pytest

from shuangsuiji.rules import parallel_check, uscc
from shuangsuiji.rules.frame_check import FrameChecker
from shuangsuiji.rules.tabular import resolve_headers
from shuangsuiji.rules.target_rows import (
    COLUMNS,
    REQUIRED_ANY,
    RISK_WORDS,
    TargetRowChecker,
    Vocabulary,
)

HEADERS = ["行政相对人名称", "统一社会信用代码", "无代码原因", "法定代表人", "许可编号",
           "许可决定书文号", "许可证书名称", "许可内容", "许可决定日期", "有效期自", "有效期至",
           "当前状态", "行政区划代码", "行业代码", "成立日期", "信用风险分类", "住所", "联系人",
           "联系电话"]
VOCABULARY = Vocabulary({"存续": "active", "注销": "deregistered", "在业": "active"},
                        RISK_WORDS)


def good_row(number: int) -> dict[str, str]:
    return {"行政相对人名称": f"晋城市甲{number}公司",
            "统一社会信用代码": uscc.make_valid(f"91140502MA{number:07d}"), "无代码原因": "",
            "法定代表人": "张三", "许可编号": f"XK-{number}",
            "许可决定书文号": "晋人防许〔2023〕1号",
            "许可证书名称": "批准书", "许可内容": "易地建设审批", "许可决定日期": "2023-04-01",
            "有效期自": "2023-04-01", "有效期至": "2028-03-31", "当前状态": "存续",
            "行政区划代码": "140502", "行业代码": "C3021", "成立日期": "2001-05-06",
            "信用风险分类": "A", "住所": "城区凤台东街1号", "联系人": "李四",
            "联系电话": f"139{number:08d}"}


# Each turns a good row into a tricky one: some stay good, some are errors, some only the
# per-row rule can read (and so must reach it).
MUTATIONS = [
    lambda r: {**r, "统一社会信用代码": r["统一社会信用代码"].lower()},
    lambda r: {**r, "统一社会信用代码": "９" + r["统一社会信用代码"][1:]},
    lambda r: {**r, "统一社会信用代码": " " + r["统一社会信用代码"] + "\u3000"},
    lambda r: {**r, "统一社会信用代码": r["统一社会信用代码"][:-1] + "0"},
    lambda r: {**r, "统一社会信用代码": "A" + r["统一社会信用代码"][1:]},
    lambda r: {**r, "统一社会信用代码": "", "无代码原因": "未办理"},
    lambda r: {**r, "统一社会信用代码": ""},
    lambda r: {**r, "行政相对人名称": ""},
    lambda r: {**r, "行政相对人名称": "\xa0\u2003乙公司\x1c"},
    lambda r: {**r, "行政相对人名称": "甲" * 200},  # 600 bytes, 200 characters: allowed
    lambda r: {**r, "行政相对人名称": "甲" * 201},
    lambda r: {**r, "法定代表人": " 李四 "},
    lambda r: {**r, "法定代表人": "李\u3000四"},
    lambda r: {**r, "许可决定日期": "2023年4月1日"},
    lambda r: {**r, "许可决定日期": "2023年04月01日"},
    lambda r: {**r, "许可决定日期": "2023年2月30日"},
    lambda r: {**r, "许可决定日期": "2023.4.1"},
    lambda r: {**r, "许可决定日期": "2023/04/01"},
    lambda r: {**r, "许可决定日期": "2023-4-1"},
    lambda r: {**r, "许可决定日期": "20230401"},
    lambda r: {**r, "许可决定日期": "2023-04-01 00:00:00"},
    lambda r: {**r, "许可决定日期": "２０２３-04-01"},
    lambda r: {**r, "成立日期": "2023-02-30"},
    lambda r: {**r, "成立日期": "0000-01-01"},
    lambda r: {**r, "成立日期": ""},
    lambda r: {**r, "成立日期": "去年"},
    lambda r: {**r, "有效期至": "2020-01-01"},
    lambda r: {**r, "有效期至": ""},
    lambda r: {**r, "当前状态": "注销"},
    lambda r: {**r, "当前状态": ""},
    lambda r: {**r, "当前状态": "不知道"},
    lambda r: {**r, "当前状态": " 在业"},
    lambda r: {**r, "信用风险分类": "高风险"},
    lambda r: {**r, "信用风险分类": "ｂ类"},
    lambda r: {**r, "信用风险分类": ""},
    lambda r: {**r, "信用风险分类": "Z"},
    lambda r: {**r, "行政区划代码": "abc"},
    lambda r: {**r, "行政区划代码": "１４０５０２"},
    lambda r: {**r, "行政区划代码": "140502001"},
    lambda r: {**r, "行政区划代码": ""},
    lambda r: {**r, "行业代码": "c3021"},
    lambda r: {**r, "行业代码": "3021"},
    lambda r: {**r, "行业代码": "Z99"},
    lambda r: {**r, "行业代码": "7A20"},
    lambda r: {**r, "行业代码": "L7020"},
    lambda r: {**r, "行业代码": "7099"},
    lambda r: {**r, "行业代码": "K7020"},
    lambda r: {**r, "行政区划代码": "140599"},
    lambda r: {**r, "行政区划代码": "140521102000"},
    lambda r: {**r, "行政区划代码": "999999001"},
    lambda r: {**r, "许可编号": ""},
    lambda r: {**r, "许可编号": "", "许可决定书文号": ""},
    lambda r: {**r, "许可编号": "", "许可决定书文号": "", "许可证书名称": "", "许可内容": "",
               "许可决定日期": "", "有效期自": "", "有效期至": ""},
    lambda r: {**r, "许可证书名称": ""},
    lambda r: {**r, "许可内容": ""},
    lambda r: {**r, "许可证书名称": r["许可内容"]},
    lambda r: {**r, "许可内容": "长" * 199},
    lambda r: {**r, "许可编号": "号" * 101},
    lambda r: {**r, "联系电话": "0356-2251169"},
    lambda r: {**r, "联系电话": "+86 (356) 2251169"},
    lambda r: {**r, "联系电话": "电话待补"},
    lambda r: {**r, "联系电话": "１３９１２３４５６７８"},
    lambda r: {**r, "联系电话": "12"},
    lambda r: {**r, "联系电话": ""},
    lambda r: {**r, "联系人": ""},
    lambda r: {**r, "联系人": "", "联系电话": ""},
    lambda r: {**r, "联系人": "联" * 51},
    lambda r: {**r, "联系电话": "1" * 31},
]


def _checker(encoding: str = "utf-8") -> TargetRowChecker:
    header_map = resolve_headers(HEADERS, COLUMNS, required_any=REQUIRED_ANY)
    parallel_check._init(header_map, VOCABULARY, encoding, ",", 42)
    return TargetRowChecker(header_map, VOCABULARY)


def _block(lines: list[str], encoding: str = "utf-8") -> parallel_check.Task:
    return parallel_check.Task(2, 0, "".join(line + "\r\n" for line in lines).encode(encoding))


def _both_ways(task: parallel_check.Task) -> tuple[parallel_check.BlockResult, ...]:
    frame = parallel_check._worker["frame"]
    assert frame is not None
    column_wise = parallel_check.check_block(task)
    parallel_check._worker["frame"] = None
    try:
        row_wise = parallel_check.check_block(task)
    finally:
        parallel_check._worker["frame"] = frame
    return column_wise, row_wise


def _lines_of(text: str | bytes) -> list[str]:
    return sorted((text.decode() if isinstance(text, bytes) else text).splitlines())


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_messy_rows_get_the_per_row_answers(encoding):
    _checker(encoding)
    rng = random.Random(20230401)  # noqa: S311 - test data
    lines = []
    for number in range(1, 4001):
        values = good_row(number)
        for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
            values = rng.choice(MUTATIONS)(values)
        cells = [values[h] for h in HEADERS]
        if rng.random() < 0.01:
            cells = cells[:-3]  # a short row
        lines.append(",".join(cells))
        if rng.random() < 0.005:
            lines.append(rng.choice(["", ",,,", " \u3000 ,"]))  # blank lines are not rows
    task = _block(lines, encoding)
    utf8 = task.data.decode(encoding).encode()
    assert parallel_check._worker["frame"].check(utf8, 2, 42) is not None
    column_wise, row_wise = _both_ways(task)
    assert column_wise.rows == row_wise.rows == 4000
    assert _lines_of(column_wise.copy_text) == _lines_of(row_wise.copy_text)
    assert sorted(column_wise.problems) == sorted(row_wise.problems)
    assert len(row_wise.problems) > 500  # the mutations did make errors


def test_row_numbers_count_blank_lines():
    _checker()
    lines = [",".join(good_row(1).values()), "", ",".join({**good_row(2), "行政相对人名称": ""}
                                                          .values())]
    column_wise, row_wise = _both_ways(_block(lines))
    assert [p[0] for p in column_wise.problems] == [p[0] for p in row_wise.problems] == [4]


@pytest.mark.parametrize("trouble", [
    '"晋城市,甲公司"',        # quoted: the CSV reader's rules apply
    "甲\\乙",                 # COPY's text format would need an escape
    "甲\t乙",
    "甲\r乙",
])
def test_blocks_it_cannot_vouch_for_go_the_per_row_way(trouble):
    checker = _checker()
    line = ",".join({**good_row(1), "住所": trouble}.values())
    frame = FrameChecker(checker, ",")
    assert frame.check((line + "\r\n").encode(), 2, 42) is None
    column_wise, row_wise = _both_ways(_block([line]))
    assert column_wise == row_wise


def test_a_block_of_blank_lines_has_no_rows():
    _checker()
    column_wise, row_wise = _both_ways(_block(["", ",,,", " \u3000 "]))
    assert column_wise.rows == row_wise.rows == 0
    assert column_wise.problems == row_wise.problems == []


def test_a_delimiter_of_several_bytes_goes_the_per_row_way():
    header_map = resolve_headers(HEADERS, COLUMNS, required_any=REQUIRED_ANY)
    assert not FrameChecker(TargetRowChecker(header_map, VOCABULARY), "，").usable


def test_more_cells_than_headers_and_bad_bytes_go_the_per_row_way():
    frame = FrameChecker(_checker(), ",")
    line = ",".join(good_row(1).values())
    assert frame.check((line + ",多余\r\n").encode(), 2, 42) is None
    assert frame.check(line.encode() + b"\xff\xfe\r\n", 2, 42) is None


ATOMS = ["", " ", "\u3000", "\xa0", "\x1c", "\x0b", "\x85", "\u2028", "a", "A", "9", "０",
         "甲", "年", "月", "日", "-", ".", "/", ":", "0000", "2023", "02", "30", "13", "1", "存续",
         "在业", "B", "b类", "高风险", "C3021", "140502", "140599", "L7020", "7020", "X", "（",
         "）", "·", "—", "“"]


def test_random_cells_get_the_per_row_answers():
    """Cells built from fragments that sit on the rules' edges, thousands of rows."""
    _checker()
    rng = random.Random(7)  # noqa: S311 - test data
    for _ in range(40):
        lines = []
        for number in range(1, 60):
            row = good_row(number)
            for header in rng.sample(HEADERS, rng.randint(0, 4)):
                row[header] = ("".join(rng.choice(ATOMS) for _ in range(rng.randint(0, 4)))
                               if rng.random() < 0.6 else row[header] + rng.choice(ATOMS))
            lines.append(",".join(row[h] for h in HEADERS))
        column_wise, row_wise = _both_ways(_block(lines))
        assert column_wise.rows == row_wise.rows
        assert _lines_of(column_wise.copy_text) == _lines_of(row_wise.copy_text)
        assert sorted(column_wise.problems) == sorted(row_wise.problems)
