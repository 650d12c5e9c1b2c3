"""The shape of the classification codes a directory keeps: 国民经济行业分类 (GB/T 4754) and
行政区划代码 (GB/T 2260, with the statistical 9- and 12-digit extensions of the same prefix).

The shape is checked here, then the code is looked up in the standards' tables
(rules/code_tables.py): a code of the right shape that the table does not hold is refused too.
"""

import re

from . import code_tables
from .errors import RuleError, gettext_noop

# A section letter A–T alone, or a division (2 digits), group (3) or class (4), optionally
# written after its section letter as registration exports do (C3021).
INDUSTRY_PATTERN = r"[A-T]|[A-T]?[0-9]{2,4}"
# Six digits (province, prefecture, county), or nine or twelve with the township and village.
REGION_PATTERN = r"[0-9]{6}(?:[0-9]{3}){0,2}"
_INDUSTRY = re.compile(INDUSTRY_PATTERN)
_REGION = re.compile(REGION_PATTERN)


UNKNOWN_INDUSTRY = gettext_noop("{value} is not a code of the industrial classification "
                                "(GB/T 4754-2017)")
UNKNOWN_REGION = gettext_noop("{value} is not a code of the current administrative divisions "
                              "(GB/T 2260)")


class CodeError(RuleError):
    """A code whose shape is not the standard's, or that the standard's table does not hold."""


def industry_code(value: str) -> None:
    """CodeError unless the code is empty (unknown) or a GB/T 4754 code, in capitals."""
    if value and _INDUSTRY.fullmatch(value) is None:
        raise CodeError(gettext_noop(
            'the industry code "{value}" is not a GB/T 4754 code: a section letter A–T or '
            "2 to 4 digits (like C or 3021 or C3021)"), value=value)
    if value and not code_tables.industry_known(value):
        raise CodeError(UNKNOWN_INDUSTRY, value=value)


def region_code(value: str) -> None:
    """CodeError unless the code is empty (unknown) or a region's 6 digits (or 9 or 12)."""
    if value and _REGION.fullmatch(value) is None:
        raise CodeError(gettext_noop(
            'the region code "{value}" must be 6 digits (GB/T 2260), or 9 or 12'),
            value=value)
    if value and not code_tables.region_known(value):
        raise CodeError(UNKNOWN_REGION, value=value)
