"""统一社会信用代码 validation against GB 32100-2015, and agreement with python-stdnum."""

import random

import pytest
from stdnum.cn import uscc as stdnum_uscc

from shuangsuiji.rules import uscc

# Real, published codes of several legal forms.
REAL_CODES = [
    "91110000600037341L",  # 企业 (stdnum's own example)
]


def _complete(first17: str) -> str:
    return first17 + stdnum_uscc.calc_check_digit(first17)


@pytest.mark.parametrize("prefix", ["11", "12", "13", "19", "21", "29", "31", "32", "33", "34",
                                    "35", "39", "41", "49", "51", "52", "53", "59", "61", "62",
                                    "69", "71", "72", "79", "81", "89", "91", "92", "93", "A1",
                                    "A9", "N1", "N2", "N3", "N9", "Y1"])
def test_every_legal_form_of_the_standard_is_accepted(prefix):
    code = _complete(prefix + "140502" + "MA0K12345")
    assert uscc.validate(code) == code
    assert uscc.describe(code).authority


def test_stdnum_rejects_letter_prefixed_codes_that_we_accept():
    """Why we do not call stdnum's validate(): it refuses legal N/A/Y codes."""
    code = _complete("N2140502MA0K12345")
    assert not stdnum_uscc.is_valid(code)
    assert uscc.is_valid(code)


@pytest.mark.parametrize("raw", [" 9111 0000 6000 3734 1L ", "91110000600037341l",
                                 "９１１１００００６０００３７３４１Ｌ", "91110000-600037341-L"])
def test_codes_are_normalised(raw):
    assert uscc.validate(raw) == "91110000600037341L"


@pytest.mark.parametrize(("raw", "fragment"), [
    ("9111000060003734", "18"),
    ("91110000600037341I", "I"),
    ("B1110000600037341L", "B"),
    ("94110000600037341L", "4"),
    ("9111A000600037341L", "region"),
    ("91110000600037341M", "check"),
])
def test_invalid_codes_are_rejected_with_a_reason(raw, fragment):
    with pytest.raises(uscc.InvalidCode) as info:
        uscc.validate(raw)
    assert fragment in info.value.reason


def test_check_character_agrees_with_stdnum_on_random_codes():
    rng = random.Random(20231)  # noqa: S311 - test data, not security
    for _ in range(5000):
        body = rng.choice(list(uscc.AUTHORITIES)) + "1" + "".join(
            rng.choice("0123456789") for _ in range(6)) + "".join(
            rng.choice(uscc.ALPHABET) for _ in range(9))
        assert uscc.make_valid(body)[-1] == stdnum_uscc.calc_check_digit(body)


def test_every_wrong_check_character_is_caught():
    code = REAL_CODES[0]
    for ch in uscc.ALPHABET:
        if ch != code[-1]:
            assert not uscc.is_valid(code[:17] + ch)


@pytest.mark.parametrize("raw", ["91140521MA0GF82U3W", "91140521ma0gf82u3w",
                                 "９１１４０５２１ＭＡ０ＧＦ８２Ｕ３Ｗ",
                                 " 9114 0521 MA0G F82U 3W "])
def test_a_typed_code_has_the_shape_of_a_code(raw):
    assert uscc.code_shape(raw) == "91140521MA0GF82U3W"


@pytest.mark.parametrize("raw", ["沁水县鹿台山物业", "91140521MA0GF82U3", "91140521MA0GF82U3WX",
                                 "9114A521MA0GF82U3W", "91140521MA0GF82U3O", "鹿台山91140521MA0G"])
def test_a_name_or_a_part_of_a_code_has_not(raw):
    assert uscc.code_shape(raw) is None


def test_the_shape_leaves_the_check_character_unchecked():
    assert uscc.code_shape("91110000600037341M") == "91110000600037341M"
