"""Dates as Chinese offices write them: 2023年4月1日, 2023.4.1, 2023/04/01, 2023-04-01, 20230401."""

import re
from datetime import date, datetime

from .errors import RuleError, gettext_noop

_PATTERN = re.compile(
    r"^\s*(\d{4})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?|[./\-](\d{1,2})[./\-](\d{1,2}))\s*$"
)
_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")
# Exports often carry a time of day after the date ("2023-04-01 00:00:00").
_TRAILING_TIME = re.compile(r"[\sT]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*$")


class InvalidDate(RuleError):
    """A cell that is not a date in any of the accepted forms, or a date that does not exist."""


def parse_date(value: object) -> date | None:
    """Parse a cell into a date; None for an empty cell; InvalidDate with a Chinese reason."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)  # the common case, fast
    except ValueError:
        pass
    text = _TRAILING_TIME.sub("", text.replace("\u3000", " "))
    match = _PATTERN.match(text)
    if match:
        year, m1, d1, m2, d2 = match.groups()
        parts = (int(year), int(m1 or m2), int(d1 or d2))
    else:
        match = _COMPACT.match(text)
        if not match:
            raise InvalidDate(
                gettext_noop('"{text}" is not a date; write it like 2023-04-01 or 2023年4月1日'),
                text=text,
            )
        parts = (int(match[1]), int(match[2]), int(match[3]))
    try:
        return date(*parts)
    except ValueError as exc:
        raise InvalidDate(gettext_noop('the date "{text}" does not exist'), text=text) from exc
