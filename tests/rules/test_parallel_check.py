"""The worker side of the parallel check, run in this process."""

import io

from shuangsuiji.rules import parallel_check
from shuangsuiji.rules.pgcopy import copy_text
from shuangsuiji.rules.tabular import resolve_headers
from shuangsuiji.rules.target_rows import (
    COLUMNS,
    REQUIRED_ANY,
    RISK_WORDS,
    TargetRowChecker,
    Vocabulary,
)
from shuangsuiji.rules.uscc import make_valid

HEADERS = ["企业名称", "统一社会信用代码", "成立日期", "住所"]
VOCABULARY = Vocabulary({"存续": "active"}, RISK_WORDS)


def _lines(rows):
    return [(",".join(r) + "\r\n").encode("gb18030") for r in rows]


def _setup():
    header_map = resolve_headers(HEADERS, COLUMNS, required_any=REQUIRED_ANY)
    parallel_check._init(header_map, VOCABULARY, "gb18030", ",", 42)
    return TargetRowChecker(header_map, VOCABULARY)


def test_a_worker_returns_copy_text_and_problems_as_the_serial_check_would():
    checker = _setup()
    rows = [["甲", make_valid("91140502MA0K00001"), "2001-01-01", "城区"],
            ["乙", "91140502MA0K000020", "2001年1月1日", "城区"],
            ["", "", "", ""],
            ["丙", make_valid("91140502MA0K00003"), "2001年1月1日", '"说,明"']]
    result = parallel_check.check_block(parallel_check.Task(5, 123, b"".join(_lines(rows))))
    numbered = [(5, rows[0]), (6, rows[1]), (8, ["丙", rows[3][1], rows[3][2], "说,明"])]
    staged, problems = checker.check_chunk(numbered)
    assert result.rows == 3 and result.serial_from is None
    assert result.copy_text == copy_text([[42] * len(staged), *staged.columns])
    assert result.problems == [(r, c, e.template, e.params) for r, c, e in problems]
    assert [r for r, *_ in result.problems] == [6]


def test_a_quoted_field_over_two_lines_hands_the_rest_back():
    _setup()
    lines = _lines([["甲", make_valid("91140502MA0K00001"), "", "城区"]])
    lines += ['乙,,,"多\r\n'.encode("gb18030"), '行"\r\n'.encode("gb18030")]
    result = parallel_check.check_block(parallel_check.Task(10, 1000, b"".join(lines)))
    assert result.rows == 1
    assert result.serial_from == (11, 1000 + len(lines[0]))


def test_raw_blocks_carry_line_numbers_and_offsets():
    stream = io.BytesIO(b"a\nbb\nccc\ndddd\neeeee")
    stream.readline()
    blocks = list(parallel_check.raw_blocks(stream, first_line=2, size=6))
    assert [(b.first_line, b.offset, b.data) for b in blocks] == [
        (2, 2, b"bb\n"), (3, 5, b"ccc\ndddd\n"), (5, 14, b"eeeee")]
