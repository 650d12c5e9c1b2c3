"""Cells that a spreadsheet program would run as a formula (CSV or formula injection).

A text that starts with = + - @, a tab or a carriage return is read by Excel, WPS and
LibreOffice as a formula (`=HYPERLINK("http://evil.example")`, `@SUM(…)`, `-2+3`), even in a
CSV file. Following the OWASP guidance on CSV injection, such a text gets a leading
apostrophe: the program shows it as text and runs nothing. Only text is escaped: numbers and
dates keep their type and value (a negative number in a numeric cell stays a number).
The writer of every file the platform produces is `shuangsuiji.core.sheets`.
"""

from datetime import date, datetime, time
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Values written as they are: a number or a date cannot be a formula.
PLAIN_TYPES = (bool, int, float, Decimal, date, datetime, time)


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet program would read this text as the start of a formula."""
    return text.startswith(FORMULA_STARTS)


def neutralise(text: str) -> str:
    """The text with a leading apostrophe if it would be read as a formula, else unchanged."""
    return "'" + text if is_formula_like(text) else text


def cell_value(value: object) -> object:
    """A cell as it may be written: None, a number or a date as it is, anything else as text."""
    if value is None or isinstance(value, PLAIN_TYPES):
        return value
    return str(value)


def csv_cell(value: object) -> str:
    """One CSV field: numbers and dates as written, text neutralised, None empty."""
    value = cell_value(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)
