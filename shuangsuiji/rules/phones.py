"""Phone numbers as directories and imports accept them: digits, with a leading +, spaces,
hyphens and brackets between (0356-2251169, 139 1234 5678, +86 (356) 2251169)."""

import re

PHONE_PATTERN = r"\+?[0-9][0-9 \-()]{5,28}[0-9]"
_PHONE = re.compile(PHONE_PATTERN)


def is_phone(value: str) -> bool:
    return _PHONE.fullmatch(value) is not None
