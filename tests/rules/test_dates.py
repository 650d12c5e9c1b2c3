"""Dates in the forms Chinese offices write them."""

from datetime import date, datetime

import pytest

from shuangsuiji.rules.dates import InvalidDate, parse_date


@pytest.mark.parametrize("raw", ["2023年4月1日", "2023年04月01日", "2023 年 4 月 1 日", "2023.4.1",
                                 "2023/04/01", "2023-04-01", "2023-4-1", "20230401",
                                 "2023-04-01 00:00:00", "2023/4/1 8:30", "2023年4月1"])
def test_usual_forms_are_read(raw):
    assert parse_date(raw) == date(2023, 4, 1)


def test_excel_cells_are_read():
    assert parse_date(datetime(2023, 4, 1, 9, 0)) == date(2023, 4, 1)
    assert parse_date(date(2023, 4, 1)) == date(2023, 4, 1)


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_empty_cells_are_none(raw):
    assert parse_date(raw) is None


@pytest.mark.parametrize(("raw", "fragment"), [("2023-02-30", "does not exist"),
                                               ("2023年13月1日", "does not exist"),
                                               ("四月一日", "is not a date"),
                                               ("2023/04", "is not a date"),
                                               ("01/04/2023", "is not a date")])
def test_bad_dates_say_why(raw, fragment):
    with pytest.raises(InvalidDate) as info:
        parse_date(raw)
    assert fragment in info.value.reason
