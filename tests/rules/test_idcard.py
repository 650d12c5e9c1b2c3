"""Identity card numbers per GB 11643-1999."""

import pytest
from stdnum.cn import ric

from shuangsuiji.rules.idcard import InvalidIdNumber, validate


def test_a_valid_number_passes_and_is_normalised():
    assert validate(" 14050219800101123 6 ") == "140502198001011236"


def test_an_x_check_character_is_accepted_in_either_case():
    body = next(f"14050219800101{i:03d}" for i in range(1000)
                if ric.calc_check_digit(f"14050219800101{i:03d}0") == "X")
    assert validate(body + "x") == body + "X"


def test_a_county_unknown_to_stdnum_is_still_legal():
    """Divisions are renamed and merged; people keep their numbers."""
    body = "99999919800101123"
    number = body + ric.calc_check_digit(body + "0")
    with pytest.raises(ric.InvalidComponent):
        ric.validate(number)
    assert validate(number) == number


@pytest.mark.parametrize(("raw", "fragment"), [
    ("14050219800101123", "17 digits"),
    ("1405021980010112A6", "17 digits"),
    ("140502198002301236", "birth date"),
    ("140502198001011235", "check character"),
])
def test_bad_numbers_say_why(raw, fragment):
    with pytest.raises(InvalidIdNumber) as info:
        validate(raw)
    assert fragment in info.value.reason
