"""The password policy's patterns, without Django (rules/passwords.py)."""

import pytest

from shuangsuiji.rules.passwords import (
    character_classes,
    common_word,
    contains_user_name,
    pattern_problems,
)


@pytest.mark.parametrize(("password", "problems"), [
    ("Gx7#mQ2-vLp9", []),
    ("Guanli#rfb-58", []),
    ("alllowercaseletters", ["classes"]),
    ("Xk#9aaaa-Lm2v", ["repeat"]),
    ("Zz#8-abcd-Kq", ["sequence"]),
    ("Zz#8-DCBA-kq", ["sequence"]),
    ("1qaz2wsx-Kq#", ["sequence"]),
    ("Zz#8-ASDF-kq", ["sequence"]),
    ("P@ssw0rd-Xq9", ["common_word"]),
    ("Adm1n#Xq-97k", ["common_word"]),
    ("Xq#97k-Lm-2023", ["year"]),
    ("Xq#97k-Lm-20231", []),  # five digits are not a year
])
def test_it_names_each_weak_pattern(password, problems):
    assert pattern_problems(password) == problems


def test_it_counts_the_classes_of_characters():
    assert [character_classes(p) for p in ("abc", "aB", "aB1", "aB1#", "中文")] == [1, 2, 3, 4, 1]


def test_it_finds_the_common_word_under_leetspeak():
    assert common_word("W3lc0me!xyz") == "welcome"
    assert common_word("Gx7#mQ2-vLp9") is None


def test_it_finds_the_user_name_forwards_backwards_and_in_any_case():
    assert contains_user_name("Kq#OFFICE-97", ["office"])
    assert contains_user_name("Kq#eciffo-97", ["office"])
    assert not contains_user_name("Kq#ab-97x", ["ab"])  # too short to look for
    assert not contains_user_name("Kq#97x-Lm", ["office", ""])
