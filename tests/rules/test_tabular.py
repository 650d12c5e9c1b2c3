"""Reading CSV and XLSX exports as streams of rows, and mapping their headers to fields."""

import csv
import io
import random
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from shuangsuiji.rules import tabular
from shuangsuiji.rules.tabular import (
    Column,
    TableError,
    cell_text,
    csv_records,
    detect_encoding,
    known_headers,
    normalise_header,
    open_table,
    resolve_headers,
    spare_cells,
)

COLUMNS = (Column("name", "企业名称", ("单位名称", "行政相对人名称"), required=True),
           Column("uscc", "统一社会信用代码", ("行政相对人代码_1(统一社会信用代码)",)),
           Column("no_code_reason", "无代码原因"),
           Column("address", "住所", ("地址",)))
KNOWN = known_headers(COLUMNS)
ROWS = [["企业名称", "统一社会信用代码", "住所"],
        ["晋城市甲公司", "91110000600037341L", "城区凤台东街1号"],
        ["乙公司，分公司", "", '说"明"'],
        ["丙", "x", "多行\n地址"]]


def _csv(rows, encoding="utf-8"):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def _read(data, name="f.csv"):
    with open_table(io.BytesIO(data), name=name, known_headers=KNOWN) as table:
        return table.header_row, table.headers, list(table.rows), table.encoding


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_csv_is_read_in_each_encoding_exports_use(encoding):
    header_row, headers, rows, found = _read(_csv(ROWS, encoding))
    assert header_row == 1
    assert headers == ROWS[0]
    assert [cells for _, cells in rows] == ROWS[1:]
    assert [number for number, _ in rows] == [2, 3, 4]
    assert found == {"gbk": "gb18030", "utf-8": "utf-8"}.get(encoding, found)


def test_gb18030_is_told_from_utf8():
    assert detect_encoding("企业名称".encode("gb18030")) == "gb18030"
    assert detect_encoding("企业名称".encode()) == "utf-8"
    assert detect_encoding("企业名称".encode("utf-8-sig")) == "utf-8-sig"


def test_a_file_that_changes_encoding_midway_is_named():
    good = _csv(ROWS[:2]) + _csv([["甲", "", "地址"]]) * 6000  # past the sniffed sample
    bad = _csv([["丁公司", "", "地址"]], "gb18030")
    with pytest.raises(TableError) as info:
        _read(good + bad)
    assert "UTF-8" in info.value.reason
    assert "row 6003 " in info.value.reason  # header 1, rows 2-6002 good


def test_binary_files_are_refused():
    with pytest.raises(TableError):
        _read(b"\x00\x01\x02binary")


def test_old_excel_files_are_refused_with_advice():
    with pytest.raises(TableError) as info:
        _read(b"\xd0\xcf\x11\xe0" + b"\x00" * 100, name="f.xls")
    assert ".xlsx" in info.value.reason


def test_a_title_row_above_the_header_is_skipped_and_rows_keep_their_numbers():
    _, headers, rows, _ = _read(_csv([["行政许可信息公示表"], [], *ROWS]))
    assert headers == ROWS[0]
    assert rows[0][0] == 4


def test_blank_rows_are_skipped_but_counted():
    _, _, rows, _ = _read(_csv([ROWS[0], ROWS[1], ["", "", ""], ROWS[2]]))
    assert [number for number, _ in rows] == [2, 4]


def test_tab_separated_text_is_read():
    data = "\n".join("\t".join(r) for r in ROWS[:2]).encode("utf-16")
    _, headers, rows, _ = _read(data)
    assert headers == ROWS[0] and rows[0][1][0] == "晋城市甲公司"


def test_the_fast_line_splitter_agrees_with_the_csv_module():
    rng = random.Random(7)  # noqa: S311 - test data
    pieces = ["a", "乙", "", " ", '"', "x,y", "line\nbreak", "cr\r\nlf", 'q""q', "中，文"]
    rows = [[rng.choice(pieces) for _ in range(rng.randrange(1, 6))] for _ in range(3000)]
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    expected = list(csv.reader(io.StringIO(text.getvalue(), newline="")))
    assert list(csv_records(io.StringIO(text.getvalue(), newline=""))) == expected


def test_a_stray_quote_inside_a_field_reads_as_the_csv_module_does():
    text = 'a,b"c,d\ne,f,g\n'
    assert list(csv_records(io.StringIO(text, newline=""))) == list(
        csv.reader(io.StringIO(text, newline="")))


def test_xlsx_cells_become_text_numbers_without_decimals_and_dates_in_iso_form():
    book = Workbook()
    sheet = book.active
    sheet.append(["企业名称", "行政区划代码", "成立日期", "住所"])
    sheet.append(["甲", 140502, datetime(2023, 4, 1), None])
    sheet.append(["乙", 140502.0, date(2020, 1, 2), 1.5])
    out = io.BytesIO()
    book.save(out)
    _, headers, rows, _ = _read(out.getvalue(), name="f.xlsx")
    assert headers == ["企业名称", "行政区划代码", "成立日期", "住所"]
    assert rows == [(2, ["甲", "140502", "2023-04-01", ""]),
                    (3, ["乙", "140502", "2020-01-02", "1.5"])]


def test_a_broken_workbook_is_refused():
    with pytest.raises(TableError):
        _read(b"PK\x03\x04 not really a zip", name="f.xlsx")


def test_cell_text_keeps_the_time_of_day_when_there_is_one():
    assert cell_text(datetime(2023, 4, 1, 9, 30)) == "2023-04-01 09:30:00"
    assert cell_text(True) == "1"


def test_headers_are_compared_without_width_case_or_spaces():
    assert normalise_header(" 行政相对人代码_1（统一社会信用代码） ") == normalise_header(
        "行政相对人代码_1(统一社会信用代码)")
    assert normalise_header("U S C C") == "uscc"


def test_headers_map_through_synonyms():
    result = resolve_headers(["单位名称", "行政相对人代码_1（统一社会信用代码）", "地址"], COLUMNS)
    assert result.fields == {"name": 0, "uscc": 1, "address": 2}
    assert result.problems == []


def test_an_unknown_column_is_a_problem_naming_it():
    result = resolve_headers(["企业名称", "统一社会信用代码", "经营范围"], COLUMNS)
    assert [(h, "经营范围" in e.reason) for h, e in result.problems] == [("经营范围", True)]


def test_an_unknown_column_can_be_ignored_or_mapped():
    ignored = resolve_headers(["企业名称", "统一社会信用代码", "经营范围"], COLUMNS,
                              {"经营范围": ""})
    assert ignored.problems == [] and ignored.ignored == [2]
    mapped = resolve_headers(["企业名称", "统一社会信用代码", "经营场所"], COLUMNS,
                             {"经营场所": "address"})
    assert mapped.problems == [] and mapped.fields["address"] == 2


def test_mapping_to_a_field_that_does_not_exist_is_a_problem():
    result = resolve_headers(["企业名称", "统一社会信用代码", "X"], COLUMNS, {"X": "nonsense"})
    assert result.problems[0][0] == "X"


def test_two_columns_read_as_one_field_are_a_problem():
    result = resolve_headers(["企业名称", "单位名称", "统一社会信用代码"], COLUMNS)
    assert result.problems[0][0] == "单位名称"
    assert "企业名称" in result.problems[0][1].reason


def test_a_repeated_header_is_a_problem_unless_ignored():
    assert resolve_headers(["企业名称", "住所", "住所", "统一社会信用代码"],
                           COLUMNS).problems[0][0] == "住所"
    assert resolve_headers(["企业名称", "住所", "住所", "统一社会信用代码"], COLUMNS,
                           {"住所": ""}).problems == []


def test_missing_required_columns_are_named():
    result = resolve_headers(["住所"], COLUMNS, required_any=(("uscc", "no_code_reason"),))
    reasons = " ".join(e.reason for _, e in result.problems)
    assert "企业名称" in reasons and "统一社会信用代码" in reasons and "无代码原因" in reasons


def test_values_in_columns_without_a_header_are_reported():
    result = resolve_headers(["企业名称", "", "统一社会信用代码"], COLUMNS)
    assert result.unnamed == [1]
    assert spare_cells(["甲", "", "X"], result) == []
    assert [c for c, _ in spare_cells(["甲", "值", "X"], result)] == ["B"]
    assert [c for c, _ in spare_cells(["甲", "", "X", "多余"], result)] == ["D"]


@pytest.mark.parametrize("block_lines", [1, 3, 4096])
@pytest.mark.parametrize("ending", ["\r\n", "\n"])
def test_files_read_in_blocks_give_the_csv_modules_records(monkeypatch, block_lines, ending):
    monkeypatch.setattr(tabular, "_BLOCK_LINES", block_lines)
    rng = random.Random(block_lines)  # noqa: S311 - test data
    pieces = ["甲", "b", "", '"', "x,y", "多\n行", "q", "  "]
    rows = [["企业名称", "统一社会信用代码", "住所"]]
    rows += [[rng.choice(pieces) for _ in range(3)] for _ in range(400)]
    text = io.StringIO()
    csv.writer(text, lineterminator=ending).writerows(rows)
    data = text.getvalue().rstrip("\r\n")  # and no newline at the very end
    expected = [(n, r) for n, r in enumerate(csv.reader(io.StringIO(data, newline="")), 1)
                if any(c.strip() for c in r)][1:]
    with open_table(io.BytesIO(data.encode("gb18030")), name="f.csv",
                    known_headers=KNOWN) as table:
        assert list(table.rows) == expected


def test_rows_come_in_chunks_of_the_size_asked():
    data = _csv([ROWS[0]] + [["甲", "", str(i)] for i in range(10)])
    with open_table(io.BytesIO(data), name="f.csv", known_headers=KNOWN) as table:
        chunks = list(table.chunks(4))
    assert [len(c) for c in chunks] == [4, 4, 2]
    assert chunks[0][0] == (2, ["甲", "", "0"]) and chunks[-1][-1][0] == 11
