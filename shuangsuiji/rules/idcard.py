"""居民身份证号码 (GB 11643-1999): structure, birth date and check character.

python-stdnum's `cn.ric.validate` also looks the first six digits up in its own table of
counties and rejects numbers whose county it does not know for the birth year. Administrative
divisions are merged and renamed all the time and people keep their numbers, so a missing
table entry is not an invalid number: we check what the standard defines and use stdnum for
the arithmetic.
"""

from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from .errors import RuleError, gettext_noop


class InvalidIdNumber(RuleError):
    """Not a legal 18-character identity card number."""


def validate(raw: str) -> str:
    number = "".join(raw.split()).upper()
    if len(number) != 18 or not number[:17].isdigit() or not (
        number[17].isdigit() or number[17] == "X"
    ):
        raise InvalidIdNumber(gettext_noop("must be 17 digits followed by a digit or X"))
    try:
        ric.get_birth_date(number)
    except StdnumError as exc:
        raise InvalidIdNumber(gettext_noop("the birth date in the number does not exist")) from exc
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise InvalidIdNumber(
            gettext_noop('wrong check character: the last character should be "{expected}"'),
            expected=expected,
        )
    return number
